"""Ingest files into the store: read, validate, normalize and write, one file at a time.

Each file is written inside a savepoint: it goes in whole or not at all, unless the run skips invalid
records, when its valid records go in and the refused ones are written to a rejects file
(``archive.ingest.rejects``). Small files are written several to a savepoint when that gives exactly the result
of writing them one by one (see ``_Batch``); if the store refuses such a batch, its files are written
again one by one. Savepoints are committed in
batches so that thousands of small files do not each pay for a durable commit; a record is reported as
stored only once the commit that holds it has returned.

A file is read as it is written: CSV and JSON Lines are streamed (``formats.open_records``), and a file of
more than one chunk is validated and written chunk by chunk inside its savepoint, so one large file goes in
with flat memory and still all or nothing.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from archive.ingest.formats import FormatError, RawRecord, format_of, open_records
from archive.ingest.mapping import Mapping, MappingError
from archive.ingest.records import NormalizedRecord, RecordDefaults, RecordError, RecordRules, check_defaults, normalize
from archive.ingest.rejects import Refused, RejectsWriter
from archive.store.declared_files import DeclaredFiles
from archive.store.write import Incoming, Stored, write_chunk

CHUNK_SIZE = 500
COMMIT_EVERY = 2000  # records written before a durable commit ...
COMMIT_SECONDS = 1.0  # ... or seconds, so that another writer waiting on the lock gets its turn
RETRIES = 3  # a file that collides with a concurrent writer (a stub both created) is tried again
NAMED_IN_WARNING = 5  # files named in the one warning about a legacy encoding


@dataclass(frozen=True)
class IngestIssue:
    """An error or warning that names the file, the line and the field."""

    path: Path
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        what = f"field '{self.field}': " if self.field else ""
        return f"{where}: {what}{self.message}"


@dataclass
class FileOutcome:
    """What became of one file: records that went in, records refused, or the whole file left out."""

    path: Path
    records_in: int = 0
    refused: int = 0
    errors: int = 0
    left_out: bool = False
    rejects: Path | None = None  # where its refused records were written


@dataclass
class IngestReport:
    files: int = 0
    files_failed: int = 0
    added: int = 0
    updated: int = 0
    filled: int = 0  # stubs created earlier in this run, then described by a later file
    unchanged: int = 0
    stubs: int = 0
    refused: int = 0  # records left out of files that otherwise went in (--skip-invalid)
    errors: list[IngestIssue] = field(default_factory=list)
    warnings: list[IngestIssue] = field(default_factory=list)
    changed_ids: list[int] = field(default_factory=list)
    outcomes: list[FileOutcome] = field(default_factory=list)
    rejects: list[Path] = field(default_factory=list)  # rejects files written, with their .errors.log
    dry_run: bool = False
    aborted: bool = False

    @property
    def records(self) -> int:
        return self.added + self.updated + self.filled + self.unchanged


class StrictAbort(Exception):
    """In a strict run, the first error stops everything."""


@dataclass(frozen=True)
class _Options:
    mapping: Mapping | None = None
    fill: RecordDefaults = field(default_factory=RecordDefaults)
    strict: bool = False
    skip_invalid: bool = False
    encoding: str | None = None
    progress: Callable[[str, int], None] | None = None
    declared: DeclaredFiles | None = None  # the records' ``files``: checked when read, attached once stored

    def advance(self, step: str, amount: int) -> None:
        if self.progress and amount:
            self.progress(step, amount)


@dataclass
class _FileResult:
    skip_invalid: bool = False
    stored: list[Stored] = field(default_factory=list)
    stubs: list[tuple[str, str]] = field(default_factory=list)
    errors: list[IngestIssue] = field(default_factory=list)
    warnings: list[IngestIssue] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    file_error: bool = False  # the file as a whole could not be read or written
    guessed_encoding: str | None = None

    @property
    def failed(self) -> bool:
        """Nothing of the file goes in: it could not be read, or (without --skip-invalid) a record is bad."""
        return self.file_error or (bool(self.errors) and not self.skip_invalid)


def collect_files(paths: Iterable[Path], skip: Iterable[Path] = ()) -> tuple[list[Path], list[IngestIssue]]:
    """Expand folders recursively into the files we can read, in a stable order."""
    skipped = {p.resolve() for p in skip}
    files: list[Path] = []
    problems: list[IngestIssue] = []
    for path in paths:
        if not path.exists():
            problems.append(IngestIssue(path, None, None, "no such file or folder"))
        elif path.is_dir():
            for child in sorted(path.rglob("*")):
                relative = child.relative_to(path).parts
                if any(part.startswith(".") for part in relative) or not child.is_file():
                    continue
                if format_of(child) and not (skipped and child.resolve() in skipped):
                    files.append(child)
        elif format_of(path) is None:
            problems.append(IngestIssue(path, None, None,
                                        "unknown file type; use .md, .txt, .csv, .jsonl, .json or .yaml"))
        elif not (skipped and path.resolve() in skipped):
            files.append(path)
    return files, problems


def ingest(
    engine: Engine,
    paths: Iterable[Path],
    *,
    mapping: Mapping | None = None,
    strict: bool = False,
    dry_run: bool = False,
    default_language: str | None = None,
    skip_invalid: bool = False,
    rejects: Path | None = None,
    encoding: str | None = None,
    defaults: dict[str, Any] | None = None,
    rules: RecordRules | None = None,
    on_file: Callable[[Path, int], None] | None = None,
    on_stored: Callable[[Stored], None] | None = None,
    on_progress: Callable[[str, int], None] | None = None,
    archive_root: Path | None = None,
) -> IngestReport:
    """Ingest files and folders; return what was added, updated, unchanged, refused and what failed.

    Without ``skip_invalid`` a file goes in whole or not at all. With it, the valid records of a file go
    in, and every refused record is written unchanged to a rejects file in the folder ``rejects`` (when
    given). ``encoding`` decodes every file of the batch (else UTF-8, or a detected legacy encoding).
    ``on_progress(step, amount)`` is told of bytes "read" and of records "validated" and "written".
    ``defaults`` are fields given to every record that does not give them (``--set``); ``rules`` are the
    archive's (``Archive.records``: default visibility, declared extra fields). Bad defaults raise
    ``RecordError`` before anything is read. A record's ``files`` are attached in the archive at
    ``archive_root`` (``archive.store.declared_files``).
    """
    if strict and skip_invalid:
        raise ValueError("strict stops at the first error; skip_invalid goes on past bad records")
    check_defaults(defaults or {}, rules)
    fill = RecordDefaults(default_language, dict(defaults or {}), rules or RecordRules())
    opts = _Options(mapping, fill, strict, skip_invalid, encoding, on_progress, DeclaredFiles(archive_root, engine))
    report = IngestReport(dry_run=dry_run)
    writer = RejectsWriter(rejects) if rejects is not None and skip_invalid else None
    files, problems = collect_files(paths, skip=[mapping.path] if mapping else [])
    report.errors.extend(problems)
    if strict and problems:
        report.aborted = True
        return report
    pending: list[Stored] = []
    created_stubs: set[tuple[str, str]] = set()
    guessed: dict[str, list[Path]] = {}
    with engine.connect() as conn:
        transaction = conn.begin()
        written_since_commit, last_commit = 0, time.monotonic()
        batch = _Batch()

        def finish(path: Path, result: _FileResult) -> None:
            nonlocal written_since_commit
            outcome = FileOutcome(path, errors=len(result.errors))
            report.outcomes.append(outcome)
            report.errors.extend(result.errors)
            if result.guessed_encoding:
                guessed.setdefault(result.guessed_encoding, []).append(path)
            if result.failed:
                report.files_failed += 1
                outcome.left_out = True
                if opts.declared is not None:
                    opts.declared.forget(path)  # its records' files are not attached
                if strict:
                    raise StrictAbort
                if writer:
                    outcome.rejects = writer.write_whole(path, [str(e) for e in result.errors])
            else:
                pending.extend(result.stored)
                report.stubs += len(result.stubs)
                created_stubs.update(result.stubs)
                written_since_commit += len(result.stored)
                outcome.records_in = len(result.stored)
                outcome.refused = len(result.refused)
                report.refused += len(result.refused)
                if writer and result.refused:
                    fmt = format_of(path)
                    assert fmt is not None
                    outcome.rejects = writer.write(path, fmt, result.refused)
            if on_file:
                on_file(path, len(result.stored))

        def flush() -> None:
            for path, result in _write_batch(conn, batch, opts):
                finish(path, result)
            batch.clear()

        try:
            for path in files:
                report.files += 1
                result, items, rest = _read_small(path, opts)
                report.warnings.extend(result.warnings)
                if rest is not None:  # more records than one chunk: written chunk by chunk as it is read
                    flush()
                    finish(path, _ingest_file(conn, path, opts, (result, items, rest)))
                elif result.failed:
                    flush()
                    finish(path, result)
                else:
                    if not batch.accepts(items):
                        flush()
                    batch.add(path, result, items)
                    if batch.size >= CHUNK_SIZE or not batch.extendable:
                        flush()
                due = written_since_commit >= COMMIT_EVERY or time.monotonic() - last_commit > COMMIT_SECONDS
                if not dry_run and not strict and due:
                    flush()
                    transaction.commit()
                    _attach_declared(report, opts, pending)
                    _account(report, pending, created_stubs, on_stored)
                    pending, written_since_commit, last_commit = [], 0, time.monotonic()
                    transaction = conn.begin()
            flush()
        except StrictAbort:
            transaction.rollback()
            report.aborted = True
            return report
        except BaseException:
            transaction.rollback()
            raise
        if dry_run:
            transaction.rollback()
        else:
            transaction.commit()
            _attach_declared(report, opts, pending)
        _account(report, pending, created_stubs, on_stored if not dry_run else None)
    report.warnings.extend(_encoding_warnings(guessed))
    report.rejects = writer.written if writer else []
    return report


def _encoding_warnings(guessed: dict[str, list[Path]]) -> list[IngestIssue]:
    """One warning per guessed encoding for the whole batch, naming its first files."""
    warnings = []
    for encoding, paths in guessed.items():
        others = ""
        if len(paths) > 1:
            named = ", ".join(p.name for p in paths[1:NAMED_IN_WARNING + 1])
            more = f" and {len(paths) - 1 - NAMED_IN_WARNING} more" if len(paths) - 1 > NAMED_IN_WARNING else ""
            others = f", as were {len(paths) - 1} other file(s) ({named}{more})"
        warnings.append(IngestIssue(paths[0], None, None,
                                    f"not UTF-8; decoded as {encoding}{others}: check the result, save the "
                                    f"file(s) as UTF-8, or give the encoding with --encoding"))
    return warnings


def _attach_declared(report: IngestReport, opts: _Options, stored: list[Stored]) -> None:
    """Attach the files the records just committed declare; a file that fails is an error naming it."""
    if opts.declared is not None:
        outcome = opts.declared.attach(stored)
        report.errors.extend(IngestIssue(p.ingested, p.line, "files", p.message) for p in outcome.problems)
        report.changed_ids.extend(outcome.changed_ids)


def _account(report: IngestReport, stored: list[Stored], created_stubs: set[tuple[str, str]],
             on_stored: Callable[[Stored], None] | None) -> None:
    for item in stored:
        if item.action == "added":
            report.added += 1
        elif item.action == "updated" and (item.type, item.slug) in created_stubs:
            report.filled += 1
        elif item.action == "updated":
            report.updated += 1
        else:
            report.unchanged += 1
        if item.action != "unchanged":
            report.changed_ids.append(item.record_id)
        if on_stored:
            on_stored(item)


def _ingest_file(conn: Connection, path: Path, opts: _Options,
                 started: tuple[_FileResult, list[Incoming], Iterator[Incoming]] | None = None) -> _FileResult:
    """Write one file chunk by chunk as it is read; ``started`` goes on from a read already begun."""
    for attempt in range(RETRIES):
        if attempt == 0 and started is not None:
            result, items, rest = started
            records: Iterator[Incoming] = itertools.chain(items, rest)
        else:
            result = _FileResult(opts.skip_invalid)
            records = _incoming(path, opts, result)
        savepoint = conn.begin_nested()
        try:
            for chunk in _chunks(records):
                if result.failed:
                    continue  # keep validating, to report every error, but stop writing
                written = write_chunk(conn, chunk)
                result.stored.extend(written.stored)
                result.stubs.extend(written.stubs)
                opts.advance("written", len(chunk))
        except IntegrityError as exc:
            savepoint.rollback()
            if attempt + 1 < RETRIES:
                continue
            result.errors.append(IngestIssue(path, None, None, f"the store refused it: {exc.orig}"))
            result.file_error = True
            result.stored, result.stubs = [], []
            return result
        except SQLAlchemyError as exc:
            result.errors.append(IngestIssue(path, None, None,
                                             f"the store refused it: {getattr(exc, 'orig', None) or exc}"))
            result.file_error = True
        if result.failed:
            savepoint.rollback()
            result.stored, result.stubs = [], []
        else:
            savepoint.commit()
        return result
    raise AssertionError("unreachable")


@dataclass
class _Batch:
    """Small files whose records are written together, in one savepoint and one set of statements.

    Writing many small files one by one costs a dozen statements each. A batch gives the same result as
    writing its files in order: it only takes files whose records all have a slug, none of which is already
    in the batch or named by an earlier file in it (that file would have made a stub which this one then
    describes). A file without slugs is written alone, as before.
    """

    files: list[tuple[Path, _FileResult, list[Incoming]]] = field(default_factory=list)
    keys: set[tuple[str, str]] = field(default_factory=set)
    targets: set[tuple[str, str]] = field(default_factory=set)
    size: int = 0
    extendable: bool = True

    def accepts(self, items: list[Incoming]) -> bool:
        if not self.files:
            return True
        if not self.extendable or self.size + len(items) > CHUNK_SIZE:
            return False
        keys = {(item.record.type, item.record.slug) for item in items}
        return None not in {slug for _, slug in keys} and not keys & self.keys and not keys & self.targets

    def add(self, path: Path, result: _FileResult, items: list[Incoming]) -> None:
        self.files.append((path, result, items))
        self.size += len(items)
        for item in items:
            if item.record.slug is None:
                self.extendable = False
            self.keys.add((item.record.type, item.record.slug or ""))
            self.targets.update((ref.target_type, ref.slug) for ref in item.record.references)

    def clear(self) -> None:
        self.files, self.keys, self.targets, self.size, self.extendable = [], set(), set(), 0, True


def _read_small(path: Path, opts: _Options) -> tuple[_FileResult, list[Incoming], Iterator[Incoming] | None]:
    """Read and validate a file of at most one chunk of records.

    A file that holds more is not read further: the rest of its records come back as an iterator.
    """
    result = _FileResult(opts.skip_invalid)
    items: list[Incoming] = []
    records = _incoming(path, opts, result)
    for item in records:
        items.append(item)
        if len(items) > CHUNK_SIZE:
            return result, items, records
    return result, items, None


def _write_batch(conn: Connection, batch: _Batch, opts: _Options) -> list[tuple[Path, _FileResult]]:
    """Write a batch of valid small files; if the store refuses it, write its files one by one."""
    if not batch.files:
        return []
    savepoint = conn.begin_nested()
    try:
        written = write_chunk(conn, [item for _, _, items in batch.files for item in items])
    except SQLAlchemyError:
        savepoint.rollback()
        out = []
        quiet = replace(opts, progress=None)  # already counted when the files were first read
        for path, _, _ in batch.files:
            result = _ingest_file(conn, path, quiet)
            result.warnings = []  # already reported when the file was first read
            opts.advance("written", len(result.stored))
            out.append((path, result))
        return out
    savepoint.commit()
    opts.advance("written", batch.size)
    if len(batch.files) == 1:
        path, result, _ = batch.files[0]
        result.stored, result.stubs = written.stored, written.stubs
        return [(path, result)]
    # A batch of several files holds only records with a slug (``_Batch.accepts``): every key is found.
    stored: dict[tuple[str, str | None], Stored] = {(item.type, item.slug): item for item in written.stored}
    out = []
    for index, (path, result, items) in enumerate(batch.files):
        mine = [stored[(item.record.type, item.record.slug)] for item in items]
        # In the order that writing the file alone reports them: unchanged records first.
        result.stored = [s for s in mine if s.action == "unchanged"] + [s for s in mine if s.action != "unchanged"]
        result.stubs = written.stubs if index == 0 else []
        out.append((path, result))
    return out


def _chunks(items: Iterator[Incoming]) -> Iterator[list[Incoming]]:
    chunk: list[Incoming] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= CHUNK_SIZE:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _incoming(path: Path, opts: _Options, result: _FileResult) -> Iterator[Incoming]:
    """Yield the file's valid records; record errors (naming line and field) in ``result``.

    Every record is validated, so that every error is reported; once the file is known to be left out
    (an error without --skip-invalid) no more records are yielded.
    """
    fmt = format_of(path)
    assert fmt is not None
    try:
        opened = open_records(path, fmt, opts.encoding, on_read=lambda size: opts.advance("read", size))
    except OSError as exc:
        result.errors.append(IngestIssue(path, None, None, f"cannot read: {exc.strerror or exc}"))
        result.file_error = True
        return
    except FormatError as exc:
        result.errors.append(IngestIssue(path, exc.line, None, exc.message))
        result.file_error = True
        return
    if opened.warning:
        result.guessed_encoding = opened.encoding
    origin_base = str(path.resolve())
    seen: dict[tuple[str, str], int | None] = {}
    records = opened.records
    try:
        for raw in (opts.mapping.rows(records) if opts.mapping else records):  # a mapping may merge rows
            incoming = _validate(path, raw, opts, origin_base, seen, result)
            opts.advance("validated", 1)
            if incoming is not None and not result.failed:
                yield incoming
            if result.errors and opts.strict:
                return
    except FormatError as exc:
        result.errors.append(IngestIssue(path, exc.line, exc.field, exc.message))
        result.file_error = True
    except OSError as exc:  # the file went away, or a disk error, while it was read
        result.errors.append(IngestIssue(path, None, None, f"cannot read: {exc.strerror or exc}"))
        result.file_error = True
    finally:
        close = getattr(records, "close", None)  # a generator: let go of the open file now
        if close is not None:
            close()


def _validate(path: Path, raw: RawRecord, opts: _Options, origin_base: str, seen: dict,
              result: _FileResult) -> Incoming | None:
    checked = _check(path, raw, opts, seen)
    if isinstance(checked, list):
        result.errors.extend(checked)
        if opts.skip_invalid:  # kept for the rejects file; otherwise the file is left out whole
            result.refused.append(Refused(raw, [str(issue) for issue in checked]))
        return None
    record = checked
    origin = origin_base if raw.line is None else f"{origin_base}:{raw.line}"
    return Incoming(record, raw.source, origin, f"{path}:{raw.line or 1}")


def _check(path: Path, raw: RawRecord, opts: _Options, seen: dict) -> NormalizedRecord | list[IngestIssue]:
    """The record, normalized, or every reason it is refused (sorted by line)."""
    if raw.error:
        return [IngestIssue(path, raw.line, None, raw.error)]
    mapping, fill = opts.mapping, opts.fill
    try:
        fields = mapping.apply(raw.fields) if mapping else raw.fields
        # Columns a mapping keeps as they are were declared on purpose: no typo check on their names.
        kept = mapping.kept_columns(raw.fields) if mapping else ()
        record = normalize(fields, default_type=raw.default_type, default_language=fill.language,
                           defaults=fill.fields, rules=fill.rules, extra_fields=kept)
    except MappingError as exc:
        return [IngestIssue(path, raw.line, None, str(exc))]
    except RecordError as exc:
        issues = [IngestIssue(path, raw.line_of(e.field), e.field, e.message) for e in exc.errors]
        return sorted(issues, key=lambda issue: issue.line or 0)
    if record.slug is not None:
        key = (record.type, record.slug)
        if key in seen:
            first = f"line {seen[key]}" if seen[key] else "earlier"
            return [IngestIssue(path, raw.line_of("slug"), "slug",
                                f"{record.type} {record.slug!r} appears twice in this file (first at {first})")]
        seen[key] = raw.line
    if record.files and opts.declared is not None:  # the files it names (archive.store.declared_files)
        faults = opts.declared.check(path, raw.line_of("files"), record)
        if faults:
            return [IngestIssue(path, raw.line_of("files"), "files", fault) for fault in faults]
    return record
