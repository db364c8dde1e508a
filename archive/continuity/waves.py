"""Suggest waves from the data: find the peaks of activity over time, sharp or sustained.

A wave is a stretch of time whose activity stands well above what came before and after it. Real series
have two shapes of wave, and no single established method sees both, so two run side by side and their
spans are joined:

**Sharp peaks: a moving median baseline** (robust trend removal, as in Tukey's running medians).

1. Activity per period (a year, or a month with ``resolution="month"``): see ``archive.continuity.wave_activity``.
   Missing periods count as zero. A first or last period far below its neighbours is a data set starting
   or ending mid-period and is trimmed, not read as calm.
2. ``log(1 + activity)``, so that a doubling counts the same at 20 strikes a year as at 400.
3. The baseline is the running median over ``window`` periods (11); a median ignores the peaks it measures,
   and following the series lets a decline (US strikes after 1981) or a rising movement move the baseline
   instead of making one endless wave.
4. The noise scale is the median absolute deviation of the residuals (at least the Poisson noise of a
   count, ``1 / sqrt(baseline + 1)`` in log scale, so 3 records after years of 0 are not a wave). Periods
   with a score above ``threshold`` (1.0), joined across gaps of ``max_gap`` (1), make a wave when their
   summed score reaches ``min_score`` (3.0) and its highest period stands ``MIN_EXCESS`` (40%) above the
   baseline (50% for a single period, and twice the Poisson noise of a small count): on a flat noisy
   series the summed score alone proposed about one blip per fifty years.

A moving median absorbs a plateau: a level that rises by half and stays there for nine years *becomes* the
median half-way through. So:

**Sustained levels: change-point segmentation** (PELT, Killick, Fearnhead and Eckley 2012, through the
``ruptures`` library).

5. The log series is cut into segments of constant mean by PELT with the l2 cost, each segment at least
   ``min_level`` periods (3) long, with a penalty of ``log(n) * sigma^2`` where ``sigma`` is the noise
   estimated from the first differences (``MAD(diff) / sqrt(2)``, the usual estimate for change-point
   penalties; at least the Poisson noise of a count). This penalty is half the Schwarz criterion: it cuts
   generously and lets step 6 decide which cuts matter.
6. A segment is a sustained wave when its level is a local maximum: above the mean of the ``window``
   periods before it by at least ``MIN_RISE`` (30%) and a t-statistic of ``min_t`` (3.0), and either the
   last segment (a wave still going) or above the ``window`` periods after it by the same margins. (The
   periods around it, not just the neighbouring segment: a dip before an ordinary stretch is no wave.)
   A long decline or a staircase of small steps proposes nothing; the one segment that stands out does. Its edge
   periods nearer the surrounding level than its own are left out (a segment is never shorter than
   ``min_level``, which would otherwise stretch a two-year spike to three). The rise into it must be a
   step: it stands ``MIN_RISE`` above the ``min_level`` periods just before it too, so a steady growth
   (a staircase of small steps) is not a wave. What is left must last ``min_sustained`` periods (5);
   shorter rises are judged by the sharp-peak method alone. Segmentation may cut a plateau in two (a
   level, then one a little higher): following segments nearer the run's level than the level before it,
   and less than ``MIN_RISE`` above it, join the run, and the run is tested against the periods after it.
   A much higher next segment is the wave, and the lower one before it its foothill.

**Joined**: overlapping or adjacent spans from both are one wave (``kind`` says which methods saw it:
``peak``, ``level`` or ``peak+level``); its ``peak`` is the period of most activity in it and its
``score`` the larger of the two methods' scores.

Considered and not used: Kleinberg's burst automaton (2002) models a stream of events against one base
rate for the whole series, so on a century of strikes that declines after 1981 the whole early high era is
one "burst"; a moving baseline with a local test handles a trend better. A fixed baseline from the years
before (CUSUM) sees plateaus but turns a rising movement into one endless wave. PELT's segments give the
levels without choosing a window, and the local-maximum rule keeps a trend from becoming a wave.

**By place** (``suggest_by_place``): the same detection on each place's own series (a region's wave is
measured against that region, not drowned in a global count), for places with at least ``min_records``
records. Each place is one more chance for noise to pass, so a place's wave needs a summed score of 5
(not 3) and at least ``min_wave`` records; a wave its enclosing place also has is given once, for the
enclosing place.

Each proposal gives its start, end, peak period and the activity it holds (``count``).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, select

from archive.continuity.wave_activity import ActivitySeries, period_label, period_of, place_parents, with_enclosing
from archive.dates import sort_key
from archive.ingest.records import normalize
from archive.store.canonical import iter_stored_records
from archive.store.models import Link, Record, Source
from archive.store.write import Incoming, write_chunk

records_t = Record.__table__
MIN_RISE = math.log(1.3)  # a sustained level stands at least 30% above the periods around it
MIN_EXCESS = math.log(1.4)  # a sharp peak's highest period is at least 40% above its baseline
MIN_EXCESS_SINGLE = math.log(1.5)  # and a peak of one period alone at least 50%


@dataclass(frozen=True)
class WaveProposal:
    start: int  # periods: years, or months as year * 12 + month - 1 (see ``resolution``)
    end: int
    peak: int
    count: float
    score: float
    kind: str = "peak"  # "peak", "level" or "peak+level": which method saw it
    resolution: str = "year"
    place: str | None = None  # the place whose own series it stands out in (``--by place``)
    place_title: str | None = None

    def label(self, period: int) -> str:
        return period_label(period, self.resolution)

    def as_json(self) -> dict[str, Any]:
        count = int(self.count) if float(self.count).is_integer() else round(self.count, 2)
        out = {"start": self.label(self.start), "end": self.label(self.end), "peak": self.label(self.peak),
               "count": count, "score": round(self.score, 2), "kind": self.kind}
        if self.place:
            out["place"] = self.place
        return out

    @property
    def slug(self) -> str:
        span = self.label(self.start) + (f"-{self.label(self.end)}" if self.end != self.start else "")
        return f"wave-{self.place}-{span}" if self.place else f"wave-{span}"

    @property
    def title(self) -> str:
        span = self.label(self.start) + (f"–{self.label(self.end)}" if self.end != self.start else "")
        where = f" in {self.place_title or self.place}" if self.place else ""
        return f"Wave of {span}{where} (suggested)"


def trim_partial_edges(series: Mapping[int, float], share: float = 0.5) -> dict[int, float]:
    """Fill missing periods with zero; drop a first or last period far below its neighbours (a partial one)."""
    if not series:
        return {}
    full = {period: float(series.get(period, 0.0)) for period in range(min(series), max(series) + 1)}
    periods = sorted(full)
    while len(periods) > 4 and full[periods[0]] < share * statistics.median(full[y] for y in periods[1:4]):
        periods.pop(0)
    while len(periods) > 4 and full[periods[-1]] < share * statistics.median(full[y] for y in periods[-4:-1]):
        periods.pop()
    return {period: full[period] for period in periods}


@dataclass(frozen=True)
class _Span:
    first: int  # indexes into the trimmed series
    last: int
    score: float
    kind: str


def peak_spans(logged: list[float], *, window: int, threshold: float, min_score: float, max_gap: int,
               counts: bool, min_excess: float | None = None) -> list[_Span]:
    """Steps 3-4: periods well above a moving median, joined into spans."""
    half = window // 2
    baseline = [statistics.median(logged[max(0, i - half): i + half + 1]) for i in range(len(logged))]
    residuals = [value - base for value, base in zip(logged, baseline, strict=True)]
    scale = 1.4826 * statistics.median(abs(r) for r in residuals)
    # Counts of a few records a period are mostly chance: in log scale a Poisson count around its baseline
    # varies by about 1 / sqrt(baseline + 1), so that is the least noise a period is allowed.
    floors = [1 / math.sqrt(math.expm1(base) + 1) if counts else 1e-9 for base in baseline]
    scores = [r / max(scale, floor) for r, floor in zip(residuals, floors, strict=True)]
    runs: list[list[int]] = []
    for index, score in enumerate(scores):
        if score <= threshold:
            continue
        if runs and index - runs[-1][-1] <= max_gap + 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    out = []
    for run in runs:
        total = sum(scores[i] for i in run)
        # The highest period must stand clearly above its baseline: by ``min_excess``, and for a small
        # count by twice its Poisson noise, so that noise summed over a few years is not a wave.
        # A single period is weaker evidence than a run: it must stand half again above its baseline.
        excess = None if min_excess is None else max(min_excess, MIN_EXCESS_SINGLE if len(run) == 1 else 0.0)
        if total >= min_score and (excess is None or any(residuals[i] >= max(excess, 2 * floors[i]) for i in run)):
            out.append(_Span(run[0], run[-1], total, "peak"))
    return out


def level_spans(logged: list[float], *, min_level: int, min_t: float, counts: bool, context: int = 11,
                min_sustained: int = 5) -> list[_Span]:
    """Steps 5-6: segments of constant level (PELT) that stand above the segments around them."""
    n = len(logged)
    if n < 2 * min_level:
        return []
    import numpy as np  # noqa: PLC0415  (loaded only when a series is long enough to segment)
    import ruptures  # type: ignore[import-untyped]  # noqa: PLC0415  # ruptures publishes no types

    values = np.asarray(logged, dtype=float)
    diffs = np.diff(values)
    sigma = 1.4826 * float(np.median(np.abs(diffs - np.median(diffs)))) / math.sqrt(2)
    floor = 1 / math.sqrt(math.expm1(float(np.median(values))) + 1) if counts else 1e-6
    sigma = max(sigma, floor)
    ends = ruptures.Pelt(model="l2", min_size=min_level, jump=1).fit(values.reshape(-1, 1)).predict(
        pen=math.log(n) * sigma ** 2)
    bounds = list(zip([0, *ends[:-1]], ends, strict=True))
    means = [float(values[a:b].mean()) for a, b in bounds]

    def stands_above(level: float, length: int, around: np.ndarray) -> tuple[bool, float]:
        """Whether a level over ``length`` periods stands above the periods ``around`` it, and the t."""
        reference = float(around.mean())
        rise = level - reference
        # The noise of the lower level: a count's Poisson noise grows as its level falls.
        noise = max(sigma, 1 / math.sqrt(math.expm1(reference) + 1) if counts else 0.0)
        t = rise / (noise * math.sqrt(1 / length + 1 / len(around)))
        return rise >= MIN_RISE and t >= min_t, t

    out = []
    k = 1
    while k < len(bounds):
        a, b = bounds[k]
        # Compared with the ``context`` periods before it (and after it, unless it is still going), not
        # only with the neighbouring segment: a dip before an ordinary stretch is no wave.
        before = values[max(0, a - context):a]
        above_before, _ = stands_above(means[k], b - a, before)
        # The rise into it is a step, not a trend: it also stands above the few periods just before it.
        if not above_before or means[k] - float(values[max(0, a - min_level):a].mean()) < MIN_RISE:
            k += 1
            continue
        # Segmentation may cut a plateau in two (a level, then a higher one): the next segments belong to
        # the run while they stay nearer its level than the level before it.
        j = k
        # A much higher next segment is the wave itself and this one its foothill, tested on its own.
        while j + 1 < len(bounds) and (means[k] + float(before.mean())) / 2 <= means[j + 1] < means[k] + MIN_RISE:
            j += 1
        b = bounds[j][1]
        level = float(values[a:b].mean())
        above_before, t = stands_above(level, b - a, before)
        after = values[b:b + context]
        around = float(before.mean())
        if len(after):
            above_after, t_after = stands_above(level, b - a, after)
            t, around = min(t, t_after), max(around, float(after.mean()))
            above_before = above_before and above_after
        k = j + 1
        if not above_before:
            continue
        # A segment is at least ``min_level`` long, so a two-year spike drags a neighbour in: keep only
        # the periods nearer the run's level than the level around it.
        middle = (level + around) / 2
        first, last = a, b - 1
        while first < last and logged[first] < middle:
            first += 1
        while last > first and logged[last] < middle:
            last -= 1
        if last - first + 1 >= min_sustained:  # shorter rises are the sharp-peak method's to judge
            out.append(_Span(first, last, t, "level"))
    return out


def join_spans(spans: Iterable[_Span], max_gap: int = 0) -> list[_Span]:
    """Overlapping or adjacent spans are one wave, seen by each method that found a part of it."""
    joined: list[_Span] = []
    for span in sorted(spans, key=lambda s: (s.first, s.last)):
        if joined and span.first <= joined[-1].last + 1 + max_gap:
            last = joined[-1]
            kinds = sorted({*last.kind.split("+"), *span.kind.split("+")}, key=("peak", "level").index)
            joined[-1] = _Span(last.first, max(last.last, span.last), max(last.score, span.score), "+".join(kinds))
        else:
            joined.append(span)
    return joined


def suggest_waves(series: Mapping[int, float], *, window: int = 11, threshold: float = 1.0,
                  min_score: float = 3.0, max_gap: int = 1, counts: bool = True, min_level: int = 3,
                  min_t: float = 3.0, min_excess: float = MIN_EXCESS, methods: tuple[str, ...] = ("peak", "level"),
                  resolution: str = "year") -> list[WaveProposal]:
    """Propose waves in an activity series keyed by period (see the module's documentation).

    ``methods`` may leave one out: ``("peak",)`` is the moving median alone (the method before sustained
    levels were looked for, kept for the evaluation in ``benchmarks/waves_eval.py``)."""
    trimmed = trim_partial_edges(series)
    periods = sorted(trimmed)
    if len(periods) < 3:
        return []
    logged = [math.log1p(trimmed[period]) for period in periods]
    spans: list[_Span] = []
    if "peak" in methods:
        spans += peak_spans(logged, window=window, threshold=threshold, min_score=min_score, max_gap=max_gap,
                            counts=counts, min_excess=min_excess if "level" in methods else None)
    if "level" in methods:
        spans += level_spans(logged, min_level=min_level, min_t=min_t, counts=counts, context=window)
    proposals = []
    for span in join_spans(spans):
        inside = range(span.first, span.last + 1)
        peak = max(inside, key=lambda i: trimmed[periods[i]])
        proposals.append(WaveProposal(periods[span.first], periods[span.last], periods[peak],
                                      sum(trimmed[periods[i]] for i in inside), span.score, span.kind, resolution))
    return proposals


def suggest_by_place(activity: ActivitySeries, *, min_records: int = 30, min_wave: int = 10,
                     min_place_score: float = 5.0, **options: Any) -> list[WaveProposal]:
    """Waves in each place's own series (see the module's documentation), largest places first.

    Every place is one more chance for noise to pass, so a place's wave needs a score of
    ``min_place_score`` (5, not 3) and ``min_wave`` records; a wave that a place enclosing it also has
    (a town's, inside its region's) is given once, for the enclosing place."""
    found: dict[str, list[WaveProposal]] = {}
    for place, series in sorted(activity.by_place.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])):
        if sum(series.values()) < min_records:
            continue
        for p in suggest_waves(series, resolution=activity.resolution, **options):
            if p.count >= min_wave and p.score >= min_place_score:
                found.setdefault(place, []).append(
                    WaveProposal(p.start, p.end, p.peak, p.count, p.score, p.kind, p.resolution, place,
                                 activity.place_titles.get(place)))
    out = []
    for place, waves in found.items():
        enclosing = with_enclosing([place], activity.parents) - {place}
        out += [w for w in waves if not any(o.start <= w.end and w.start <= o.end
                                            for e in enclosing for o in found.get(e, []))]
    return out


@dataclass
class ApplyResult:
    waves_added: int = 0
    struggles_assigned: int = 0
    changed_ids: list[int] = field(default_factory=list)


def apply_waves(engine: Engine, proposals: list[WaveProposal]) -> ApplyResult:
    """Record the proposed waves and put unassigned struggles into the wave their start falls in.

    A struggle goes into a place's wave only when it is in that place (or a place within it); at monthly
    resolution only a struggle dated to the month can be placed. Struggles that already have waves keep
    them. Each change goes through the store with a revision.
    """
    result = ApplyResult()
    if not proposals:
        return result
    waves = [
        Incoming(normalize({"type": "wave", "slug": p.slug, "title": p.title,
                            "start": p.label(p.start), "end": p.label(p.end),
                            "body": f"Suggested from the data: activity peaked in {p.label(p.peak)}"
                                    + (f" in {p.place_title or p.place}." if p.place else "."),
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
        parents = place_parents(conn) if any(p.place for p in proposals) else {}
        pending = []
        for stored in iter_stored_records(conn, record_type="struggle"):
            if stored.content.get("waves") or not stored.content.get("start"):
                continue
            places = with_enclosing(stored.content.get("places") or [], parents)
            match = next((p for p in proposals
                          if (period := period_of(stored.content["start"], p.resolution)) is not None
                          and p.start <= period <= p.end and (not p.place or p.place in places)), None)
            if match is not None:
                pending.append((stored, match))
        for start in range(0, len(pending), 500):
            batch = pending[start:start + 500]
            # Keep the bytes each struggle came from: only its waves change, and the revision says so.
            sources = dict(conn.execute(select(Source.sha256, Source.content).where(
                Source.sha256.in_([stored.source_sha256 for stored, _ in batch if stored.source_sha256]))).all())
            updates = [Incoming(normalize(stored.as_record_fields() | {"waves": [match.slug]},
                                          extra_fields=set(stored.content.get("extra") or {})),
                                sources.get(stored.source_sha256 or "", b""), f"archive waves suggest:{stored.slug}",
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
    lasts = [last for s, e in pairs if (last := e or s)]
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

