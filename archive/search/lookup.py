"""Read-only views of the store: statistics and one record with its links."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, selectinload

from archive.errors import ArchiveError
from archive.public.rule import EMBARGOED, PRIVATE, RESTRICTED, WITHDRAWN, reason_left_out
from archive.store.models import RECORD_TYPES, Link, Record, RecordTag, Tag

# What a described record is, as of today, by the public projection's rule; the first that applies.
PUBLIC_NOW = "public"
STATUSES = (PUBLIC_NOW, EMBARGOED, RESTRICTED, PRIVATE, "withdrawn")
_STATUS_OF_REASON = {None: PUBLIC_NOW, EMBARGOED: EMBARGOED, RESTRICTED: RESTRICTED, PRIVATE: PRIVATE,
                     WITHDRAWN: "withdrawn"}


def stats(engine: Engine, *, today: dt.date | None = None, list_stubs: bool = True) -> dict[str, Any]:
    """Described records per type by what they are today (public now, embargoed, restricted, private or
    consent withdrawn, by the public projection's rule), the stubs still to describe by type (listed when
    ``list_stubs``), and embargoes ending soon."""
    today = today or dt.date.today()
    with Session(engine) as session:
        status = reason_left_out(today).label("status")
        rows = session.execute(
            select(Record.type, status, Record.is_stub, func.count())
            .group_by(Record.type, status, Record.is_stub)
        ).all()
        counts: dict[str, dict[str, int]] = {t: {} for t in RECORD_TYPES}
        stub_counts: dict[str, int] = {}
        for record_type, reason, is_stub, count in rows:
            if is_stub:
                stub_counts[record_type] = stub_counts.get(record_type, 0) + count
            else:
                name = _STATUS_OF_REASON[reason]
                counts[record_type][name] = counts[record_type].get(name, 0) + count
        stubs = session.execute(
            select(Record.type, Record.slug, Record.title).where(Record.is_stub.is_(True))
            .order_by(Record.type, Record.slug)
        ).all() if list_stubs else []
        soon = today + dt.timedelta(days=30)
        embargoes = session.execute(
            select(Record.type, Record.slug, Record.embargo_until)
            .where(Record.embargo_until.is_not(None), Record.embargo_until >= today,
                   Record.embargo_until <= soon)
            .order_by(Record.embargo_until, Record.type, Record.slug)
        ).all()
    return {
        "records": {t: {"total": sum(c.values()), **{k: c[k] for k in STATUSES if k in c}}
                    for t, c in counts.items()},
        "total": sum(sum(c.values()) for c in counts.values()),
        "stubs": {
            "total": sum(stub_counts.values()),
            "by_type": dict(sorted(stub_counts.items())),
            "to_describe": [{"type": t, "slug": s, "title": title} for t, s, title in stubs],
        },
        "embargoes_ending_within_30_days": [
            {"type": t, "slug": s, "embargo_until": d.isoformat()} for t, s, d in embargoes if d is not None
        ],
    }


class RecordNotFound(ArchiveError):
    """No record has that slug."""


class LinkView(NamedTuple):
    relation: str
    type: str
    slug: str
    title: str
    date: str | None = None  # when a lineage relation began (a split, a merger)


@dataclass
class RecordView:
    record: Record
    fields: dict[str, Any]
    tags: list[str]
    links_out: list[LinkView] = field(default_factory=list)
    links_in: list[LinkView] = field(default_factory=list)
    revisions: int = 0


_SHOWN_COLUMNS = (
    "kind", "date", "recorded", "narrator", "source", "language", "consent", "consent_scope", "consent_date",
    "start", "end", "outcome", "demands", "author", "position", "won", "lost", "limits", "lessons", "founded",
    "dissolved", "determinants", "lat", "lon", "visibility", "embargo_until", "content_sha256", "source_sha256",
)


def show(engine: Engine, slug: str, record_type: str | None = None) -> list[RecordView]:
    """Every record with this slug (one per type unless ``record_type`` is given), with its links."""
    if "/" in slug and record_type is None:
        record_type, slug = slug.split("/", 1)
    with Session(engine) as session:
        query = select(Record).where(Record.slug == slug).options(selectinload(Record.revisions))
        if record_type:
            query = query.where(Record.type == record_type)
        records = session.scalars(query.order_by(Record.type)).all()
        if not records:
            raise RecordNotFound(f"no record with slug {slug!r}" + (f" of type {record_type}" if record_type else ""))
        views = []
        for record in records:
            values = {name: getattr(record, name, None) for name in _SHOWN_COLUMNS}
            values = {k: v for k, v in values.items() if v not in (None, "", [])}
            tags = list(session.scalars(
                select(Tag.name).join(RecordTag, RecordTag.tag_id == Tag.id)
                .where(RecordTag.record_id == record.id).order_by(RecordTag.position)
            ))
            view = RecordView(record, values, tags, revisions=len(record.revisions))
            target = Record.__table__.alias("target")
            for row in session.execute(
                select(Link.relation, target.c.type, target.c.slug, target.c.title, Link.date)
                .join(target, target.c.id == Link.target_id)
                .where(Link.source_id == record.id).order_by(Link.relation, Link.position)
            ):
                view.links_out.append(LinkView(*row))
            for row in session.execute(
                select(Link.relation, target.c.type, target.c.slug, target.c.title, Link.date)
                .join(target, target.c.id == Link.source_id)
                .where(Link.target_id == record.id).order_by(target.c.type, target.c.slug)
            ):
                view.links_in.append(LinkView(*row))
            views.append(view)
        return views
