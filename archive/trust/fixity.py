"""Fixity: recompute every content and source hash, and keep a hash-chained log of the checks.

The three categories are Archivematica's:

- **changed**: a record whose content no longer hashes to the value kept when it was ingested, whose
  latest revision disagrees with it, or a source whose bytes no longer hash to their address;
- **missing**: a record that the previous check saw and that is gone;
- **untracked**: a record that never went through ingestion (no content hash or no revision).

SQLite's ``integrity_check`` looks at pages and indexes, not at the meaning of a text value, so a
changed byte inside a body passes it; this check catches it.

The chain shows an edited or removed entry in the middle, but not a log cut short at its end or deleted
whole. So its length and head are also kept elsewhere, as anchors: a small file beside the store
(``ARCHIVE/fixity-anchor.json``, rewritten after each run), the manifest of every published site, and
a file beside every backup. ``verify`` compares the log with each anchor it is given.

The published anchor is sealed: the manifest carries an HMAC of the length and head under a key derived
from the archive's signing key, not the length and head themselves. Entries count runs over every record,
private ones included, and a run's hash could be found by trying counts and times; a seal shows readers
nothing, and the same public records with other secrets give the same public files only while the logs
agree. ``verify`` finds the entry a seal names by trying each length of the log.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import hmac
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, func, insert, select

from archive.errors import ArchiveError
from archive.store.canonical import iter_stored_records, stored_records_by_id
from archive.store.files import FileStore
from archive.store.models import Attachment, FixityRun, Record, Revision, Source, StoredFile, table_of

GENESIS = "0" * 64
ANCHOR_NAME = "fixity-anchor.json"
fixity_t = table_of(FixityRun)
files_t = table_of(StoredFile)
attachments_t = table_of(Attachment)
records_t = table_of(Record)


class AnchorError(ArchiveError, ValueError):
    """A fixity anchor (a file or a site's manifest) that cannot be read or holds no anchor."""


@dataclass
class FixityReport:
    checked: int = 0
    sources_checked: int = 0
    files_checked: int = 0
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    untracked: list[str] = field(default_factory=list)
    log_problems: list[str] = field(default_factory=list)
    log_entries: int = 0

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.untracked or self.log_problems)


@dataclass(frozen=True)
class LogAnchor:
    """The fixity log's length and the hash of its last entry, kept apart from the log."""

    entries: int
    head: str

    def as_dict(self) -> dict[str, int | str]:
        return {"entries": self.entries, "head": self.head}

    def sealed(self, seal_key: bytes) -> dict[str, str]:
        """The form a published manifest carries: what the anchor says, readable only with the key."""
        return {"sealed": seal_of(seal_key, self.entries, self.head)}


@dataclass(frozen=True)
class SealedAnchor:
    """A published anchor: ``seal_of(key, entries, head)`` for some length of the log."""

    seal: str


def seal_of(seal_key: bytes, entries: int, head: str) -> str:
    return hmac.new(seal_key, f"{entries}:{head}".encode("ascii"), hashlib.sha256).hexdigest()


def verify_fixity(engine: Engine, *, record_run: bool = True, now: dt.datetime | None = None,
                  anchors: Sequence[tuple[str, Anchor]] = (), anchor_file: Path | None = None,
                  seal_key: bytes | None = None, files_root: Path | None = None) -> FixityReport:
    """Check every record and source; append the run to the fixity log unless ``record_run`` is False.

    With ``files_root`` (the archive folder), every attached file the store names is read again and its
    bytes hashed: a file missing from ``files/`` or changed is reported.

    ``anchors`` are (where it was kept, anchor) pairs the log must still reach (a sealed one is opened
    with ``seal_key``); after a recorded run the new length and head are written to ``anchor_file``."""
    report = FixityReport()
    manifest: dict[str, str] = {}
    with engine.connect() as conn:
        report.log_problems, report.log_entries, previous_manifest, last_entry = check_log(conn)
        report.log_problems += check_anchors(entry_hashes(conn), anchors, seal_key)
        latest_revision = _latest_revision_hashes(conn)
        for stored in iter_stored_records(conn):
            key = f"{stored.type}/{stored.slug}"
            report.checked += 1
            manifest[key] = stored.content_sha256
            revision_sha = latest_revision.get(stored.id)
            if not stored.content_sha256 or revision_sha is None:
                report.untracked.append(f"{key}: never ingested (no content hash or no revision)")
            elif stored.recomputed_sha256() != stored.content_sha256:
                report.changed.append(f"{key}: content does not match its SHA-256 {stored.content_sha256[:12]}")
            elif revision_sha != stored.content_sha256:
                report.changed.append(f"{key}: differs from its latest revision (changed without a revision)")
        for sha, content in conn.execute(select(Source.sha256, Source.content)):
            report.sources_checked += 1
            if hashlib.sha256(content).hexdigest() != sha:
                report.changed.append(f"source {sha[:12]}: its bytes no longer match their SHA-256")
        report.missing = [f"{key}: checked before, now gone" for key in sorted(set(previous_manifest) - set(manifest))]
        if files_root is not None:
            _check_files(conn, FileStore(files_root), report)
    if record_run:
        _append_run(engine, report, manifest, last_entry, now or dt.datetime.now(dt.UTC))
        # A log found cut short or rewritten keeps its old anchor, so the finding stays until an archivist
        # deals with it, instead of being blessed by the next run.
        if anchor_file is not None and not report.log_problems:
            with engine.connect() as conn:
                write_anchor(anchor_file, current_anchor(conn))
    return report


def _check_files(conn: Connection, store: FileStore, report: FixityReport) -> None:
    names: dict[str, str] = {}
    for sha, record_type, slug, name in conn.execute(
            select(files_t.c.sha256, records_t.c.type, records_t.c.slug, attachments_t.c.name)
            .join(attachments_t, attachments_t.c.sha256 == files_t.c.sha256, isouter=True)
            .join(records_t, records_t.c.id == attachments_t.c.record_id, isouter=True)
            .order_by(files_t.c.sha256, records_t.c.type, records_t.c.slug)):
        names.setdefault(sha, f"{record_type}/{slug}: attachment {name}" if name else f"file {sha[:12]}")
    for sha, where in names.items():
        report.files_checked += 1
        problem = store.check(sha)
        if problem is None:
            continue
        if store.has(sha):
            report.changed.append(f"{where}: its bytes no longer match their SHA-256 {sha[:12]}")
        else:
            report.missing.append(f"{where}: the kept file {sha[:12]} is missing from {store.root}")


def check_published(engine: Engine, record_ids: Iterable[int]) -> list[str]:
    """The records among ``record_ids`` whose content no longer matches the hash kept at ingest (or their
    latest revision), one line each: what ``archive build`` refuses to publish."""
    problems: list[str] = []
    with engine.connect() as conn:
        latest_revision = _latest_revision_hashes(conn)
        for stored in stored_records_by_id(conn, record_ids):
            key = f"{stored.type}/{stored.slug}"
            if not stored.content_sha256 or stored.id not in latest_revision:
                problems.append(f"{key}: never ingested (no content hash or no revision)")
            elif stored.recomputed_sha256() != stored.content_sha256:
                problems.append(f"{key}: content does not match its SHA-256 {stored.content_sha256[:12]}")
            elif latest_revision[stored.id] != stored.content_sha256:
                problems.append(f"{key}: differs from its latest revision (changed without a revision)")
    return problems


def entry_hashes(conn) -> list[str]:  # noqa: ANN001
    """Every entry's hash, oldest first."""
    return list(conn.execute(select(fixity_t.c.entry_sha256).order_by(fixity_t.c.id)).scalars())


def current_anchor(conn) -> LogAnchor:  # noqa: ANN001
    count = conn.execute(select(func.count()).select_from(fixity_t)).scalar() or 0
    head = conn.execute(select(fixity_t.c.entry_sha256).order_by(fixity_t.c.id.desc()).limit(1)).scalar()
    return LogAnchor(count, head or GENESIS)


Anchor = LogAnchor | SealedAnchor


def check_anchors(hashes: list[str], anchors: Sequence[tuple[str, Anchor]],
                  seal_key: bytes | None = None) -> list[str]:
    """What each anchor shows: a log shorter than it was, emptied, or rewritten up to the anchored entry."""
    problems = []
    for where, anchor in anchors:
        if isinstance(anchor, SealedAnchor):
            problems += _check_sealed(hashes, where, anchor, seal_key)
            continue
        if anchor.entries == 0:
            continue
        recorded = f"{where} recorded {anchor.entries} entries (head {anchor.head[:12]})"
        if not hashes:
            problems.append(f"the fixity log is empty, but {recorded}: the log was deleted")
        elif len(hashes) < anchor.entries:
            problems.append(f"the fixity log has {len(hashes)} entries, but {recorded}: "
                            "entries were removed from its end (or the store was restored from an older copy)")
        elif hashes[anchor.entries - 1] != anchor.head:
            problems.append(f"fixity log entry {anchor.entries} is not the one {where} recorded "
                            f"(head {anchor.head[:12]}): the log was rewritten")
    return problems


def _check_sealed(hashes: list[str], where: str, anchor: SealedAnchor, seal_key: bytes | None) -> list[str]:
    if seal_key is None:
        return [f"{where} holds a sealed anchor, and the archive's signing key that opens it is missing"]
    heads = [GENESIS, *hashes]
    if any(hmac.compare_digest(seal_of(seal_key, n, heads[n]), anchor.seal) for n in range(len(heads))):
        return []
    return [f"the fixity log no longer reaches the sealed anchor in {where}: entries were removed from its end, "
            "the log was deleted or rewritten (or the store was restored from an older copy)"]


def anchors_of(places: Iterable[Path], given: Iterable[Path] = ()) -> list[tuple[str, Anchor]]:
    """The anchors kept in ``places`` (skipped when absent) and in ``given`` (which must hold one)."""
    found: list[tuple[str, Anchor]] = []
    for path in places:
        if path.is_file() or (path / "manifest.json").is_file():
            anchor = read_anchor(path)
            if anchor is not None:
                found.append((str(path), anchor))
    for path in given:
        anchor = read_anchor(path)
        if anchor is None:
            raise AnchorError(f"{path} holds no fixity log anchor")
        found.append((str(path), anchor))
    return found


def read_anchor(path: Path) -> Anchor | None:
    """The anchor kept in ``path``: an anchor file, a site's ``manifest.json``, or a site folder.

    ``None`` when the file holds none (a site built before anchors); ``AnchorError`` when it cannot be read."""
    if path.is_dir():
        path = path / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AnchorError(f"{path}: cannot read a fixity anchor: {exc.strerror}") from None
    except ValueError as exc:
        raise AnchorError(f"{path}: cannot read a fixity anchor: {exc}") from None
    section = data.get("fixity_log") if isinstance(data, dict) else None
    if section is None:
        return None
    if isinstance(section, dict) and set(section) == {"sealed"}:
        seal = section["sealed"]
        if not isinstance(seal, str) or len(seal) != 64:
            raise AnchorError(f"{path}: its sealed fixity_log is not a 64-digit HMAC")
        return SealedAnchor(seal)
    try:
        entries, head = int(section["entries"]), str(section["head"])
    except (KeyError, TypeError, ValueError):
        raise AnchorError(f"{path}: its fixity_log is not {{entries, head}}") from None
    if entries < 0 or len(head) != 64:
        raise AnchorError(f"{path}: its fixity_log is not {{entries, head}}")
    return LogAnchor(entries, head)


def write_anchor(path: Path, anchor: LogAnchor) -> None:
    """Keep ``anchor`` in ``path`` unless the file already holds a longer log's (a concurrent run's)."""
    try:
        kept = read_anchor(path) if path.is_file() else None
    except ValueError:
        kept = None
    if isinstance(kept, LogAnchor) and kept.entries > anchor.entries:
        return
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_text(json.dumps({"fixity_log": anchor.as_dict()}, indent=1) + "\n", encoding="utf-8")
    os.replace(partial, path)


def _latest_revision_hashes(conn) -> dict[int, str]:  # noqa: ANN001
    latest = (select(Revision.record_id, func.max(Revision.number).label("number"))
              .group_by(Revision.record_id).subquery())
    rows = conn.execute(
        select(Revision.record_id, Revision.content_sha256)
        .join(latest, (latest.c.record_id == Revision.record_id) & (latest.c.number == Revision.number))
    )
    return dict(rows.all())


def entry_sha(previous: str, summary: str, manifest_sha: str) -> str:
    return hashlib.sha256(f"{previous}\n{manifest_sha}\n{summary}".encode()).hexdigest()


def check_log(conn) -> tuple[list[str], int, dict[str, str], str]:  # noqa: ANN001
    """Walk the chain; return problems, entry count, the last manifest and the last entry hash."""
    problems: list[str] = []
    previous = GENESIS
    manifest: dict[str, str] = {}
    count = 0
    for row in conn.execute(select(fixity_t).order_by(fixity_t.c.id)).mappings():
        count += 1
        where = f"fixity log entry {row['id']}"
        if row["previous_sha256"] != previous:
            problems.append(f"{where}: does not follow the entry before it (an entry was removed or edited)")
        if hashlib.sha256(row["manifest"]).hexdigest() != row["manifest_sha256"]:
            problems.append(f"{where}: its manifest was altered")
        if entry_sha(row["previous_sha256"], row["summary"], row["manifest_sha256"]) != row["entry_sha256"]:
            problems.append(f"{where}: its content was altered")
        previous = row["entry_sha256"]
        try:
            manifest = json.loads(gzip.decompress(row["manifest"]))
        except (OSError, ValueError):
            manifest = {}
    return problems, count, manifest, previous


def _append_run(engine: Engine, report: FixityReport, manifest: dict[str, str], previous: str,
                now: dt.datetime) -> None:
    with engine.begin() as conn:
        append_entry(conn, {"run_at": now.isoformat(), **asdict(report)}, manifest, now)


def append_entry(conn, summary: dict, manifest: dict[str, str], now: dt.datetime) -> None:  # noqa: ANN001
    """Add an entry to the log, chained to the newest one as of this transaction (so that two
    concurrent runs still form one chain)."""
    text = json.dumps(summary, sort_keys=True, ensure_ascii=False)
    manifest_bytes = gzip.compress(json.dumps(manifest, sort_keys=True).encode(), mtime=0)
    manifest_sha = hashlib.sha256(manifest_bytes).hexdigest()
    newest = conn.execute(select(fixity_t.c.entry_sha256).order_by(fixity_t.c.id.desc()).limit(1)).scalar()
    previous = newest or GENESIS
    conn.execute(insert(fixity_t).values(
        run_at=now, summary=text, manifest=manifest_bytes, manifest_sha256=manifest_sha,
        previous_sha256=previous, entry_sha256=entry_sha(previous, text, manifest_sha)))
