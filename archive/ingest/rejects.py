"""Rejects files: the records an ingest refused, as they were written, ready to be fixed and ingested again.

A rejects file has the format and the name of the file its records came from: a CSV keeps its header above
the refused rows, JSON Lines keeps the lines, a JSON array stays an array, a YAML stream stays a stream, and
a single-record file (Markdown, text, one JSON or YAML record) is copied whole. Beside it, NAME.errors.log
gives, for each record, its line in the rejects file, where it came from and why it was refused. The log's
suffix is not one ``archive ingest`` reads, so the folder can be ingested again as it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from archive.errors import ArchiveError
from archive.ingest.formats import RawRecord

LOG_SUFFIX = ".errors.log"


@dataclass
class Refused:
    """One refused record, as it was read, and every reason it was refused (each names file and line)."""

    raw: RawRecord
    reasons: list[str] = field(default_factory=list)


def default_folder(archive_root: Path, now: dt.datetime | None = None) -> Path:
    """ARCHIVE/rejects/<UTC time of the run>, one folder per run."""
    now = now or dt.datetime.now(dt.UTC)
    return archive_root / "rejects" / now.strftime("%Y%m%dT%H%M%SZ")


class RejectsError(ArchiveError):
    """The rejects folder cannot be made where it was asked for."""


def check_folder(folder: Path) -> None:
    """Refuse, before anything is read or stored, a rejects folder that could not be made: a file in its place
    or in the place of a folder above it. (The folder itself is made only once a record is refused.)"""
    for place in (folder, *folder.parents):
        if place.is_dir():
            return
        if place.exists():
            raise RejectsError(f"cannot make the rejects folder {folder}: {place} is a file, not a folder")


class RejectsWriter:
    """Writes one rejects file (and its log) per input file into a folder, made when first needed."""

    def __init__(self, folder: Path) -> None:
        check_folder(folder)
        self.folder = folder
        self.written: list[Path] = []
        self._taken: set[str] = set()

    def write(self, source: Path, fmt: str, refused: list[Refused]) -> Path:
        """Write the refused records of ``source`` (a file of format ``fmt``); return the rejects file."""
        target = self._target(source)
        lines: list[str] = []
        body, starts = _assemble(fmt, [item.raw for item in refused])
        for item, start in zip(refused, starts, strict=True):
            lines.extend(f"line {start}: {reason}" if start else reason for reason in item.reasons)
        target.write_bytes(body)
        self._log(target, source, lines)
        return target

    def write_whole(self, source: Path, reasons: list[str]) -> Path | None:
        """Copy a file that was left out as a whole; return None when it cannot even be read."""
        try:
            data = source.read_bytes()
        except OSError:
            data = None
        target = self._target(source)
        if data is not None:
            target.write_bytes(data)
        self._log(target, source, reasons, whole=True)
        return target if data is not None else None

    def _target(self, source: Path) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        name, number = source.name, 1
        while name in self._taken or (self.folder / name).exists():
            number += 1
            name = f"{source.stem}-{number}{source.suffix}"
        self._taken.add(name)
        return self.folder / name

    def _log(self, target: Path, source: Path, lines: list[str], whole: bool = False) -> None:
        what = "The whole file was left out" if whole else "These records were refused"
        header = [f"# {what} from {source} ({len(lines)} reason(s)).",
                  f"# Fix them in {target.name} and ingest it again (with the same --map, if one was used).",
                  ""]
        log = target.with_name(target.name + LOG_SUFFIX)
        log.write_text("\n".join(header + lines) + "\n", encoding="utf-8")
        self.written.append(target)


def _assemble(fmt: str, raws: list[RawRecord]) -> tuple[bytes, list[int | None]]:
    """The bytes of a rejects file in the format ``fmt``, and the line at which each record starts."""
    if len(raws) == 1 and raws[0].line is None:  # a whole-file record: the original bytes
        return raws[0].source, [None]
    parts: list[bytes] = []
    starts: list[int | None] = []
    line = 1

    def add(chunk: bytes, record_start: bool = False) -> None:
        nonlocal line
        if record_start:
            starts.append(line)
        parts.append(chunk)
        line += chunk.count(b"\n")

    if fmt == "csv":
        add(raws[0].header + b"\n")
        for raw in raws:
            add(raw.source + b"\n", record_start=True)
    elif fmt == "json":
        add(b"[\n")
        for index, raw in enumerate(raws):
            add(raw.source + (b",\n" if index + 1 < len(raws) else b"\n"), record_start=True)
        add(b"]\n")
    elif fmt == "yaml":
        after_item = None  # whether the record before was a list item (None: no record yet)
        for raw in raws:
            item = _is_list_item(raw.source)
            if not item or after_item is False:
                add(b"---\n")  # a document of its own, or a list that follows one
            add(raw.source + b"\n", record_start=True)
            after_item = item
    else:  # JSON Lines
        for raw in raws:
            add(raw.source + b"\n", record_start=True)
    return b"".join(parts), starts


def _is_list_item(source: bytes) -> bool:
    stripped = source.lstrip()
    return stripped.startswith(b"-") and not stripped.startswith(b"---")
