"""Clean placeholder stubs out of an archive: "not-known", "n-a", "onbekend" and the like.

Before placeholder values were recognized at ingest (``archive.ingest.placeholders``), a cell such as "Not
known" became a stub organization that linked unrelated struggles. ``clean_placeholder_stubs`` takes
those stubs out: each record that names one is written again without it (a new revision, the bytes it
came from kept), then the stubs are deleted, in one transaction, and the change is written to the
fixity log as ``archive delete`` writes its deletions. A stub that a record cannot do without (a
balance sheet's only struggle, an articulation's end) is kept and reported.

It reads every record once to find those that name a placeholder: a maintenance step, not a hot path.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, select

from archive.ingest.placeholders import Placeholders, in_use
from archive.ingest.records import RecordError, normalize
from archive.store.canonical import iter_stored_records
from archive.store.models import Link, Record, Source
from archive.store.write import Incoming, delete_records, write_chunk
from archive.trust.fixity import append_entry, check_log

records_t = Record.__table__


@dataclass
class CleanResult:
    stubs_removed: list[str] = field(default_factory=list)  # "type/slug  title"
    records_updated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # stubs left in place, with the reason
    described: list[str] = field(default_factory=list)  # described records named like a placeholder
    changed_ids: list[int] = field(default_factory=list)  # reindex these
    deleted_ids: list[int] = field(default_factory=list)
    dry_run: bool = False


def clean_placeholder_stubs(engine: Engine, placeholders: Placeholders, *, dry_run: bool = False,
                            reason: str = "placeholder values are no value",
                            now: dt.datetime | None = None) -> CleanResult:
    """Remove the stubs whose name is a placeholder, and every link to them."""
    result = CleanResult(dry_run=dry_run)
    with engine.connect() as conn, in_use(placeholders):
        transaction = conn.begin()
        try:
            _clean(conn, placeholders, result, reason, now or dt.datetime.now(dt.UTC))
        except BaseException:
            transaction.rollback()
            raise
        if dry_run:
            transaction.rollback()
        else:
            transaction.commit()
    return result


def _clean(conn: Connection, placeholders: Placeholders, result: CleanResult, reason: str,
           now: dt.datetime) -> None:
    stubs: dict[int, tuple[str, str, str]] = {}
    for record_id, record_type, slug, title, is_stub in conn.execute(
            select(records_t.c.id, records_t.c.type, records_t.c.slug, records_t.c.title, records_t.c.is_stub)):
        if placeholders.matches(title) or placeholders.matches(slug):
            if is_stub:
                stubs[record_id] = (record_type, slug, title)
            else:
                result.described.append(f"{record_type}/{slug}  {title}")
    if not stubs:
        return
    naming: dict[int, list[tuple[str, int]]] = {}
    for source_id, relation, target_id in conn.execute(
            select(Link.source_id, Link.relation, Link.target_id).where(Link.target_id.in_(list(stubs)))):
        naming.setdefault(source_id, []).append((relation, target_id))
    kept: set[int] = set()
    updates: list[Incoming] = []
    for stored in iter_stored_records(conn):
        if stored.id not in naming:
            continue
        fields = stored.as_record_fields()
        for relation, target_id in naming[stored.id]:
            target_type, target_slug, _ = stubs[target_id]
            written = f"{target_type}/{target_slug}" if relation == "between" else target_slug
            fields[relation] = [v for v in _as_list(fields.get(relation)) if v.split(" (")[0] != written]
        try:
            record = normalize(fields)
        except RecordError as exc:
            for _, target_id in naming[stored.id]:
                kept.add(target_id)
                result.kept.append(f"{'/'.join(stubs[target_id][:2])}: {stored.type}/{stored.slug} needs it "
                                   f"(field '{exc.field}': {exc.message})")
            continue
        updates.append(Incoming(record, b"", "", f"{stored.type}/{stored.slug}"))
    _rewrite(conn, updates, result)
    removable = [(i, stubs[i]) for i in stubs if i not in kept]
    result.deleted_ids = delete_records(conn, [(t, s) for _, (t, s, _) in removable])
    result.stubs_removed = sorted(f"{t}/{s}  {title}" for _, (t, s, title) in removable)
    _log(conn, result, reason, now)


def _rewrite(conn: Connection, updates: list[Incoming], result: CleanResult) -> None:
    """Write the records again without the placeholder references, keeping their bytes and origin."""
    for start in range(0, len(updates), 500):
        batch = updates[start:start + 500]
        keys = [(item.record.type, item.record.slug) for item in batch]
        rows = {(row.type, row.slug): row for row in conn.execute(
            select(records_t.c.type, records_t.c.slug, records_t.c.origin, records_t.c.source_sha256)
            .where(records_t.c.slug.in_([slug for _, slug in keys])))}
        hashes = [row.source_sha256 for row in rows.values() if row.source_sha256]
        sources = dict(conn.execute(select(Source.sha256, Source.content).where(Source.sha256.in_(hashes))).all())
        incoming = []
        for item, key in zip(batch, keys, strict=True):
            row = rows[key]
            incoming.append(Incoming(item.record, sources.get(row.source_sha256, b""),
                                     row.origin or f"archive clean placeholders:{key[0]}/{key[1]}", item.locator))
        written = write_chunk(conn, incoming)
        for stored in written.stored:
            if stored.action != "unchanged":
                result.records_updated.append(f"{stored.type}/{stored.slug}")
                result.changed_ids.append(stored.record_id)


def _log(conn: Connection, result: CleanResult, reason: str, now: dt.datetime) -> None:
    _, entries, manifest, _ = check_log(conn)
    if not entries:
        return  # no fixity run yet: the first one starts from what is there
    for key in result.stubs_removed:
        manifest.pop(key.split("  ")[0], None)
    changed = set(result.changed_ids)
    if changed:
        for stored in iter_stored_records(conn):
            if stored.id in changed:
                manifest[f"{stored.type}/{stored.slug}"] = stored.content_sha256
    append_entry(conn, {"run_at": now.isoformat(), "deleted": [k.split("  ")[0] for k in result.stubs_removed],
                        "updated": result.records_updated, "reason": reason}, manifest, now)


def _as_list(value: object) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]
