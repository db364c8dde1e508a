"""The publisher's names for the public projection (``archive.public``): the site reads nothing else.

``gather`` and ``gather_published`` are kept for the publisher's modules and tests; both are
``archive.public.load``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine

from archive.public import PUBLISHED_COLUMNS, Graph, Item, load, time_key

SiteData = Graph

__all__ = ["PUBLISHED_COLUMNS", "Item", "SiteData", "gather", "gather_published", "time_key"]


def gather(engine: Engine, today: dt.date | None = None, redactions: dict[str, str] | None = None, *,
           everything: bool = False) -> Graph:
    """The public projection with ``redactions`` as the archive-wide list (or, with ``everything=True``,
    every record unredacted: the archivist's view, never published)."""
    return load(engine, None, today, everything=everything, redactions=redactions or {})


def gather_published(engine: Engine, archive_root: Path, today: dt.date | None = None) -> Graph:
    """What the site publishes: the projection with the archive's ``redactions.yaml``.
    Raises ``RedactionError`` for a bad redactions file."""
    return load(engine, archive_root, today)
