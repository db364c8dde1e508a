"""Rebuild each stored record's canonical content from its columns, tags and links.

This is the inverse of ``NormalizedRecord.content``: fixity checks compare its hash with the hash kept
at ingest time, and bag export writes it out in the record format.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from archive.ingest.records import REFERENCE_FIELDS, TYPE_FIELDS, canonical_json
from archive.store.models import Link, Record, RecordTag, Tag

records_t = Record.__table__
BATCH = 1000


@dataclass
class StoredRecord:
    id: int
    type: str
    slug: str
    content: dict[str, Any]
    content_sha256: str  # as kept at ingest time
    source_sha256: str | None

    def recomputed_sha256(self) -> str:
        return hashlib.sha256(canonical_json(self.content).encode("utf-8")).hexdigest()

    def as_record_fields(self) -> dict[str, Any]:
        """The record in the public record format: identity, core fields, then extra fields."""
        fields: dict[str, Any] = {"type": self.type, "slug": self.slug}
        for name, value in self.content.items():
            if name != "extra" and value not in (None, ""):
                fields[name] = value
        fields.update(self.content.get("extra") or {})
        return fields


def iter_stored_records(conn: Connection, *, include_stubs: bool = False,
                        record_type: str | None = None) -> Iterator[StoredRecord]:
    """Every record (of ``record_type``, if given) with its rebuilt content, in id order, a batch at a time."""
    last_id = 0
    while True:
        query = select(records_t).where(records_t.c.id > last_id).order_by(records_t.c.id).limit(BATCH)
        if not include_stubs:
            query = query.where(records_t.c.is_stub.is_(False))
        if record_type is not None:
            query = query.where(records_t.c.type == record_type)
        rows = conn.execute(query).mappings().all()
        if not rows:
            return
        ids = [row["id"] for row in rows]
        tags = tags_by_record(conn, ids)
        refs = _references(conn, ids)
        for row in rows:
            yield StoredRecord(row["id"], row["type"], row["slug"], _content(row, tags, refs),
                               row["content_sha256"], row["source_sha256"])
        last_id = ids[-1]


def stored_records_by_id(conn: Connection, ids: Iterable[int]) -> Iterator[StoredRecord]:
    """The records with these ids, with their rebuilt content, a batch at a time."""
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start:start + BATCH]
        query = select(records_t).where(records_t.c.id.in_(chunk)).order_by(records_t.c.id)
        rows = conn.execute(query).mappings().all()
        tags = tags_by_record(conn, chunk)
        refs = _references(conn, chunk)
        for row in rows:
            yield StoredRecord(row["id"], row["type"], row["slug"], _content(row, tags, refs),
                               row["content_sha256"], row["source_sha256"])


def _content(row: Any, tags: dict[int, list[str]], refs: dict[int, dict[str, list[str]]]) -> dict[str, Any]:
    record_type = row["type"]
    embargo = row["embargo_until"]
    content: dict[str, Any] = {
        "title": row["title"],
        "body": row["body"],
        "visibility": row["visibility"],
        "embargo_until": embargo.isoformat() if embargo else None,
        "language": row["language"],
        "tags": tags.get(row["id"], []),
    }
    for name in TYPE_FIELDS[record_type]:
        if row[name] is not None:
            content[name] = row[name]
    own_refs = refs.get(row["id"], {})
    for name in REFERENCE_FIELDS[record_type]:
        if name in own_refs:
            content[name] = own_refs[name]
    content["extra"] = row["extra"] or {}
    return content


def tags_by_record(conn: Connection, ids: list[int]) -> dict[int, list[str]]:
    """Each record's tags, in the order the record gave them."""
    out: dict[int, list[str]] = {}
    for record_id, name in conn.execute(
        select(RecordTag.record_id, Tag.name).join(Tag, Tag.id == RecordTag.tag_id)
        .where(RecordTag.record_id.in_(ids)).order_by(RecordTag.record_id, RecordTag.position)
    ):
        out.setdefault(record_id, []).append(name)
    return out


def _references(conn: Connection, ids: list[int]) -> dict[int, dict[str, list[str]]]:
    target = records_t.alias("target")
    out: dict[int, dict[str, list[str]]] = {}
    for source_id, relation, target_type, target_slug, date in conn.execute(
        select(Link.source_id, Link.relation, target.c.type, target.c.slug, Link.date)
        .join(target, target.c.id == Link.target_id)
        .where(Link.source_id.in_(ids)).order_by(Link.source_id, Link.relation, Link.position)
    ):
        value = f"{target_type}/{target_slug}" if relation == "between" else target_slug
        if date:
            value = f"{value} ({date})"
        out.setdefault(source_id, {}).setdefault(relation, []).append(value)
    return out
