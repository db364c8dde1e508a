"""Suggest waves from the data: find the peaks of activity over time.

The method, chosen to be robust to noise and to a rising or falling baseline:

1. **Activity per year**: the number of struggles (by start) and accounts (by date) in each year, or the
   sum of a numeric field (``--weight``, such as workers involved). Missing years count as zero.
2. **Partial edges are trimmed**: a first or last year with less than half the activity of its three
   neighbours is usually a data set starting or ending mid-year, not calm, and would fake a jump.
3. **Log scale**: ``log(1 + activity)``, so that a doubling counts the same at 20 strikes a year as at 400.
4. **A moving baseline**: the running median over ``window`` years (11 by default). A median ignores the
   peaks it is meant to measure, and following the series lets a decline (US strikes after 1981) or a
   rise (a growing movement) move the baseline instead of producing one endless wave.
5. **Robust noise scale**: the median absolute deviation of the residuals (log activity minus baseline),
   scaled to a standard deviation. Each year gets a score ``z`` = residual / scale.
6. **Spans**: years with ``z`` above ``threshold`` (1.0), joined across gaps of at most ``max_gap`` years
   (1). A span is a wave when its summed ``z`` reaches ``min_score`` (3.0): a single noisy year is not a
   wave, a sustained or a very sharp rise is.
7. **Small counts**: when the series counts records, a year's noise is at least the Poisson noise of
   its baseline (``1 / sqrt(baseline + 1)`` in log scale), so that a year of 3 records after years of 0
   is not mistaken for a wave.

Each proposal gives its start, end, peak year and the activity it holds (``count``).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, select

from archive.canonical import iter_stored_records
from archive.dates import sort_key
from archive.models import Link, Record, Source
from archive.records import normalize
from archive.store import Incoming, write_chunk

records_t = Record.__table__


@dataclass(frozen=True)
class WaveProposal:
    start: int
    end: int
    peak: int
    count: float
    score: float

    def as_json(self) -> dict[str, Any]:
        count = int(self.count) if float(self.count).is_integer() else round(self.count, 2)
        return {"start": str(self.start), "end": str(self.end), "peak": str(self.peak), "count": count,
                "score": round(self.score, 2)}

    @property
    def slug(self) -> str:
        return f"wave-{self.start}-{self.end}" if self.end != self.start else f"wave-{self.start}"


def trim_partial_edges(series: Mapping[int, float], share: float = 0.5) -> dict[int, float]:
    """Fill missing years with zero; drop a first or last year far below its neighbours (a partial year)."""
    if not series:
        return {}
    full = {year: float(series.get(year, 0.0)) for year in range(min(series), max(series) + 1)}
    years = sorted(full)
    while len(years) > 4 and full[years[0]] < share * statistics.median(full[y] for y in years[1:4]):
        years.pop(0)
    while len(years) > 4 and full[years[-1]] < share * statistics.median(full[y] for y in years[-4:-1]):
        years.pop()
    return {year: full[year] for year in years}


def suggest_waves(series: Mapping[int, float], *, window: int = 11, threshold: float = 1.0,
                  min_score: float = 3.0, max_gap: int = 1, counts: bool = True) -> list[WaveProposal]:
    """Propose waves in an activity series keyed by year (see the module's documentation)."""
    trimmed = trim_partial_edges(series)
    years = sorted(trimmed)
    if len(years) < 3:
        return []
    logged = [math.log1p(trimmed[year]) for year in years]
    half = window // 2
    baseline = [statistics.median(logged[max(0, i - half): i + half + 1]) for i in range(len(years))]
    residuals = [value - base for value, base in zip(logged, baseline, strict=True)]
    scale = 1.4826 * statistics.median(abs(r) for r in residuals)
    # Counts of a few records a year are mostly chance: in log scale a Poisson count around its baseline
    # varies by about 1 / sqrt(baseline + 1), so that is the least noise a year is allowed.
    floors = [1 / math.sqrt(math.expm1(base) + 1) if counts else 1e-9 for base in baseline]
    scores = [r / max(scale, floor) for r, floor in zip(residuals, floors, strict=True)]
    spans: list[list[int]] = []
    for index, score in enumerate(scores):
        if score <= threshold:
            continue
        if spans and index - spans[-1][-1] <= max_gap + 1:
            spans[-1].append(index)
        else:
            spans.append([index])
    proposals = []
    for span in spans:
        first, last = span[0], span[-1]
        total = sum(scores[i] for i in span)
        if total < min_score:
            continue
        peak = max(range(first, last + 1), key=lambda i: trimmed[years[i]])
        proposals.append(WaveProposal(years[first], years[last], years[peak],
                                      sum(trimmed[years[i]] for i in range(first, last + 1)), total))
    return proposals


@dataclass
class ActivitySeries:
    counts: dict[int, float] = field(default_factory=dict)
    records: int = 0
    skipped: int = 0  # records without a date, or without a number in the weight field


def activity_series(engine: Engine, weight: str | None = None) -> ActivitySeries:
    """Activity per year from struggles (start) and accounts (date), or the sum of a numeric field."""
    result = ActivitySeries()
    columns = [records_t.c.type, records_t.c.start, records_t.c.date, records_t.c.extra]
    query = select(*columns).where(records_t.c.type.in_(("struggle", "account")), records_t.c.is_stub.is_(False))
    with engine.connect() as conn:
        for record_type, start, date, extra in conn.execute(query):
            when = start if record_type == "struggle" else date
            amount = 1.0
            if weight:
                amount = _number((extra or {}).get(weight))
            if not when or amount is None:
                result.skipped += 1
                continue
            year = sort_key(when)[0]
            result.counts[year] = result.counts.get(year, 0.0) + amount
            result.records += 1
    return result


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(str(value).replace(",", "").strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


@dataclass
class ApplyResult:
    waves_added: int = 0
    struggles_assigned: int = 0
    changed_ids: list[int] = field(default_factory=list)


def apply_waves(engine: Engine, proposals: list[WaveProposal]) -> ApplyResult:
    """Record the proposed waves and put unassigned struggles into the wave their start falls in.

    Struggles that already have waves keep them. Each change goes through the store with a revision.
    """
    result = ApplyResult()
    if not proposals:
        return result
    waves = [
        Incoming(normalize({"type": "wave", "slug": p.slug, "title": f"Wave of {p.start}–{p.end} (suggested)"
                            if p.end != p.start else f"Wave of {p.start} (suggested)",
                            "start": str(p.start), "end": str(p.end),
                            "body": f"Suggested from the data: activity peaked in {p.peak}.",
                            "suggested_from": "archive waves suggest"}),
                 b"", "archive waves suggest", "archive waves suggest")
        for p in proposals
    ]
    with engine.begin() as conn:
        existing = {row for row in conn.execute(select(records_t.c.slug).where(records_t.c.type == "wave")).scalars()}
        fresh = [w for w in waves if w.record.slug not in existing]
        written = write_chunk(conn, fresh) if fresh else None
        if written:
            result.waves_added = sum(1 for s in written.stored if s.action == "added")
            result.changed_ids += [s.record_id for s in written.stored if s.action != "unchanged"]
        pending = []
        for stored in iter_stored_records(conn, record_type="struggle"):
            if stored.content.get("waves") or not stored.content.get("start"):
                continue
            year = sort_key(stored.content["start"])[0]
            match = next((p for p in proposals if p.start <= year <= p.end), None)
            if match is not None:
                pending.append((stored, match))
        for start in range(0, len(pending), 500):
            batch = pending[start:start + 500]
            # Keep the bytes each struggle came from: only its waves change, and the revision says so.
            sources = dict(conn.execute(select(Source.sha256, Source.content).where(
                Source.sha256.in_([stored.source_sha256 for stored, _ in batch if stored.source_sha256]))).all())
            updates = [Incoming(normalize(stored.as_record_fields() | {"waves": [match.slug]}),
                                sources.get(stored.source_sha256, b""), f"archive waves suggest:{stored.slug}",
                                f"struggle/{stored.slug}") for stored, match in batch]
            written = write_chunk(conn, updates)
            result.struggles_assigned += sum(1 for s in written.stored if s.action == "updated")
            result.changed_ids += [s.record_id for s in written.stored if s.action != "unchanged"]
    return result


@dataclass(frozen=True)
class WaveSpan:
    """When a wave ran: its own ``start``/``end``, or, where it gives none, the span of its struggles.

    Real collections often name waves without dating them. Such a wave still has a place in time: from the
    earliest start of its struggles to the latest end (or start) among them. ``derived`` says which ends
    were taken from the struggles, so that every view can say so."""

    start: str | None
    end: str | None
    derived_start: bool = False
    derived_end: bool = False
    struggles: int = 0  # dated struggles the derived ends come from

    @property
    def derived(self) -> bool:
        return self.derived_start or self.derived_end

    @property
    def dated(self) -> bool:
        return self.start is not None

    def describe(self) -> str:
        """One line for a page or the command line: '1990–2019 (from its 12 dated struggles)'."""
        if self.start is None:
            return "no dates, and none of its struggles is dated"
        span = f"{self.start}–{self.end}" if self.end and self.end != self.start else self.start
        if not self.derived:
            return span
        which = "dates" if self.derived_start and self.derived_end else ("start" if self.derived_start else "end")
        return (f"{span} (the wave gives no {which}: taken from its {self.struggles} dated "
                f"struggle{'s' if self.struggles != 1 else ''})")


def wave_span(start: str | None, end: str | None,
              struggles: Iterable[tuple[str | None, str | None]]) -> WaveSpan:
    """The span of a wave from its own ``start``/``end`` and its struggles' ``(start, end)`` pairs.

    A given date always wins. A wave with a start and no end is still open, as the record format says; only
    a wave without a start takes its span from its struggles: the earliest start, and (unless it gives an
    end) the latest end or start among them."""
    if start:
        return WaveSpan(start, end)
    pairs = [(s, e) for s, e in struggles if s or e]
    firsts = [s for s, _ in pairs if s]
    if not firsts:
        return WaveSpan(None, end)
    lasts = [e or s for s, e in pairs]
    return WaveSpan(min(firsts, key=sort_key), end or max(lasts, key=sort_key), True, not end, len(pairs))


def stored_wave_spans(conn: Connection) -> dict[str, WaveSpan]:
    """Every stored wave's span by slug, undated waves taking theirs from their struggles."""
    waves = {slug: (start, end) for slug, start, end in conn.execute(
        select(records_t.c.slug, records_t.c.start, records_t.c.end).where(records_t.c.type == "wave"))}
    undated = [slug for slug, (start, _) in waves.items() if not start]
    members: dict[str, list[tuple[str | None, str | None]]] = {}
    if undated:
        struggle, wave = records_t.alias("struggle"), records_t.alias("wave")
        rows = conn.execute(
            select(wave.c.slug, struggle.c.start, struggle.c.end)
            .join(Link.__table__, Link.target_id == wave.c.id).join(struggle, struggle.c.id == Link.source_id)
            .where(wave.c.type == "wave", wave.c.slug.in_(undated), Link.relation == "waves",
                   struggle.c.type == "struggle", struggle.c.is_stub.is_(False)))
        for slug, start, end in rows:
            members.setdefault(slug, []).append((start, end))
    return {slug: wave_span(start, end, members.get(slug, [])) for slug, (start, end) in waves.items()}


def wave_spans_of(engine: Engine, slugs: list[str]) -> dict[str, WaveSpan]:
    """The spans of the waves named (``archive show``); empty when none is asked for."""
    if not slugs:
        return {}
    with engine.connect() as conn:
        spans = stored_wave_spans(conn)
    return {slug: spans[slug] for slug in slugs if slug in spans}


def proposals_as_json(proposals: list[WaveProposal]) -> list[dict[str, Any]]:
    return [p.as_json() for p in proposals]

