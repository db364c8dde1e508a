"""The waves and places a record reaches through public links only, for ``archive search --public``.

The index gives an account the waves of the struggles it is about, whatever their visibility, so the
archivist can filter by wave. A public search must not: filtering or counting by a wave that a record
reaches only through a private struggle would tell the reader that the struggle exists and when it was.
The published site keeps only links whose two ends are public; this module reads the same graph from the
store, so a public search filters and counts as the site does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from archive.index_docs import document_field
from archive.models import Link, Record
from archive.public import public_clause

records_t = Record.__table__


@dataclass
class PublicReach:
    """record id -> slugs of the public waves and places its public links reach (as the index's fields)."""

    waves: dict[int, set[str]] = field(default_factory=dict)
    places: dict[int, set[str]] = field(default_factory=dict)

    def of(self, facet: str) -> dict[int, set[str]]:
        return self.waves if facet == "waves" else self.places


def public_reach(conn: Connection, today: dt.date | None = None) -> PublicReach:
    """Read every link between two public records and follow the one hop the index follows."""
    source = records_t.alias("source")
    target = records_t.alias("target")
    rows = conn.execute(
        select(Link.source_id, Link.relation, Link.target_id, target.c.type, target.c.slug)
        .join(source, source.c.id == Link.source_id).join(target, target.c.id == Link.target_id)
        .where(public_clause(today, table=source), public_clause(today, table=target))
    )
    reach = PublicReach()
    struggle_of: dict[int, list[int]] = {}  # public struggle id -> public records about it
    for source_id, relation, target_id, target_type, slug in rows:
        name = document_field(relation, target_type)  # the index's own rule, over public links only
        if name == "waves":
            reach.waves.setdefault(source_id, set()).add(slug)
        elif name == "places":
            reach.places.setdefault(source_id, set()).add(slug)
        elif name == "struggles":
            struggle_of.setdefault(target_id, []).append(source_id)
    for struggle_id, sources in struggle_of.items():
        for wave in sorted(reach.waves.get(struggle_id, ())):
            for source_id in sources:
                reach.waves.setdefault(source_id, set()).add(wave)
    return reach
