"""The rule: which records are public, written once, in SQL and for a loaded row.

A described record is public when its visibility is ``public``, its embargo (if any) has passed and its
consent has not been withdrawn (whatever its type). A stub (a record named before anyone described it) is
public only while it passes the same test and a public described record still names it: a stub is never
more public than the most public record naming it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, FromClause, and_, case, literal, or_, select

from archive.store.models import Link, Record

records_t = Record.__table__

# Why a record is left out of the public projection, in the order a record with several reasons is
# counted under (the first that applies).
RESTRICTED = "restricted"
PRIVATE = "private"
EMBARGOED = "embargoed"
WITHDRAWN = "consent withdrawn"
UNNAMED_STUB = "stub named only by non-public records"
REASONS = (PRIVATE, RESTRICTED, EMBARGOED, WITHDRAWN, UNNAMED_STUB)


def _table(table: FromClause | None) -> FromClause:
    return records_t if table is None else table


def public_clause(today: dt.date | None = None, table: FromClause | None = None) -> ColumnElement[bool]:
    """A record's own conditions as of ``today``, on ``records`` or an alias of it (stubs need more:
    see ``projection_clause``)."""
    today = today or dt.date.today()
    table = _table(table)
    return and_(
        table.c.visibility == "public",
        or_(table.c.embargo_until.is_(None), table.c.embargo_until <= today),
        or_(table.c.consent.is_(None), table.c.consent != "withdrawn"),
    )


def always_public_clause(table: FromClause | None = None) -> ColumnElement[bool]:
    """Public now and never embargoed: for text kept in another record's search document, which must not
    carry a name that was ever under embargo (the index is not rebuilt when an embargo passes)."""
    table = _table(table)
    return and_(public_clause(dt.date.min, table), table.c.embargo_until.is_(None))


def is_always_public(visibility: str | None, embargo_until: dt.date | None, consent: str | None) -> bool:
    """``always_public_clause`` for a row already read: for a join that must be driven from its links,
    not from the visibility index (see tests/test_query_plans.py)."""
    return visibility == "public" and embargo_until is None and consent != "withdrawn"


def named_publicly(today: dt.date | None = None) -> ColumnElement[bool]:
    """Records that a public described record links to."""
    source = records_t.alias("namer")
    return records_t.c.id.in_(
        select(Link.target_id).join(source, source.c.id == Link.source_id)
        .where(source.c.is_stub.is_(False), public_clause(today, source))
    )


def projection_clause(today: dt.date | None = None) -> ColumnElement[bool]:
    """SQL condition selecting exactly the records of the public projection as of ``today``."""
    return and_(public_clause(today), or_(records_t.c.is_stub.is_(False), named_publicly(today)))


def reason_left_out(today: dt.date | None = None) -> ColumnElement[str]:
    """SQL expression: why a record is not in the public projection, or NULL when it is."""
    today = today or dt.date.today()
    t = records_t
    return case(
        (t.c.is_stub.is_(True) & ~projection_clause(today), literal(UNNAMED_STUB)),
        (t.c.visibility == "private", literal(PRIVATE)),
        (t.c.visibility != "public", literal(RESTRICTED)),
        (and_(t.c.embargo_until.is_not(None), t.c.embargo_until > today), literal(EMBARGOED)),
        (and_(t.c.consent.is_not(None), t.c.consent == "withdrawn"), literal(WITHDRAWN)),
        else_=None,
    )


def attachment_is_public(visibility: str | None, consent: str | None) -> bool:
    """Whether an attachment of a record in the projection is published with it.

    Left out, an attachment's visibility and consent are its record's (which is public here); given, they
    can only keep it out: an attachment is never more public than its record."""
    return visibility in (None, "public") and consent != "withdrawn"
