"""The public projection: the one definition of what may leave the archive.

A record is public when its visibility is ``public``, its embargo (if any) has passed, it is not a
stub that only non-public records name, and, for an account, its consent has not been withdrawn.
Every published page, search shard, feed, count and link, and ``archive search --public``, is built
from this predicate and nothing else.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, FromClause, and_, or_

from archive.models import Record


def public_clause(today: dt.date | None = None, table: FromClause | None = None) -> ColumnElement[bool]:
    """SQL condition selecting the public records as of ``today``, on ``records`` or an alias of it."""
    today = today or dt.date.today()
    table = Record.__table__ if table is None else table
    return and_(
        table.c.visibility == "public",
        or_(table.c.embargo_until.is_(None), table.c.embargo_until <= today),
        or_(table.c.consent.is_(None), table.c.consent != "withdrawn"),
    )


def is_public(visibility: str, embargo_until: dt.date | None, consent: str | None,
              today: dt.date | None = None) -> bool:
    """The same rule as ``public_clause``, for a record already loaded."""
    today = today or dt.date.today()
    return (
        visibility == "public"
        and (embargo_until is None or embargo_until <= today)
        and consent != "withdrawn"
    )
