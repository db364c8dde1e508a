"""Delete records for good: the record, its revisions and links, and source bytes nothing else uses.

Withdrawn consent takes an account out of public output at the next build; deleting it is an
archivist's separate, deliberate step. The deletion is written to the fixity log, so that the next
``verify`` does not report the records as missing, and an unexplained disappearance still is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, select, tuple_, union

from archive.errors import ArchiveError
from archive.store.attach import forget_unused_files
from archive.store.files import FileStore
from archive.store.models import Attachment, Link, Record, Revision, Source, table_of
from archive.store.write import delete_records
from archive.trust.fixity import append_entry, check_log

records_t = table_of(Record)
attachments_t = table_of(Attachment)


class NothingToDelete(ArchiveError):
    """None of the given records exist."""


@dataclass
class DeleteResult:
    deleted: list[str] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    sources_purged: int = 0
    attachments_deleted: int = 0
    files_purged: list[str] = field(default_factory=list)  # SHA-256 of attached files nothing else used
    deleted_ids: list[int] = field(default_factory=list)
    neighbour_ids: list[int] = field(default_factory=list)  # records that linked to them: reindex these


def find_records(engine: Engine, keys: list[tuple[str, str]]) -> tuple[dict[str, str], list[str]]:
    """Which of ``keys`` exist, before anyone is asked to confirm: ({"type/slug": title}, ["type/slug" missing])."""
    with engine.connect() as conn:
        found = {f"{t}/{s}": title for t, s, title in conn.execute(
            select(records_t.c.type, records_t.c.slug, records_t.c.title)
            .where(tuple_(records_t.c.type, records_t.c.slug).in_(keys)))}
    return found, [f"{t}/{s}" for t, s in keys if f"{t}/{s}" not in found]


def delete_permanently(engine: Engine, keys: list[tuple[str, str]], *, reason: str = "",
           now: dt.datetime | None = None, archive_root: Path | None = None) -> DeleteResult:
    """Delete records by (type, slug) in one transaction, with their attachments; the attached files no
    other record uses leave ``archive_root``'s ``files/`` folder after the transaction commits."""
    result = DeleteResult()
    with engine.begin() as conn:
        found = {(t, s): i for i, t, s in conn.execute(
            select(records_t.c.id, records_t.c.type, records_t.c.slug)
            .where(tuple_(records_t.c.type, records_t.c.slug).in_(keys)))}
        result.not_found = [f"{t}/{s}" for t, s in keys if (t, s) not in found]
        if not found:
            raise NothingToDelete("no such record: " + ", ".join(result.not_found))
        ids = list(found.values())
        result.neighbour_ids = sorted(set(conn.execute(
            select(Link.source_id).where(Link.target_id.in_(ids), Link.source_id.not_in(ids))).scalars()))
        result.attachments_deleted = conn.execute(
            attachments_t.delete().where(attachments_t.c.record_id.in_(ids))).rowcount or 0
        result.deleted_ids = delete_records(conn, list(found))
        result.files_purged = forget_unused_files(conn)
        result.deleted = sorted(f"{t}/{s}" for t, s in found)
        used = union(select(records_t.c.source_sha256.label("sha")).where(records_t.c.source_sha256.is_not(None)),
                     select(Revision.source_sha256.label("sha")).where(Revision.source_sha256.is_not(None))).subquery()
        purged = conn.execute(table_of(Source).delete().where(Source.sha256.not_in(select(used.c.sha))))
        result.sources_purged = purged.rowcount or 0
        _log_deletion(conn, result.deleted, reason, now or dt.datetime.now(dt.UTC), result.files_purged)
    if archive_root is not None:  # the bytes go once the rows are gone for good
        store = FileStore(archive_root)
        for sha in result.files_purged:
            store.remove(sha)
    return result


def _log_deletion(conn, deleted: list[str], reason: str, now: dt.datetime,  # noqa: ANN001
                  files: list[str]) -> None:
    _, entries, manifest, _ = check_log(conn)
    if not entries:
        return  # no fixity run yet: the first one starts from what is there
    for key in deleted:
        manifest.pop(key, None)
    summary = {"run_at": now.isoformat(), "deleted": deleted, "reason": reason}
    if files:
        summary["files_deleted"] = sorted(files)
    append_entry(conn, summary, manifest, now)
