"""Read records out of files: Markdown, plain text, CSV, JSON Lines, JSON and YAML.

Each reader yields ``RawRecord``s: the fields as written, where they are (line numbers), and the bytes
they came from. Validation happens later, in ``archive.ingest.records``.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from charset_normalizer import from_bytes

from archive.errors import ArchiveError


class FormatError(ArchiveError, ValueError):
    """A file that cannot be read as its format."""

    def __init__(self, message: str, line: int | None = None, field_name: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.field = field_name


@dataclass
class RawRecord:
    fields: dict[str, Any]
    line: int | None = None  # where the record starts; None for a whole-file record
    field_lines: dict[str, int] = field(default_factory=dict)
    source: bytes = b""
    default_type: str = "account"
    error: str | None = None  # a record that could not be read (a ragged CSV row, a bad JSON line)
    header: bytes = b""  # a CSV's header lines, which a rejects file repeats above the refused rows

    def line_of(self, name: str | None) -> int | None:
        return self.field_lines.get(name or "", self.line)


@dataclass
class DecodedText:
    text: str
    encoding: str
    warning: str | None = None


SUFFIXES = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
}


def format_of(path: Path) -> str | None:
    return SUFFIXES.get(path.suffix.lower())


def decode(data: bytes, encoding: str | None = None) -> DecodedText:
    """Decode UTF-8 (with or without a BOM), or ``encoding`` when given; else detect a legacy 8-bit
    encoding and say so."""
    if encoding is not None:
        try:
            text = data.decode("utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding)
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise FormatError(f"not valid {encoding} (byte {exc.start}: {data[exc.start]:#04x})",
                              line=line) from None
        warning = None
    else:
        try:
            text = data.decode("utf-8-sig")
            encoding = "utf-8"
            warning = None
        except UnicodeDecodeError as exc:
            encoding = _guess_legacy_encoding(data)
            if encoding is None:
                line = data[: exc.start].count(b"\n") + 1
                raise FormatError(
                    f"not valid UTF-8 and no other encoding fits (byte {exc.start}); "
                    "save the file as UTF-8, or give its encoding with --encoding", line=line) from None
            text = data.decode(encoding)
            warning = f"not UTF-8; decoded as {encoding}: check the result, or save the file as UTF-8"
    # CRLF and lone CR become LF, so line numbers and bodies are the same on every platform.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return DecodedText(text, encoding, warning)


def known_encoding(name: str) -> str | None:
    """The codec's canonical name, or None when Python does not know it."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    # rot13, base64 and the like are codecs but not text encodings: bytes.decode refuses them.
    return info.name if getattr(info, "_is_text_encoding", True) else None


# Among equally plausible 8-bit encodings, prefer the ones most archives' old files are written in.
_PREFERRED_LEGACY = ("cp1252", "iso8859_15", "latin_1")


def _guess_legacy_encoding(data: bytes) -> str | None:
    matches = [m for m in from_bytes(data) if m.encoding not in ("utf_8", "utf-8")]
    # charset-normalizer may leave cp1252 out when a DOS code page reads as well: English with typographic
    # quotes and dashes (0x91-0x97) comes back as cp852 or cp775. Ask about the preferred ones directly.
    matches += list(from_bytes(data, cp_isolation=list(_PREFERRED_LEGACY)))
    if not matches:
        return None
    least_chaos = min(m.chaos for m in matches)
    plausible = [m.encoding for m in matches if m.chaos <= least_chaos + 0.01]
    for preferred in _PREFERRED_LEGACY:
        if preferred in plausible:
            return preferred
    return plausible[0]


# libyaml's parser when PyYAML was built with it: the pure-Python one dominated Markdown ingest.
try:
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


class _RecordLoader(_BaseLoader):
    """SafeLoader with two YAML 1.1 surprises removed.

    ``no``, ``on`` and ``yes`` are not booleans (``language: no`` is Norwegian), and dates stay text,
    so that our own parser checks them and keeps their precision (PyYAML crashes on ``2019-02-30``).
    """


_DROPPED_TAGS = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp"}
_RecordLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag not in _DROPPED_TAGS]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}
_RecordLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


# A record is small. Aliases may repeat a value, but a few hundred bytes must not expand into billions of
# values ("billion laughs"): each record's values, counted with every alias expanded, stay under this.
MAX_YAML_VALUES = 100_000


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _check_expansion(node: yaml.Node, sizes: dict[int, tuple[int, int]], first_line: int) -> None:
    """Refuse a record whose aliases expand past ``MAX_YAML_VALUES`` values, that contains itself, or
    that nests deeper than ``MAX_NESTING`` (building it would exhaust the stack).

    Measures each distinct node once (``sizes`` is shared by a document's records), without recursion,
    so the check is linear in the file's size whatever the aliases do."""
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    while stack:
        current, finished = stack.pop()
        key = id(current)
        if finished:
            on_path.discard(key)
            measured = [sizes[id(child)] for child in _children(current)]
            size = 1 + sum(size for size, _ in measured)
            depth = 1 + max((depth for _, depth in measured), default=-1)
            where = current.start_mark.line + first_line
            if size > MAX_YAML_VALUES:
                raise FormatError(f"YAML aliases expand this record past {MAX_YAML_VALUES:,} values "
                                  "(an alias bomb?); write the values out instead", line=where)
            if depth > MAX_NESTING:
                raise FormatError(f"values nested more than {MAX_NESTING} levels deep; a record needs a few",
                                  line=where)
            sizes[key] = (size, depth)
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise FormatError("a YAML alias refers to a value that contains it (a recursive alias)",
                              line=current.start_mark.line + first_line)
        on_path.add(key)
        stack.append((current, True))
        stack.extend((child, False) for child in _children(current) if id(child) not in sizes)


def load_yaml_bounded(text: str) -> Any:
    """``yaml.safe_load`` for a settings file (a mapping, ``redactions.yaml``), refusing with a
    ``FormatError`` what would hang it: an alias bomb, a recursive alias, nesting past ``MAX_NESTING``."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expansion(node, {}, 1)
        return loader.construct_document(node)
    finally:
        loader.dispose()



def read_yaml_file(path: Path) -> Any:
    """A settings file read with ``load_yaml_bounded``; every way it can fail (a bomb, invalid YAML, bytes
    that are not UTF-8) is a ``FormatError`` with the line where known, for the caller to name the file."""
    try:
        return load_yaml_bounded(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FormatError(f"cannot read it: {exc.strerror}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise FormatError(f"not valid YAML ({getattr(exc, 'problem', None) or exc})",
                          line=line + 1 if line is not None else None) from None

def _yaml_documents(text: str, first_line: int = 1) -> Iterator[tuple[Any, int, dict[str, int]]]:
    """Yield (value, line, field lines) for each YAML document, keeping the line of every key."""
    loader = _RecordLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            items = node.value if isinstance(node, yaml.SequenceNode) else [node]
            sizes: dict[int, tuple[int, int]] = {}
            for item in items:
                _check_expansion(item, sizes, first_line)
                line = item.start_mark.line + first_line
                if not isinstance(item, yaml.MappingNode):
                    yield loader.construct_object(item, deep=True), line, {}
                    continue
                fields: dict[str, Any] = {}
                lines: dict[str, int] = {}
                for key_node, value_node in item.value:
                    key = str(loader.construct_object(key_node, deep=True))
                    fields[key] = loader.construct_object(value_node, deep=True)
                    lines[key] = key_node.start_mark.line + first_line
                yield fields, line, lines
    except FormatError:
        raise
    except (ValueError, TypeError) as exc:  # a constructor refusing a value, e.g. an unhashable key
        raise FormatError(f"invalid YAML value: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + first_line if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise FormatError(f"invalid YAML: {problem}", line=line) from None
    finally:
        loader.dispose()


# Fields hold text, lists and small mappings; the stages after reading walk values recursively. (YAML's
# depth is checked on its nodes, before its values are built: see _check_expansion.)
MAX_NESTING = 50


def _check_nesting(value: Any, line: int | None) -> None:
    """Refuse a value nested deeper than ``MAX_NESTING`` lists or mappings (walked without recursion)."""
    stack = [(value, 0)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict):
            children = list(current.values())
        elif isinstance(current, list):
            children = current
        else:
            continue
        if depth >= MAX_NESTING:
            raise FormatError(f"values nested more than {MAX_NESTING} levels deep; a record needs a few", line=line)
        stack.extend((child, depth + 1) for child in children)


def _require_mapping(value: Any, line: int | None) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FormatError(_not_a_record(value), line=line)
    return value


def _not_a_record(value: Any) -> str:
    return f"expected a record (a mapping of field: value), got {type(value).__name__}"


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?---[ \t]*(?:\n|\Z)", re.DOTALL)
_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)


def read_markdown(path: Path, text: str, data: bytes) -> Iterator[RawRecord]:
    match = _FRONT_MATTER.match(text)
    fields: dict[str, Any] = {}
    lines: dict[str, int] = {}
    body = text
    if match:
        documents = list(_yaml_documents(match.group(1) or "", first_line=2))
        if len(documents) > 1:
            raise FormatError("front matter holds more than one record", line=documents[1][1])
        if documents:
            value, line, lines = documents[0]
            fields = dict(_require_mapping(value, line))
        body = text[match.end():]
    if "body" not in fields:
        fields["body"] = body.strip("\n")
    if not fields.get("title") and not fields.get("slug"):
        heading = _HEADING.search(body)
        fields["title"] = heading.group(1) if heading else path.stem
    yield RawRecord(fields, None, lines, data)


def read_text(path: Path, text: str, data: bytes) -> Iterator[RawRecord]:
    stripped = text.strip("\n")
    first, _, rest = stripped.partition("\n")
    if first.strip() and len(first.strip()) <= 200:
        fields = {"title": first.strip(), "body": rest.strip("\n")}
    else:
        fields = {"title": path.stem, "body": stripped}
    yield RawRecord(fields, None, {}, data)


# A record's fields are one row's cells: far more columns than any sheet of records needs is a broken file.
MAX_CSV_COLUMNS = 10_000


def read_csv(path: Path, text: str, data: bytes) -> Iterator[RawRecord]:
    yield from read_csv_lines(path, _lines(text))


def read_csv_lines(path: Path, lines: Iterable[str]) -> Iterator[RawRecord]:
    """The rows of a CSV given as its lines (without line breaks), holding only the current row's lines:
    each record keeps the lines it was written on as its ``source`` (for the rejects file)."""
    consumed: list[str] = []  # the lines the reader took since the last row ended

    def feed() -> Iterator[str]:
        for line in lines:
            consumed.append(line)
            # Each line keeps its line break, or the csv module would drop the ones inside quoted cells.
            yield line + "\n"

    def taken() -> bytes:
        source = "\n".join(consumed).encode("utf-8")
        consumed.clear()
        return source

    reader = csv.reader(feed(), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise FormatError(f"invalid CSV header: {exc}", line=1) from None
    names = [h.strip() for h in header]
    if len(names) > MAX_CSV_COLUMNS:
        raise FormatError(f"the header has {len(names):,} columns, more than the {MAX_CSV_COLUMNS:,} a record "
                          "can hold; split the file or drop columns", line=1)
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise FormatError(f"column {name!r} appears more than once in the header", line=1)
        if name:
            seen.add(name)
    header_source = taken()
    start = reader.line_num + 1
    while True:
        error = None
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # the reader starts afresh on the next line: the rows after still count
            row, error = [], f"invalid CSV: {exc}"
        end = reader.line_num
        source = taken()
        if error is None and not any(cell.strip() for cell in row):
            start = end + 1
            continue
        if error is None and len(row) != len(names):
            # Usually a line break inside an unquoted cell, which splits one row into two short ones.
            error = f"row has {_fields(len(row))}, the header has {len(names)}"
        fields = {} if error else {name: cell for name, cell in zip(names, row, strict=True) if name}
        yield RawRecord(fields, start, {}, source, error=error, header=header_source)
        start = end + 1


def _fields(number: int) -> str:
    return f"{number} field" if number == 1 else f"{number} fields"


def read_jsonl(path: Path, text: str, data: bytes) -> Iterator[RawRecord]:
    yield from read_jsonl_lines(path, _lines(text))


def read_jsonl_lines(path: Path, lines: Iterable[str]) -> Iterator[RawRecord]:
    """The records of a JSON Lines file given as its lines, one at a time."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        source = line.encode("utf-8")
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:  # one line is one record: the lines after still count
            yield RawRecord({}, number, {}, source, error=f"invalid JSON: {exc.msg} (column {exc.colno})")
            continue
        except RecursionError:
            yield RawRecord({}, number, {}, source, error=_TOO_DEEP)
            continue
        if not isinstance(value, dict):
            yield RawRecord({}, number, {}, source, error=_not_a_record(value))
            continue
        try:
            _check_nesting(value, number)
        except FormatError as exc:
            yield RawRecord({}, number, {}, source, error=exc.message)
            continue
        yield RawRecord(value, number, {}, source)


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` one at a time (as ``text.split("\\n")``), so a large file is not held twice."""
    start = 0
    while True:
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start:end]
        start = end + 1


_WHITESPACE = re.compile(r"[ \t\n\r,]*")


def _skip_space(text: str, position: int) -> int:
    """The first position from ``position`` on that is not whitespace or a comma (between JSON values)."""
    match = _WHITESPACE.match(text, position)
    return match.end() if match else position


def read_json(path: Path, text: str, data: bytes) -> Iterator[RawRecord]:
    decoder = json.JSONDecoder()
    position = _skip_space(text, 0)
    if position >= len(text):
        return
    if text[position] != "[":
        value, end = _decode_at(decoder, text, position)
        if text[end:].strip():
            raise FormatError("extra data after the JSON value", line=_line_at(text, end))
        yield RawRecord(dict(_require_mapping(value, 1)), None, {}, data)
        return
    position += 1
    while True:
        position = _skip_space(text, position)
        if position >= len(text):
            raise FormatError("the JSON array is not closed with ]", line=_line_at(text, position))
        if text[position] == "]":
            if text[position + 1:].strip():
                raise FormatError("extra data after the JSON array", line=_line_at(text, position))
            return
        value, end = _decode_at(decoder, text, position)
        line = _line_at(text, position)
        source = text[position:end].encode("utf-8")
        if isinstance(value, dict):
            yield RawRecord(value, line, {}, source)
        else:  # one element is one record: the elements after still count
            yield RawRecord({}, line, {}, source, error=_not_a_record(value))
        position = end


def _decode_at(decoder: json.JSONDecoder, text: str, position: int) -> tuple[Any, int]:
    try:
        value, end = decoder.raw_decode(text, position)
    except json.JSONDecodeError as exc:
        raise FormatError(f"invalid JSON: {exc.msg} (column {exc.colno})", line=exc.lineno) from None
    except RecursionError:
        raise FormatError(_TOO_DEEP, line=_line_at(text, position)) from None
    _check_nesting(value, _line_at(text, position))
    return value, end


# Python's JSON parser recurses once per nested array or object and stops at its recursion limit.
_TOO_DEEP = "invalid JSON: arrays or objects nested too deeply (a record needs a few levels)"


def _line_at(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


_DOCUMENT_MARKER = re.compile(r"^(?:---|\.\.\.)(?:[ \t].*)?$")
_DOCUMENT_START = re.compile(r"^---(?:[ \t].*)?$")


def read_yaml(path: Path, text: str, data: bytes) -> Iterator[RawRecord]:
    physical = text.split("\n")
    try:
        documents = list(_yaml_documents(text))
    except FormatError:
        # In a stream, a document YAML cannot parse is one bad record: parse the documents one by one.
        pieces = _stream_pieces(physical)
        if len(pieces) < 2:
            raise
        for first, last in pieces:
            try:
                documents = list(_yaml_documents("\n".join(physical[first - 1:last]), first_line=first))
            except FormatError as exc:
                start, end = _trimmed(physical, first, last)
                yield RawRecord({}, exc.line or start, {}, "\n".join(physical[start - 1:end]).encode("utf-8"),
                                error=exc.message)
                continue
            yield from _stream_records(physical, documents, last)
        return
    if len(documents) == 1:
        value, line, lines = documents[0]
        yield RawRecord(dict(_require_mapping(value, line)), None, lines, data)
        return
    yield from _stream_records(physical, documents, len(physical))


def _stream_records(physical: list[str], documents: list[tuple[Any, int, dict[str, int]]],
                    last: int) -> Iterator[RawRecord]:
    """The records of a stream's documents (or list items), each with the lines it was written on."""
    for index, (value, line, lines) in enumerate(documents):
        end = documents[index + 1][1] - 1 if index + 1 < len(documents) else last
        _, end = _trimmed(physical, line, end)
        source = "\n".join(physical[line - 1:end]).encode("utf-8")
        if isinstance(value, dict):
            yield RawRecord(value, line, lines, source)
        else:  # one document (or list item) is one record: the ones after still count
            yield RawRecord({}, line, {}, source, error=_not_a_record(value))


def _trimmed(physical: list[str], first: int, last: int) -> tuple[int, int]:
    """Lines first..last without the document markers and blank lines around them."""
    while first < last and (not physical[first - 1].strip() or _DOCUMENT_MARKER.match(physical[first - 1])):
        first += 1
    while last > first and (not physical[last - 1].strip() or _DOCUMENT_MARKER.match(physical[last - 1])):
        last -= 1
    return first, last


def _stream_pieces(physical: list[str]) -> list[tuple[int, int]]:
    """(first, last) line of each document of a stream, split at its ``---`` lines (which YAML reserves)."""
    starts = [number for number, line in enumerate(physical, start=1) if _DOCUMENT_START.match(line)]
    if not starts or starts[0] != 1:
        starts.insert(0, 1)
    pieces = [(start, (starts[i + 1] - 1) if i + 1 < len(starts) else len(physical))
              for i, start in enumerate(starts)]
    return [(first, last) for first, last in pieces
            if any(line.strip() and not line.lstrip().startswith("#") and not _DOCUMENT_MARKER.match(line)
                   for line in physical[first - 1:last])]


READERS = {
    "markdown": read_markdown,
    "text": read_text,
    "csv": read_csv,
    "jsonl": read_jsonl,
    "json": read_json,
    "yaml": read_yaml,
}


def read_records(path: Path, data: bytes, fmt: str, text: str) -> Iterator[RawRecord]:
    """Yield the raw records of one file already decoded to ``text``."""
    yield from READERS[fmt](path, text, data)


# CSV and JSON Lines are read a line at a time, so that one large file goes in with flat memory.
LINE_READERS = {"csv": read_csv_lines, "jsonl": read_jsonl_lines}
READ_CHUNK = 1 << 20  # bytes read and decoded at a time


@dataclass
class OpenedFile:
    """A file's records as they are read, and how it was decoded (``warning`` when the encoding was guessed)."""

    records: Iterator[RawRecord]
    encoding: str
    warning: str | None = None


def open_records(path: Path, fmt: str, encoding: str | None = None,
                 on_read: Callable[[int], None] | None = None) -> OpenedFile:
    """The raw records of the file at ``path``, decoded as ``decode`` does (UTF-8, ``encoding`` when given,
    else a guessed legacy encoding, with a warning).

    CSV and JSON Lines are streamed: read and decoded a chunk at a time, split into lines as they come, so
    memory does not grow with the file. Only a file that is not valid UTF-8 (with no ``encoding`` given) is
    read whole, since guessing its encoding needs all of it. The other formats hold one record, or one JSON
    array or YAML stream that their parsers read whole. ``on_read(n)`` is told of the bytes read. Raises
    ``OSError`` (here or while the records are read) and ``FormatError`` (bytes the encoding refuses)."""
    codec = _codec(encoding)
    if fmt in LINE_READERS and _decodes(path, codec):
        return OpenedFile(LINE_READERS[fmt](path, _decoded_lines(path, codec, on_read)),
                          "utf-8" if codec == "utf-8-sig" else codec)
    data = path.read_bytes()
    decoded = decode(data, encoding)
    if on_read:
        on_read(len(data))
    if fmt in LINE_READERS:
        return OpenedFile(LINE_READERS[fmt](path, _lines(decoded.text)), decoded.encoding, decoded.warning)
    return OpenedFile(read_records(path, data, fmt, decoded.text), decoded.encoding, decoded.warning)


def _codec(encoding: str | None) -> str:
    """The codec that reads ``encoding`` as ``decode`` does (UTF-8 with or without a byte order mark)."""
    return "utf-8-sig" if encoding is None or codecs.lookup(encoding).name == "utf-8" else encoding


def _decodes(path: Path, codec: str) -> bool:
    """Whether the whole file decodes with ``codec``: checked a chunk at a time before any record is read,
    so that a file goes in whole or is refused before anything of it is written."""
    decoder = codecs.getincrementaldecoder(codec)()
    with path.open("rb") as handle:
        while True:
            data = handle.read(READ_CHUNK)
            try:
                decoder.decode(data, final=not data)
            except UnicodeDecodeError:
                return False
            if not data:
                return True


def _decoded_lines(path: Path, codec: str, on_read: Callable[[int], None] | None) -> Iterator[str]:
    """The file's lines, decoded a chunk at a time, as ``_lines`` gives those of the decoded text: CRLF and
    lone CR are line breaks (a CR that ends a chunk waits for the next), and the text after the last break
    is a line, even when empty."""
    decoder = codecs.getincrementaldecoder(codec)()
    rest = ""
    with path.open("rb") as handle:
        while True:
            data = handle.read(READ_CHUNK)
            try:
                text = rest + decoder.decode(data, final=not data)
            except UnicodeDecodeError as exc:  # checked before reading: the file changed since
                raise FormatError(f"not valid {codec} (the file changed while it was read: {exc.reason})") from None
            if on_read and data:
                on_read(len(data))
            held = "\r" if data and text.endswith("\r") else ""  # perhaps the first half of a CRLF
            if held:
                text = text[:-1]
            lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
            if not data:
                yield from lines
                return
            rest = lines.pop() + held
            yield from lines
