"""The views across waves for the command line: demands with their outcomes, lessons by category, lineage.

They are the site's own views (archive.publish.demands_view and archive.publish.conversation) over the
same gathered records: with ``public_only`` exactly what the site shows, pseudonyms included; without it
the archivist's view of every record.
"""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path

from sqlalchemy import Engine

from archive.continuity.lessons import OTHER, load_vocabulary
from archive.errors import ArchiveError, UsageError
from archive.ingest.demands import load_synonyms
from archive.public import Graph, Item, load
from archive.publish.conversation import Category, lesson_categories
from archive.publish.demands_view import DemandRecord, demand_records
from archive.publish.lineage import Lineage, LineageIndex


def gathered(engine: Engine, archive_root: Path, public_only: bool, today: dt.date | None = None) -> Graph:
    """The public projection (redacted, as the site), or every record for the archivist."""
    return load(engine, archive_root, today, everything=not public_only)


def demands_across_struggles(engine: Engine, archive_root: Path, *, public_only: bool = False,
                             recurring_only: bool = False) -> list[DemandRecord]:
    """Each demand with every struggle that raised it and the outcomes, recurring first."""
    records = demand_records(gathered(engine, archive_root, public_only), load_synonyms(archive_root))
    return [r for r in records if r.recurring] if recurring_only else records


def lessons_by_category(engine: Engine, archive_root: Path, *, public_only: bool = False,
                        category: str | None = None) -> list[Category]:
    """Every limit and lesson of the balance sheets, by category; one category if ``category`` is given."""
    vocabulary = load_vocabulary(archive_root)
    categories = lesson_categories(gathered(engine, archive_root, public_only), vocabulary)
    if category is None:
        return categories
    wanted = category.casefold().strip()
    named = vocabulary.named(wanted)
    chosen = [c for c in categories if wanted in (c.name, c.slug) or c.name == named]
    if not chosen and named is None and wanted != OTHER:
        raise UnknownCategory(category, [*vocabulary.names, *(c.name for c in categories
                                                               if c.name not in vocabulary.categories)])
    return chosen


class UnknownCategory(UsageError, LookupError):
    """A --category that is neither in the vocabulary nor among the findings; the message lists them."""

    param_hint = "--category"

    def __init__(self, category: str, known: list[str]) -> None:
        close = difflib.get_close_matches(category.casefold().strip(), known, n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        super().__init__(f"unknown category {category!r}{hint} (categories: {', '.join(known)})")
        self.category, self.known, self.close = category, known, close


class LineageError(ArchiveError, LookupError):
    """No such organization or form (in the view asked for)."""


def lineage_of(engine: Engine, archive_root: Path, slug: str, *, public_only: bool = False) -> tuple[Item, Lineage]:
    """An organization's or form's ancestors and descendants, as its page on the site shows them.

    ``slug`` may be written ``organization/slug`` or ``form/slug``; a bare slug is looked up as an
    organization first."""
    data = gathered(engine, archive_root, public_only)
    record_type, _, bare = slug.rpartition("/")
    types = [record_type] if record_type else ["organization", "form"]
    if record_type and record_type not in ("organization", "form"):
        raise LineageError(f"lineage is kept for organizations and forms, not {record_type!r}")
    for name in types:
        item = data.items.get(name, {}).get(bare)
        if item is not None:
            return item, LineageIndex(data).lineage(item)
    raise LineageError(f"no {'public ' if public_only else ''}organization or form {bare!r}")
