"""Attaching the files a record names in its ``files`` field, during ``archive ingest``.

Each declared file is checked while the record is validated (it must be in the folder of the ingested
file or below, a symbolic link may not lead out, and ``inspect_file`` must accept its bytes), so that a
bad file refuses its record, and so its whole file unless the run skips invalid records, before
anything is written; a dry run checks the same and keeps nothing. Once the records are committed, their
files are attached with ``archive.store.attach.attach_files``, one transaction per file, so a crash
leaves records whose files are attached on the next run. A file already attached with the same bytes
and the same words is not read again: re-ingesting the same file changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, select

from archive.errors import ArchiveError
from archive.ingest.media import inspect_file
from archive.ingest.record_files import DeclaredFile
from archive.ingest.records import NormalizedRecord
from archive.store.attach import MAX_NAME, AttachError, Description, attach_files, attachments_t, same_description
from archive.store.files import sha256_of
from archive.store.write import Stored


@dataclass
class AttachProblem:
    """A declared file that could not be attached after its record was stored."""

    ingested: Path
    line: int | None
    message: str


@dataclass
class AttachOutcome:
    problems: list[AttachProblem] = field(default_factory=list)
    changed_ids: list[int] = field(default_factory=list)  # records whose attachments changed (to re-index)


class DeclaredFiles:
    """The declared files of one ingest run: checked as records are validated, attached once stored."""

    def __init__(self, archive_root: Path | None, engine: Engine) -> None:
        self.archive_root = archive_root
        self.engine = engine
        # (type, slug) -> ingested file -> (line, files); one record may come from two files of a run.
        self._noted: dict[tuple[str, str], dict[Path, tuple[int | None, list[DeclaredFile]]]] = {}

    def check(self, ingested: Path, line: int | None, record: NormalizedRecord) -> list[str]:
        """Every problem with the record's files, each naming the record and the path; none: noted to attach."""
        ref = f"{record.type}/{record.slug}"
        if self.archive_root is None:
            return [f"{ref}: files are attached only when ingesting into an archive (archive ingest)"]
        problems = []
        for declared in record.files:
            path: Path | None = None
            try:
                path = locate(ingested, declared)
                description(declared).check()
                inspect_file(path)
            except ArchiveError as exc:
                problems.append(f"{ref}: {declared.path}: {_reason(exc, path)}")
        if not problems and record.slug is not None:
            self._noted.setdefault((record.type, record.slug), {})[ingested] = (line, list(record.files))
        return problems

    def forget(self, ingested: Path) -> None:
        """The ingested file was left out: none of the files its records name are attached."""
        for notes in self._noted.values():
            notes.pop(ingested, None)

    def attach(self, stored: Iterable[Stored]) -> AttachOutcome:
        """Attach the declared files of records just committed."""
        outcome = AttachOutcome()
        for item in stored:
            noted = self._noted.pop((item.type, item.slug), None)
            if noted and self.archive_root is not None:
                self._attach_record(item, noted, outcome)
        return outcome

    def _attach_record(self, item: Stored, noted: dict[Path, tuple[int | None, list[DeclaredFile]]],
                       outcome: AttachOutcome) -> None:
        assert self.archive_root is not None
        ref = f"{item.type}/{item.slug}"
        with self.engine.connect() as conn:
            already = {row.name: row for row in conn.execute(
                select(attachments_t).where(attachments_t.c.record_id == item.record_id))}
        for ingested, (line, files) in noted.items():
            for declared in files:
                try:
                    path = locate(ingested, declared)
                    words = description(declared)
                    before = already.get(path.name)
                    if before is not None and before.sha256 == sha256_of(path) and same_description(before, words):
                        continue
                    report = attach_files(self.archive_root, self.engine, ref, [path], words)
                except (ArchiveError, OSError) as exc:
                    outcome.problems.append(AttachProblem(ingested, line, f"{ref}: {declared.path}: {exc}"))
                    continue
                if report.added or report.replaced or report.described:
                    outcome.changed_ids.append(item.record_id)


def locate(ingested: Path, declared: DeclaredFile) -> Path:
    """The declared file, beside or below the ingested file; AttachError if it leads out or is not there."""
    folder = ingested.parent
    path = folder / declared.path
    if not path.resolve().is_relative_to(folder.resolve()):
        raise AttachError(f"leads out of the folder of {ingested.name} (through a symbolic link); keep a "
                          f"record's files in its folder or below")
    if not path.is_file():
        raise AttachError("no such file" if not path.exists() else "not a file")
    if len(path.name) > MAX_NAME:
        raise AttachError(f"a file name of {len(path.name)} characters is more than the {MAX_NAME} allowed")
    return path


def description(declared: DeclaredFile) -> Description:
    return Description(caption=declared.caption, credit=declared.credit, licence=declared.licence,
                       visibility=declared.visibility, consent=declared.consent)


def _reason(exc: ArchiveError, path: Path | None) -> str:
    """The error without the absolute path that ``inspect_file`` starts its messages with."""
    text = str(exc)
    prefix = f"{path}: "
    return text[len(prefix):] if path is not None and text.startswith(prefix) else text
