"""Read records out of files: Markdown, plain text, CSV, JSON Lines, JSON and YAML.

Each reader yields ``RawRecord``s: the fields as written, where they are (line numbers), and the bytes
they came from. Validation happens later, in ``archive.records``.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from charset_normalizer import from_bytes


class FormatError(ValueError):
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


def decode(data: bytes) -> DecodedText:
    """Decode UTF-8 (with or without a BOM); detect a legacy 8-bit encoding and say so."""
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
                "save the file as UTF-8", line=line) from None
        text = data.decode(encoding)
        warning = f"not UTF-8; decoded as {encoding}: check the result, or save the file as UTF-8"
    # CRLF and lone CR become LF, so line numbers and bodies are the same on every platform.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return DecodedText(text, encoding, warning)


# Among equally plausible 8-bit encodings, prefer the ones most archives' old files are written in.
_PREFERRED_LEGACY = ("cp1252", "iso8859_15", "latin_1")


def _guess_legacy_encoding(data: bytes) -> str | None:
    matches = [m for m in from_bytes(data) if m.encoding not in ("utf_8", "utf-8")]
    if not matches:
        return None
    least_chaos = min(m.chaos for m in matches)
    plausible = [m.encoding for m in matches if m.chaos <= least_chaos + 0.01]
    for preferred in _PREFERRED_LEGACY:
        if preferred in plausible:
            return preferred
    return plausible[0]


# libyaml's parser when PyYAML was built with it: the pure-Python one dominated Markdown ingest.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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


def _yaml_documents(text: str, first_line: int = 1) -> Iterator[tuple[Any, int, dict[str, int]]]:
    """Yield (value, line, field lines) for each YAML document, keeping the line of every key."""
    loader = _RecordLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            items = node.value if isinstance(node, yaml.SequenceNode) else [node]
            for item in items:
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
    except (ValueError, TypeError) as exc:  # a constructor refusing a value, e.g. an unhashable key
        raise FormatError(f"invalid YAML value: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + first_line if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise FormatError(f"invalid YAML: {problem}", line=line) from None
    finally:
        loader.dispose()


def _require_mapping(value: Any, line: int | None) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FormatError(f"expected a record (a mapping of field: value), got {type(value).__name__}",
                          line=line)
    return value


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


def read_csv(path: Path, text: str, data: bytes) -> Iterator[RawRecord]:
    physical = text.split("\n")
    reader = csv.reader(physical, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise FormatError(f"invalid CSV header: {exc}", line=1) from None
    names = [h.strip() for h in header]
    duplicates = sorted({n for n in names if n and names.count(n) > 1})
    if duplicates:
        raise FormatError(f"column {duplicates[0]!r} appears more than once in the header", line=1)
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise FormatError(f"invalid CSV: {exc}", line=start) from None
        end = reader.line_num
        if not any(cell.strip() for cell in row):
            start = end + 1
            continue
        if len(row) > len(names):
            raise FormatError(f"row has {len(row)} cells but the header has {len(names)} columns",
                              line=start)
        fields = {name: cell for name, cell in zip(names, row, strict=False) if name}
        source = "\n".join(physical[start - 1:end]).encode("utf-8")
        yield RawRecord(fields, start, {}, source)
        start = end + 1


def read_jsonl(path: Path, text: str, data: bytes) -> Iterator[RawRecord]:
    for number, line in enumerate(_lines(text), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise FormatError(f"invalid JSON: {exc.msg} (column {exc.colno})", line=number) from None
        yield RawRecord(dict(_require_mapping(value, number)), number, {}, line.encode("utf-8"))


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


def read_json(path: Path, text: str, data: bytes) -> Iterator[RawRecord]:
    decoder = json.JSONDecoder()
    position = _WHITESPACE.match(text, 0).end() if text else 0
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
        position = _WHITESPACE.match(text, position).end()
        if position >= len(text):
            raise FormatError("the JSON array is not closed with ]", line=_line_at(text, position))
        if text[position] == "]":
            if text[position + 1:].strip():
                raise FormatError("extra data after the JSON array", line=_line_at(text, position))
            return
        value, end = _decode_at(decoder, text, position)
        line = _line_at(text, position)
        yield RawRecord(dict(_require_mapping(value, line)), line, {}, text[position:end].encode("utf-8"))
        position = end


def _decode_at(decoder: json.JSONDecoder, text: str, position: int) -> tuple[Any, int]:
    try:
        return decoder.raw_decode(text, position)
    except json.JSONDecodeError as exc:
        raise FormatError(f"invalid JSON: {exc.msg} (column {exc.colno})", line=exc.lineno) from None


def _line_at(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def read_yaml(path: Path, text: str, data: bytes) -> Iterator[RawRecord]:
    physical = text.split("\n")
    documents = list(_yaml_documents(text))
    for index, (value, line, lines) in enumerate(documents):
        fields = dict(_require_mapping(value, line))
        end = documents[index + 1][1] - 1 if index + 1 < len(documents) else len(physical)
        source = "\n".join(physical[line - 1:end]).encode("utf-8")
        yield RawRecord(fields, line if len(documents) > 1 else None, lines, source if len(documents) > 1 else data)


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
