"""Activity over time, read from the store for wave suggestion (``archive.continuity.waves``).

A series maps a period (a year, or a month as ``year * 12 + month - 1``) to the activity in it: the number
of struggles (by ``start``) and accounts (by ``date``), or the sum of a numeric field (``--weight``).

- **By place** (``--by place``): one series per place, a record counting for each of its places and every
  place that encloses them (a town's strike counts for its region and its country), so a wave in one
  region is measured against that region's own baseline, not drowned in a global count.
- **By month** (``--resolution month``): only records dated to the month count; a year-only date cannot
  be put in a month and is counted as skipped.
- **Messy weights**: spreadsheets write "1000s", "50+", "~300", "1,200", "2-3 thousand", "1.5k" or
  "hundreds"; ``read_amount`` reads each as the number it gives at least (a range as its middle).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, select

from archive.dates import sort_key
from archive.store.models import Link, Record

records_t = Record.__table__
RESOLUTIONS = ("year", "month")
OVERALL = ""  # the series of everything, whatever its place


@dataclass
class ActivitySeries:
    counts: dict[int, float] = field(default_factory=dict)
    records: int = 0
    skipped: int = 0  # records without a date (at the resolution asked), or without a number in the weight field
    resolution: str = "year"
    by_place: dict[str, dict[int, float]] = field(default_factory=dict)  # place slug -> series (``--by place``)
    place_titles: dict[str, str] = field(default_factory=dict)
    parents: dict[str, str] = field(default_factory=dict)  # place slug -> the place enclosing it


def period_of(date: str, resolution: str = "year") -> int | None:
    """The period a partial date falls in: its year, or its month as ``year * 12 + month - 1``; None when
    the date is coarser than the resolution."""
    year, month, _ = sort_key(date)
    if resolution == "year":
        return year
    return year * 12 + month - 1 if month else None


def period_label(period: int, resolution: str = "year") -> str:
    """``2019`` or ``2019-03``: a period in the record format's partial-date form."""
    if resolution == "year":
        return str(period)
    year, month = divmod(period, 12)
    return f"{year:04d}-{month + 1:02d}"


_WORDS = {"dozen": 12, "dozens": 12, "hundred": 100, "hundreds": 100, "thousand": 1_000, "thousands": 1_000,
          "million": 1_000_000, "millions": 1_000_000}
_SUFFIX = {"k": 1_000, "m": 1_000_000, "mn": 1_000_000, "mio": 1_000_000}
_QUALIFIERS = re.compile(r"^(?:about|approx\.?|approximately|around|circa|c\.|ca\.|over|more than|at least|"
                         r"up to|nearly|almost|some|est\.?|estimated|~|>|≥|<|≤)\s*", re.I)
_NUMBER = r"\d+(?:[.,]\d+)*"
_AMOUNT = re.compile(rf"^(?P<a>{_NUMBER})(?:\s*(?:-|–|to)\s*(?P<b>{_NUMBER}))?\s*(?P<unit>[a-z]+)?\s*\+?$", re.I)


def read_amount(value: Any) -> float | None:
    """A number from a messy cell: ``1000s`` -> 1000, ``50+`` -> 50, ``2-3 thousand`` -> 2500,
    ``1,200`` -> 1200, ``1.5k`` -> 1500, ``hundreds`` -> 100, ``tens of thousands`` -> 10000; None when
    the cell holds no number (``unknown``, empty, a boolean)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    text = " ".join(str(value).strip().casefold().split())
    while (stripped := _QUALIFIERS.sub("", text)) != text:
        text = stripped
    text = text.rstrip("+").strip()
    if text in _WORDS:
        return float(_WORDS[text])
    tens = re.fullmatch(r"tens of (thousands|millions)", text)
    if tens:
        return 10.0 * _WORDS[tens[1]]
    match = _AMOUNT.match(text)
    if not match:
        return None
    numbers = [_plain(match[g]) for g in ("a", "b") if match[g]]
    if any(n is None for n in numbers):
        return None
    amount = sum(numbers) / len(numbers)  # type: ignore[arg-type]
    unit = (match["unit"] or "").casefold()
    if unit and unit != "s":  # "1000s": thousands of them, so at least 1000
        scale = _WORDS.get(unit) or _SUFFIX.get(unit)
        if scale is None:
            return None
        amount *= scale
    return amount if math.isfinite(amount) else None


def _plain(text: str) -> float | None:
    """``1,200`` and ``1.200`` (thousands) and ``1.5`` (a fraction)."""
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", text):
        return float(re.sub(r"[.,]", "", text))
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


def activity_series(engine: Engine, weight: str | None = None, *, resolution: str = "year",
                    by_place: bool = False) -> ActivitySeries:
    """Activity per period from struggles (start) and accounts (date), or the sum of a numeric field; with
    ``by_place`` also one series per place (each record counting for its places and the places enclosing
    them)."""
    if resolution not in RESOLUTIONS:
        raise ValueError(f"resolution must be one of {', '.join(RESOLUTIONS)}, not {resolution!r}")
    result = ActivitySeries(resolution=resolution)
    columns = [records_t.c.id, records_t.c.type, records_t.c.start, records_t.c.date, records_t.c.extra]
    query = select(*columns).where(records_t.c.type.in_(("struggle", "account")), records_t.c.is_stub.is_(False))
    placed: list[tuple[int, int, float]] = []
    with engine.connect() as conn:
        for record_id, record_type, start, date, extra in conn.execute(query):
            when = start if record_type == "struggle" else date
            amount = read_amount((extra or {}).get(weight)) if weight else 1.0
            period = period_of(when, resolution) if when else None
            if period is None or amount is None:
                result.skipped += 1
                continue
            result.counts[period] = result.counts.get(period, 0.0) + amount
            result.records += 1
            placed.append((record_id, period, amount))
        if by_place and placed:
            places, result.place_titles = _places(conn)
            result.parents = parents = place_parents(conn)
            for record_id, period, amount in placed:
                for place in with_enclosing(places.get(record_id, ()), parents):
                    series = result.by_place.setdefault(place, {})
                    series[period] = series.get(period, 0.0) + amount
    return result


def _places(conn) -> tuple[dict[int, list[str]], dict[str, str]]:  # noqa: ANN001
    """Each record's places, and the places' titles."""
    place = records_t.alias("place")
    by_record: dict[int, list[str]] = {}
    for source_id, slug in conn.execute(select(Link.source_id, place.c.slug).join(place, place.c.id == Link.target_id)
                                        .where(Link.relation == "places", place.c.type == "place")):
        by_record.setdefault(source_id, []).append(slug)
    titles = dict(conn.execute(select(records_t.c.slug, records_t.c.title).where(records_t.c.type == "place")).all())
    return by_record, titles


def place_parents(conn: Connection) -> dict[str, str]:
    """Each place's enclosing place: its first ``parent``, as the place pages read it."""
    place, child = records_t.alias("place"), records_t.alias("child")
    parents: dict[str, str] = {}
    for child_slug, parent_slug in conn.execute(
            select(child.c.slug, place.c.slug).join(Link.__table__, Link.source_id == child.c.id)
            .join(place, place.c.id == Link.target_id)
            .where(child.c.type == "place", place.c.type == "place", Link.relation == "parent").order_by(Link.id)):
        parents.setdefault(child_slug, parent_slug)
    return parents


def with_enclosing(places: Iterable[str], parents: dict[str, str]) -> set[str]:
    """The places and every place enclosing them; a parent cycle stops where it closes."""
    out: set[str] = set()
    for place in places:
        while place and place not in out:
            out.add(place)
            place = parents.get(place, "")
    return out
