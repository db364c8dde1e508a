"""Write normalized records into the store: upserts, revisions, links, tags and stubs.

Records are written in chunks with set-based statements, so that ingesting is close to the speed of a
bare insert. All writes for one chunk happen on the caller's connection, inside the caller's transaction
(or savepoint): the caller decides what is atomic.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, bindparam, delete, false, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from archive.ingest.records import TYPE_FIELDS, NormalizedRecord, canonical_json, make_slug
from archive.store.models import Link, Record, RecordTag, Revision, Source, Tag, table_of

records_t = table_of(Record)
links_t = table_of(Link)
tags_t = table_of(Tag)
record_tags_t = table_of(RecordTag)
revisions_t = table_of(Revision)
sources_t = table_of(Source)

_VISIBILITY_RANK = {"public": 0, "restricted": 1, "private": 2}
# Every type's own columns, as the record format names them.
_TYPE_COLUMNS = tuple(dict.fromkeys(name for fields in TYPE_FIELDS.values() for name in fields))


@dataclass
class Incoming:
    """A normalized record with where it came from."""

    record: NormalizedRecord
    source: bytes
    origin: str
    locator: str  # "path:line" for messages

    @functools.cached_property
    def source_sha256(self) -> str:
        """Hashed once: a chunk needs it for the sources, the row, the revision and slug resolution."""
        return sha256(self.source)


@dataclass
class Stored:
    type: str
    slug: str
    action: str  # "added", "updated" or "unchanged"
    record_id: int


@dataclass
class ChunkResult:
    stored: list[Stored] = field(default_factory=list)
    stubs: list[tuple[str, str]] = field(default_factory=list)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def keys_in(keys: Iterable[tuple[str, str]]) -> ColumnElement[bool]:
    """``(type, slug) IN keys``, written as ``type = t AND slug IN (...)`` per type.

    SQLite answers a row-value ``(type, slug) IN (VALUES ...)`` by scanning the whole index, which made
    ingesting many small files quadratic; this form is a search of the unique index on both databases.
    """
    by_type: dict[str, list[str]] = {}
    for record_type, slug in keys:
        by_type.setdefault(record_type, []).append(slug)
    if not by_type:
        return false()
    return or_(*(and_(records_t.c.type == record_type, records_t.c.slug.in_(slugs))
                 for record_type, slugs in by_type.items()))


def insert_ignoring_conflicts(conn: Connection, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT rows, skipping those whose key already exists (SQLite and PostgreSQL)."""
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(table).on_conflict_do_nothing(), list(rows))


def write_chunk(conn: Connection, chunk: Sequence[Incoming]) -> ChunkResult:
    """Upsert a chunk of records with their revisions, tags, links and any stubs they need."""
    result = ChunkResult()
    if not chunk:
        return result
    slugs = _resolve_slugs(conn, chunk)
    keys = [(item.record.type, slug) for item, slug in zip(chunk, slugs, strict=True)]
    existing = {
        (row.type, row.slug): row
        for row in conn.execute(
            select(records_t.c.id, records_t.c.type, records_t.c.slug, records_t.c.content_sha256,
                   records_t.c.is_stub).where(keys_in(keys))
        )
    }
    insert_ignoring_conflicts(
        conn, sources_t,
        list({i.source_sha256: {"sha256": i.source_sha256, "content": i.source, "size": len(i.source)}
              for i in chunk}.values()),
    )
    new_rows, updates, touched = [], [], []
    for item, key in zip(chunk, keys, strict=True):
        content = item.record.content()
        content_json = canonical_json(content)
        content_sha = hashlib.sha256(content_json.encode("utf-8")).hexdigest()
        row = _row(item, key[1], content_sha)
        old = existing.get(key)
        if old is None:
            new_rows.append(row)
            touched.append((item, key, content_json, content_sha, "added"))
        elif old.content_sha256 == content_sha and not old.is_stub:
            result.stored.append(Stored(key[0], key[1], "unchanged", old.id))
        else:
            updates.append({**row, "_id": old.id})
            touched.append((item, key, content_json, content_sha, "updated"))
    ids = {key: existing[key].id for key in existing}
    if new_rows:
        inserted = conn.execute(
            insert(records_t).returning(records_t.c.id, records_t.c.type, records_t.c.slug,
                                        sort_by_parameter_order=True),
            new_rows,
        )
        for made in inserted:
            ids[(made.type, made.slug)] = made.id
    if updates:
        _update_records(conn, updates)
    changed_ids = [ids[key] for _, key, _, _, action in touched if action == "updated"]
    _write_revisions(conn, touched, ids, changed_ids)
    _write_tags(conn, touched, ids, changed_ids)
    result.stubs = _write_links(conn, touched, ids, changed_ids)
    result.stored.extend(Stored(key[0], key[1], action, ids[key]) for _, key, _, _, action in touched)
    return result


def _row(item: Incoming, slug: str, content_sha: str) -> dict[str, Any]:
    record = item.record
    row: dict[str, Any] = {
        "type": record.type,
        "slug": slug,
        "title": record.title,
        "body": record.body,
        "visibility": record.visibility,
        "embargo_until": record.embargo_until,
        "language": record.language,
        "is_stub": False,
        "content_sha256": content_sha,
        "source_sha256": item.source_sha256,
        "origin": item.origin,
        "extra": record.extra,
    }
    for name in _TYPE_COLUMNS:
        row[name] = record.columns.get(name)
    return row


def _update_records(conn: Connection, updates: list[dict[str, Any]]) -> None:
    columns = [c for c in updates[0] if c not in ("_id", "type", "slug")]
    statement = (
        update(records_t)
        .where(records_t.c.id == bindparam("_id"))
        .values({**{name: bindparam(f"v_{name}", type_=records_t.c[name].type) for name in columns},
                 "updated_at": func.current_timestamp()})
    )
    params = [{"_id": u["_id"], **{f"v_{name}": u[name] for name in columns}} for u in updates]
    conn.execute(statement, params)


def _write_revisions(conn: Connection, touched: list, ids: dict, changed_ids: list[int]) -> None:
    numbers: dict[int, int] = {}
    if changed_ids:
        numbers = dict(conn.execute(
            select(revisions_t.c.record_id, func.max(revisions_t.c.number))
            .where(revisions_t.c.record_id.in_(changed_ids)).group_by(revisions_t.c.record_id)
        ).all())
    rows = [
        {
            "record_id": ids[key],
            "number": numbers.get(ids[key], 0) + 1,
            "content": content_json,
            "content_sha256": content_sha,
            "source_sha256": item.source_sha256,
            "origin": item.origin,
        }
        for item, key, content_json, content_sha, _ in touched
    ]
    if rows:
        conn.execute(insert(revisions_t), rows)


def _write_tags(conn: Connection, touched: list, ids: dict, changed_ids: list[int]) -> None:
    if changed_ids:
        conn.execute(delete(record_tags_t).where(record_tags_t.c.record_id.in_(changed_ids)))
    names = {tag for item, *_ in touched for tag in item.record.tags}
    if not names:
        return
    insert_ignoring_conflicts(conn, tags_t, [{"name": name} for name in sorted(names)])
    tag_ids = dict(conn.execute(select(tags_t.c.name, tags_t.c.id).where(tags_t.c.name.in_(names))).all())
    rows = [
        {"record_id": ids[key], "tag_id": tag_ids[tag], "position": position}
        for item, key, *_ in touched
        for position, tag in enumerate(item.record.tags)
    ]
    conn.execute(insert(record_tags_t), rows)


def _write_links(conn: Connection, touched: list, ids: dict, changed_ids: list[int]) -> list[tuple[str, str]]:
    if changed_ids:
        conn.execute(delete(links_t).where(links_t.c.source_id.in_(changed_ids)))
    wanted: dict[tuple[str, str], tuple[str, str]] = {}  # target key -> (label, most public visibility)
    for item, *_ in touched:
        for ref in item.record.references:
            key = (ref.target_type, ref.slug)
            label, visibility = wanted.get(key, (ref.label, "private"))
            wanted[key] = (label, _more_public(visibility, _effective_visibility(item.record)))
    if not wanted:
        return []
    found = {
        (row.type, row.slug): row
        for row in conn.execute(
            select(records_t.c.id, records_t.c.type, records_t.c.slug, records_t.c.is_stub,
                   records_t.c.visibility)
            .where(keys_in(wanted))
        )
    }
    target_ids = {key: row.id for key, row in found.items()}
    stubs = [key for key in wanted if key not in found]
    if stubs:
        # A stub is only as visible as the most public record that names it, so a private account
        # cannot publish the name of a struggle through its stub.
        created = conn.execute(
            insert(records_t).returning(records_t.c.id, records_t.c.type, records_t.c.slug,
                                        sort_by_parameter_order=True),
            [_stub_row(key, *wanted[key]) for key in stubs],
        )
        for row in created:
            target_ids[(row.type, row.slug)] = row.id
    widen = [
        {"_id": row.id, "v": wanted[key][1]}
        for key, row in found.items()
        if row.is_stub and _VISIBILITY_RANK[wanted[key][1]] < _VISIBILITY_RANK[row.visibility]
    ]
    if widen:
        conn.execute(update(records_t).where(records_t.c.id == bindparam("_id")).values(visibility=bindparam("v")),
                     widen)
    rows = [
        {"source_id": ids[key], "relation": ref.relation, "target_id": target_ids[(ref.target_type, ref.slug)],
         "position": position, "date": ref.date}
        for item, key, *_ in touched
        for position, ref in enumerate(item.record.references)
    ]
    conn.execute(insert(links_t), rows)
    return stubs


def _stub_row(key: tuple[str, str], label: str, visibility: str) -> dict[str, Any]:
    return {
        "type": key[0], "slug": key[1], "title": label, "body": "", "visibility": visibility,
        "is_stub": True, "content_sha256": "", "extra": {},
    }


def _effective_visibility(record: NormalizedRecord) -> str:
    """How visible a record's references may be: an embargo or withdrawn consent hides them too."""
    if record.visibility == "public" and (record.embargo_until or record.columns.get("consent") == "withdrawn"):
        return "restricted"
    return record.visibility


def _more_public(a: str, b: str) -> str:
    return a if _VISIBILITY_RANK[a] <= _VISIBILITY_RANK[b] else b


def _resolve_slugs(conn: Connection, chunk: Sequence[Incoming]) -> list[str]:
    """Give every record its slug; a record without one is recognised by its bytes or its origin."""
    slugs: list[str | None] = [item.record.slug for item in chunk]
    pending = [i for i, slug in enumerate(slugs) if slug is None]
    if not pending:
        return slugs  # type: ignore[return-value]
    hashes = {chunk[i].source_sha256 for i in pending}
    origins = {chunk[i].origin for i in pending}
    known: dict[tuple[str, str], str] = {}
    for row in conn.execute(
        select(records_t.c.type, records_t.c.slug, records_t.c.source_sha256, records_t.c.origin)
        .where(or_(records_t.c.source_sha256.in_(hashes), records_t.c.origin.in_(origins)))
        .order_by(records_t.c.id)
    ):
        known.setdefault((row.type, f"sha:{row.source_sha256}"), row.slug)
        known.setdefault((row.type, f"origin:{row.origin}"), row.slug)
    taken_here = {(item.record.type, slug) for item, slug in zip(chunk, slugs, strict=True) if slug}
    for i in pending:
        item = chunk[i]
        record_type = item.record.type
        slug = known.get((record_type, f"sha:{item.source_sha256}")) or known.get(
            (record_type, f"origin:{item.origin}")
        )
        if slug is None:
            slug = _free_slug(conn, record_type, make_slug(item.record.title) or "untitled", taken_here)
        taken_here.add((record_type, slug))
        slugs[i] = slug
    return slugs  # type: ignore[return-value]


def _free_slug(conn: Connection, record_type: str, base: str, taken_here: set[tuple[str, str]]) -> str:
    rows = conn.execute(
        select(records_t.c.slug).where(
            and_(records_t.c.type == record_type,
                 or_(records_t.c.slug == base, records_t.c.slug.like(f"{base}-%")))
        )
    ).scalars()
    taken = set(rows) | {slug for t, slug in taken_here if t == record_type}
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def delete_records(conn: Connection, keys: Iterable[tuple[str, str]]) -> list[int]:
    """Delete records by (type, slug) with their revisions, links and tags; return their ids."""
    keys = list(keys)
    if not keys:
        return []
    ids = list(conn.execute(
        select(records_t.c.id).where(keys_in(keys))
    ).scalars())
    if ids:
        for table, column in ((links_t, links_t.c.source_id), (links_t, links_t.c.target_id),
                              (record_tags_t, record_tags_t.c.record_id),
                              (revisions_t, revisions_t.c.record_id)):
            conn.execute(delete(table).where(column.in_(ids)))
        conn.execute(delete(records_t).where(records_t.c.id.in_(ids)))
    return ids
