"""Read records from the store as search documents: what the index holds for each record.

A document carries the record's own fields and, for filtering, the slugs it links to. Waves are also
inherited one hop: an account is in the waves of the struggles it is about. Because of that, a change to a
struggle changes its accounts' documents; ``related_ids`` finds them for the incremental update. Likewise
an organization's or form's body holds the names of the records its lineage links point to, so a change
to one of those (its title, its visibility) changes the document too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from archive.ingest.records import canonical_json
from archive.public.rule import is_always_public
from archive.search.analysis import LINEAGE_RELATIONS, compose_body
from archive.store.canonical import tags_by_record
from archive.store.models import Attachment, Link, Record

records_t = Record.__table__
links_t = Link.__table__
attachments_t = Attachment.__table__

CHUNK = 1000
# A link relation (see archive.records.REFERENCE_FIELDS) -> the document field its target goes in.
_RELATION_FIELD = {
    "places": "places", "parent": "places", "waves": "waves", "wave": "waves", "struggles": "struggles",
    "struggle": "struggles", "forms": "forms", "form": "forms", "forces": "forces",
    "organizations": "organizations",
}
_BETWEEN_FIELD = {"struggle": "struggles", "force": "forces", "organization": "organizations"}


def document_field(relation: str, target_type: str) -> str | None:
    """The document field a link's target goes in, if any; a record whose link lands in ``struggles`` is
    also in that struggle's waves (one hop)."""
    return _BETWEEN_FIELD.get(target_type) if relation == "between" else _RELATION_FIELD.get(relation)
# The event date, and the period, of each type (a struggle's date is its start).
_DATE_COLUMN = {"account": "date", "balance_sheet": "date", "struggle": "start", "wave": "start",
                "articulation": "start", "organization": "founded"}
_PERIOD_COLUMNS = {"struggle": ("start", "end"), "wave": ("start", "end"), "articulation": ("start", "end"),
                   "organization": ("founded", "dissolved")}


@dataclass
class Document:
    """One record as the index sees it."""

    record_id: int
    type: str
    slug: str
    title: str
    body: str
    language: str | None
    kind: str | None
    date: str | None
    start: str | None
    end: str | None
    visibility: str
    embargo_until: dt.date | None
    consent: str | None
    is_stub: bool
    content_sha256: str
    links: dict[str, list[str]] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.type}/{self.slug}"

    def fingerprint(self) -> str:
        """SHA-256 of everything indexed, so that verify sees a change that came through a link."""
        data = {k: v for k, v in self.__dict__.items() if k != "record_id"}
        data["embargo_until"] = self.embargo_until.isoformat() if self.embargo_until else None
        return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


def iter_documents(conn: Connection, ids: Iterable[int] | None = None) -> Iterator[Document]:
    """Every record (or those with ``ids``) as a document, in id order, read in chunks."""
    if ids is not None:
        wanted = sorted(set(ids))
        for start in range(0, len(wanted), CHUNK):
            yield from _documents(conn, records_t.c.id.in_(wanted[start:start + CHUNK]))
        return
    last = 0
    while True:
        batch = list(_documents(conn, records_t.c.id > last, limit=CHUNK))
        if not batch:
            return
        yield from batch
        last = batch[-1].record_id


def related_ids(conn: Connection, ids: Sequence[int]) -> set[int]:
    """Records whose documents inherit from ``ids``: those about a struggle in ``ids`` take its waves."""
    related: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start:start + CHUNK])
        related.update(conn.execute(
            select(links_t.c.source_id).where(
                links_t.c.target_id.in_(chunk),
                links_t.c.relation.in_(("struggles", "struggle", "between", *LINEAGE_RELATIONS)))
        ).scalars())
    return related - set(ids)


def link_targets(conn: Connection, ids: Sequence[int]) -> set[int]:
    """Records that ``ids`` link to (including stubs an ingest has just created for them)."""
    targets: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start:start + CHUNK])
        targets.update(conn.execute(
            select(links_t.c.target_id).where(links_t.c.source_id.in_(chunk))
        ).scalars())
    return targets


def _documents(conn: Connection, condition: Any, limit: int | None = None) -> Iterator[Document]:
    query = select(records_t).where(condition).order_by(records_t.c.id)
    if limit:
        query = query.limit(limit)
    rows = conn.execute(query).mappings().all()
    if not rows:
        return
    ids = [row["id"] for row in rows]
    links = _links(conn, ids)
    lineage = _lineage_names(conn, ids)
    tags = tags_by_record(conn, ids)
    attached = attachment_texts(conn, ids)
    for row in rows:
        record_type = row["type"]
        date_column = _DATE_COLUMN.get(record_type)
        start_column, end_column = _PERIOD_COLUMNS.get(record_type, (None, None))
        yield Document(
            record_id=row["id"], type=record_type, slug=row["slug"], title=row["title"] or "",
            body=compose_body({**row, "lineage": lineage.get(row["id"]), "attachments": attached.get(row["id"])}),
            language=row["language"],
            kind=row["kind"] if record_type in ("account", "articulation") else None,
            date=row[date_column] if date_column else None,
            start=row[start_column] if start_column else None,
            end=row[end_column] if end_column else None,
            visibility=row["visibility"], embargo_until=row["embargo_until"],
            consent=row["consent"] if record_type == "account" else None,
            is_stub=bool(row["is_stub"]), content_sha256=row["content_sha256"] or "",
            links=links.get(row["id"], {}), tags=tags.get(row["id"], []),
        )


def _links(conn: Connection, ids: list[int]) -> dict[int, dict[str, list[str]]]:
    target = records_t.alias("target")
    out: dict[int, dict[str, list[str]]] = {}
    struggle_of: dict[int, list[int]] = {}  # struggle id -> the records about it, in link order
    rows = conn.execute(
        select(links_t.c.source_id, links_t.c.relation, links_t.c.target_id, target.c.type, target.c.slug)
        .join(target, target.c.id == links_t.c.target_id)
        .where(links_t.c.source_id.in_(ids)).order_by(links_t.c.source_id, links_t.c.position)
    )
    for source_id, relation, target_id, target_type, slug in rows:
        name = document_field(relation, target_type)
        if name:
            _add(out.setdefault(source_id, {}), name, slug)
        if name == "struggles":
            struggle_of.setdefault(target_id, []).append(source_id)
    if struggle_of:
        # One hop: a record about a struggle is also in that struggle's waves.
        for struggle_id, wave_slug in conn.execute(
            select(links_t.c.source_id, target.c.slug).join(target, target.c.id == links_t.c.target_id)
            .where(links_t.c.source_id.in_(list(struggle_of)), links_t.c.relation == "waves")
            .order_by(links_t.c.source_id, links_t.c.position)
        ):
            for source_id in struggle_of[struggle_id]:
                _add(out.setdefault(source_id, {}), "waves", wave_slug)
    return out


def _lineage_names(conn: Connection, ids: list[int]) -> dict[int, list[str]]:
    """Names of the records each of ``ids`` points to through a lineage link, as the site indexes them.

    Only targets public without condition: an embargo or a later change of visibility must never leave a
    name in a public document (the site, which sees only today's public records, then skips it too).

    The target's visibility is tested here, not in SQL: a condition on it lets SQLite drive the join from
    the visibility index (every public record, for each chunk), a plan that made a rebuild quadratic.
    With the join's only condition on ``links``, the plan is ``links`` by source, targets by id."""
    target = records_t.alias("target")
    order = {relation: number for number, relation in enumerate(LINEAGE_RELATIONS)}
    rows = conn.execute(
        select(links_t.c.source_id, links_t.c.relation, links_t.c.position, links_t.c.id, target.c.title,
               target.c.slug, target.c.visibility, target.c.embargo_until, target.c.consent)
        .join(target, target.c.id == links_t.c.target_id)
        .where(links_t.c.source_id.in_(ids), links_t.c.relation.in_(LINEAGE_RELATIONS))
    ).all()
    names: dict[int, list[str]] = {}
    for row in sorted(rows, key=lambda r: (r.source_id, order[r.relation], r.position, r.id)):
        if is_always_public(row.visibility, row.embargo_until, row.consent):
            names.setdefault(row.source_id, []).append(row.title or row.slug)
    return names


def attachment_texts(conn: Connection, ids: list[int]) -> dict[int, list[str]]:
    """Each record's attachments as search reads them: caption, then the file's words, in attachment order.

    The private index reads every attachment; public documents are built from the projection, which
    carries only the attachments it publishes."""
    texts: dict[int, list[str]] = {}
    for record_id, caption, text in conn.execute(
            select(attachments_t.c.record_id, attachments_t.c.caption, attachments_t.c.text)
            .where(attachments_t.c.record_id.in_(ids))
            .order_by(attachments_t.c.record_id, attachments_t.c.position, attachments_t.c.id)):
        texts.setdefault(record_id, []).append("\n".join(part for part in (caption, text) if part))
    return texts


def _add(fields: dict[str, list[str]], name: str, value: str) -> None:
    values = fields.setdefault(name, [])
    if value not in values:
        values.append(value)


def time_fields(record_type: str, values: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """A record's event date, start and end, as its document holds them (for the public projection's
    documents, which are built from already loaded values)."""
    date_column = _DATE_COLUMN.get(record_type)
    start_column, end_column = _PERIOD_COLUMNS.get(record_type, (None, None))
    return (values.get(date_column) if date_column else None, values.get(start_column) if start_column else None,
            values.get(end_column) if end_column else None)
