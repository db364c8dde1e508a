"""Small helpers for reading the store back in tests."""

from __future__ import annotations

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from archive.store.models import Link, Record, Revision


def count(engine: Engine, record_type: str | None = None) -> int:
    with Session(engine) as session:
        query = select(func.count()).select_from(Record)
        if record_type:
            query = query.where(Record.type == record_type)
        return session.scalar(query) or 0


def get(engine: Engine, record_type: str, slug: str) -> Record:
    with Session(engine) as session:
        record = session.scalar(select(Record).where(Record.type == record_type, Record.slug == slug))
        assert record is not None, f"{record_type}/{slug} not stored"
        session.expunge(record)
        return record


def links(engine: Engine, record_type: str, slug: str) -> list[tuple[str, str, str]]:
    """(relation, target type, target slug) for a record, in order."""
    target = Record.__table__.alias("target")
    source = Record.__table__.alias("source")
    with engine.connect() as conn:
        rows = conn.execute(
            select(Link.relation, target.c.type, target.c.slug)
            .join(source, source.c.id == Link.source_id)
            .join(target, target.c.id == Link.target_id)
            .where(source.c.type == record_type, source.c.slug == slug)
            .order_by(Link.relation, Link.position)
        )
        return [tuple(row) for row in rows]


def revisions(engine: Engine, record_type: str, slug: str) -> list[Revision]:
    with Session(engine) as session:
        rows = session.scalars(
            select(Revision).join(Record, Record.id == Revision.record_id)
            .where(Record.type == record_type, Record.slug == slug).order_by(Revision.number)
        ).all()
        for row in rows:
            session.expunge(row)
        return list(rows)


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every table, to compare a database before and after."""
    tables = ["records", "links", "tags", "record_tags", "revisions", "sources"]
    with engine.connect() as conn:
        return {t: sorted(map(tuple, conn.execute(text(f"SELECT * FROM {t}"))), key=repr) for t in tables}


# Records that say nothing about their visibility are restricted (privacy by default). Tests about public
# output ingest their batch as the archivist would, with `archive ingest --set visibility=public`.
PUBLIC = {"visibility": "public"}
