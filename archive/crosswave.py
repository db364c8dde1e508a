"""The views across waves for the command line: demands with their outcomes, lessons by category.

They are the site's own views (archive.publish.demands_view and archive.publish.conversation) over the
same gathered records: with ``public_only`` exactly what the site shows, pseudonyms included; without it
the archivist's view of every record.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine

from archive.publish.conversation import Category, lesson_categories
from archive.publish.demands_view import DemandRecord, demand_records
from archive.publish.model import SiteData, gather
from archive.redaction import load_redactions


def gathered(engine: Engine, archive_root: Path, public_only: bool, today: dt.date | None = None) -> SiteData:
    if public_only:
        return gather(engine, today, load_redactions(archive_root))
    return gather(engine, today, everything=True)


def demands_across_struggles(engine: Engine, archive_root: Path, *, public_only: bool = False,
                             recurring_only: bool = False) -> list[DemandRecord]:
    """Each demand with every struggle that raised it and the outcomes, recurring first."""
    records = demand_records(gathered(engine, archive_root, public_only))
    return [r for r in records if r.recurring] if recurring_only else records


def lessons_by_category(engine: Engine, archive_root: Path, *, public_only: bool = False,
                        category: str | None = None) -> list[Category]:
    """Every limit and lesson of the balance sheets, by category; one category if ``category`` is given."""
    categories = lesson_categories(gathered(engine, archive_root, public_only))
    if category is None:
        return categories
    wanted = category.casefold().strip()
    return [c for c in categories if wanted in (c.name, c.slug)]
