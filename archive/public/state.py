"""A cheap fingerprint of everything the public projection is made from, read without loading texts.

``archive.search_public`` keeps an index of the projection on disk and must know, on every public
search, whether it is still current. Loading the projection to find out costs seconds at 10,000
records; this reads a handful of aggregates instead: each record's id, content hash, visibility, embargo,
consent and stub flag, whether its embargo has passed as of ``today``, every link and tag assignment,
and the redactions in force. Any change to what the projection could show changes the fingerprint (a
false alarm only costs a refresh; a missed change could show a record that left, so the inputs are
over-covered rather than chosen finely). Store-level only: no Whoosh, no publisher.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping

from sqlalchemy import Connection, String, case, cast, func, literal, select

from archive.models import Link, Record, RecordTag, Tag

records_t = Record.__table__
links_t = Link.__table__
record_tags_t = RecordTag.__table__
tags_t = Tag.__table__

# Raise when the projection or its documents change shape, so that every kept index is refreshed.
PROJECTION_VERSION = "1"


def _joined(*columns) -> object:  # noqa: ANN002
    """One string of the columns' values, ``|`` between columns and ``;`` between rows (in the
    database, so no Python loop over rows)."""
    parts = []
    for column in columns:
        if parts:
            parts.append(literal("|"))
        parts.append(func.coalesce(cast(column, String), literal("")))
    row = parts[0]
    for part in parts[1:]:
        row = row + part
    return func.aggregate_strings(row, ";")


def projection_state(conn: Connection, today: dt.date | None, redactions: Mapping[str, str]) -> str:
    """A digest of the store's rows the public projection is computed from, as of ``today``."""
    today = today or dt.date.today()
    t = records_t
    passed = case((t.c.embargo_until.is_(None), literal("")), (t.c.embargo_until <= today, literal("p")),
                  else_=literal("e"))
    queries = (
        select(func.count(), _joined(t.c.id, t.c.content_sha256, t.c.visibility, t.c.embargo_until,
                                     t.c.consent, t.c.is_stub, passed)),
        select(func.count(), _joined(links_t.c.id, links_t.c.source_id, links_t.c.relation,
                                     links_t.c.target_id, links_t.c.position, links_t.c.date)),
        select(func.count(), _joined(record_tags_t.c.record_id, record_tags_t.c.tag_id,
                                     record_tags_t.c.position)),
        select(func.count(), _joined(tags_t.c.id, tags_t.c.name)),
    )
    digest = hashlib.sha256(f"projection {PROJECTION_VERSION}\n".encode())
    for name, pseudonym in sorted(redactions.items()):
        digest.update(f"redact {name!r} {pseudonym!r}\n".encode())
    for query in queries:
        count, joined = conn.execute(query).one()
        digest.update(f"{count}\n{joined or ''}\n".encode())
    return digest.hexdigest()[:40]
