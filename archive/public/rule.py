"""The rule: which records are public, written once, in SQL and for a loaded row.

A described record is public when its visibility is ``public``, its embargo (if any) has passed and its
consent has not been withdrawn (whatever its type). A stub (a record named before anyone described it) is
public only while it passes the same test and a public described record still names it: a stub is never
more public than the most public record naming it.

The SQL forms (``public_clause``, ``projection_clause``, ...) serve queries over many records; the row
forms (``is_public``, ``public_among``) serve a reader that already has a few rows, or that must not pay
for SQLAlchemy (``archive search`` reads its hits through the DB-API). Both read the same constants, and
``tests/test_projection.py`` checks that they agree on every combination of the rule's inputs. This
module imports SQLAlchemy and the models only when an SQL form is asked for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, FromClause, Table

PUBLIC_VISIBILITY = "public"
WITHDRAWN_CONSENT = "withdrawn"

# Why a record is left out of the public projection, in the order a record with several reasons is
# counted under (the first that applies).
RESTRICTED = "restricted"
PRIVATE = "private"
EMBARGOED = "embargoed"
WITHDRAWN = "consent withdrawn"
UNNAMED_STUB = "stub named only by non-public records"
REASONS = (PRIVATE, RESTRICTED, EMBARGOED, WITHDRAWN, UNNAMED_STUB)


# The rule for rows already read


def is_public(visibility: str | None, embargo_until: dt.date | str | None, consent: str | None,
              today: dt.date | None = None) -> bool:
    """``public_clause`` for one row's values (a record's own conditions as of ``today``)."""
    today = today or dt.date.today()
    embargo = _date(embargo_until)
    return (visibility == PUBLIC_VISIBILITY and (embargo is None or embargo <= today)
            and (consent is None or consent != WITHDRAWN_CONSENT))


def is_always_public(visibility: str | None, embargo_until: dt.date | str | None, consent: str | None) -> bool:
    """``always_public_clause`` for a row already read: for a join that must be driven from its links,
    not from the visibility index (see tests/test_query_plans.py)."""
    return is_public(visibility, embargo_until, consent, dt.date.min) and embargo_until is None


def public_among(conn: Any, ids: Sequence[int], today: dt.date | None = None, placeholder: str = "?") -> set[int]:
    """Which of ``ids`` the public projection holds as of ``today`` (``projection_clause`` for a few rows),
    read through a DB-API connection whose parameter mark is ``placeholder`` (``?`` or ``%s``): each
    record's own conditions, and for a stub those of the described records that link to it."""
    if not ids:
        return set()
    marks = ", ".join([placeholder] * len(ids))
    cursor = conn.cursor()
    try:
        cursor.execute("SELECT id, visibility, embargo_until, consent, is_stub FROM records "
                       f"WHERE id IN ({marks})", list(ids))
        own = {row[0]: row for row in cursor.fetchall() if is_public(row[1], row[2], row[3], today)}
        stubs = [record_id for record_id, *_, is_stub in own.values() if is_stub]
        named: set[int] = set()
        if stubs:
            marks = ", ".join([placeholder] * len(stubs))
            # Driven from the stubs' links (links by target), each namer by its key.
            cursor.execute("SELECT links.target_id, namer.visibility, namer.embargo_until, namer.consent, "
                           "namer.is_stub FROM links JOIN records namer ON namer.id = links.source_id "
                           f"WHERE links.target_id IN ({marks})", stubs)
            named = {target for target, visibility, embargo, consent, is_stub in cursor.fetchall()
                     if not is_stub and is_public(visibility, embargo, consent, today)}
    finally:
        cursor.close()
    return {record_id for record_id, row in own.items() if not row[4] or record_id in named}


def _date(value: dt.date | str | None) -> dt.date | None:
    """A date column as a driver gives it: a date (PostgreSQL), ISO text (SQLite through the DB-API)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


# The rule in SQL


@cache
def _tables() -> tuple[Table, Table]:
    from archive.store.models import Link, Record, table_of

    return table_of(Record), table_of(Link)


def _table(table: FromClause | None) -> FromClause:
    return _tables()[0] if table is None else table


def public_clause(today: dt.date | None = None, table: FromClause | None = None) -> ColumnElement[bool]:
    """A record's own conditions as of ``today``, on ``records`` or an alias of it (stubs need more:
    see ``projection_clause``)."""
    from sqlalchemy import and_, or_

    today = today or dt.date.today()
    table = _table(table)
    return and_(
        table.c.visibility == PUBLIC_VISIBILITY,
        or_(table.c.embargo_until.is_(None), table.c.embargo_until <= today),
        or_(table.c.consent.is_(None), table.c.consent != WITHDRAWN_CONSENT),
    )


def always_public_clause(table: FromClause | None = None) -> ColumnElement[bool]:
    """Public now and never embargoed: for text kept in another record's search document, which must not
    carry a name that was ever under embargo (the index is not rebuilt when an embargo passes)."""
    from sqlalchemy import and_

    table = _table(table)
    return and_(public_clause(dt.date.min, table), table.c.embargo_until.is_(None))


def named_publicly(today: dt.date | None = None) -> ColumnElement[bool]:
    """Records that a public described record links to."""
    from sqlalchemy import select

    records_t, links_t = _tables()
    source = records_t.alias("namer")
    return records_t.c.id.in_(
        select(links_t.c.target_id).join(source, source.c.id == links_t.c.source_id)
        .where(source.c.is_stub.is_(False), public_clause(today, source))
    )


def projection_clause(today: dt.date | None = None) -> ColumnElement[bool]:
    """SQL condition selecting exactly the records of the public projection as of ``today``."""
    from sqlalchemy import and_, or_

    records_t = _tables()[0]
    return and_(public_clause(today), or_(records_t.c.is_stub.is_(False), named_publicly(today)))


def reason_left_out(today: dt.date | None = None) -> ColumnElement[str]:
    """SQL expression: why a record is not in the public projection, or NULL when it is."""
    from sqlalchemy import and_, case, literal

    today = today or dt.date.today()
    t = _tables()[0]
    return case(
        (t.c.is_stub.is_(True) & ~projection_clause(today), literal(UNNAMED_STUB)),
        (t.c.visibility == "private", literal(PRIVATE)),
        (t.c.visibility != PUBLIC_VISIBILITY, literal(RESTRICTED)),
        (and_(t.c.embargo_until.is_not(None), t.c.embargo_until > today), literal(EMBARGOED)),
        (and_(t.c.consent.is_not(None), t.c.consent == WITHDRAWN_CONSENT), literal(WITHDRAWN)),
        else_=None,
    )


def attachment_is_public(visibility: str | None, consent: str | None) -> bool:
    """Whether an attachment of a record in the projection is published with it.

    Left out, an attachment's visibility and consent are its record's (which is public here); given, they
    can only keep it out: an attachment is never more public than its record."""
    return visibility in (None, "public") and consent != "withdrawn"
