"""Earlier struggles like this one, on the published site: an in-memory index over the public projection.

Every public struggle page lists the most similar public struggles from earlier waves, with the reasons
and the lessons and limits of their public balance sheets. ``archive continuity SLUG --public`` prints the
same list from the same code (``public_continuity``).

What may be used: only ``SiteData``, which holds public records and public links only, already redacted.
So no reason can name a non-public record or a redacted name, and no private record can be a candidate.
The Whoosh index is not used here: it holds private records and unredacted text, and a build may run
without one.

Method (once per build, then a few hundred dictionary updates per struggle; never all pairs):

1. Each public struggle becomes a ``continuity.Profile``: its organizational forms (its own and those of
   its organizations, whichever side names the link), social forces, organizations, places, grievances
   (tags, case-folded) and demands (``Demand.key``), named by their public titles. Its text (title and
   body, analysed exactly as the search index does, ``archive.search.analysis``) becomes a tf-idf vector cut to
   its ``TOP_TERMS`` most significant terms, as more-like-this does; terms that only one struggle has
   cannot match and are left out.
2. Struggles that can be someone's earlier struggle (placed in time: a start, or a wave with an end) get a
   rank ordered by the latest date they can have started (``continuity.Placement.latest_start``). Every
   feature and every kept term has a posting list of ranks, in that order.
3. An earlier struggle always started before the struggle asked about (``continuity.earlier_because``), so
   the candidates are among the ranks before the first one starting at that date or later: a prefix of
   every posting list, found by bisection. The
   candidates are accumulated term-at-a-time over the struggle's features and terms, each weighted by
   ``WEIGHTS[kind] * rarity`` (see ``archive.continuity.earlier``). A posting list's eligible part longer than
   ``CAP`` is read only for its last ``CAP`` entries: the nearest earlier struggles. This bounds the work
   on a feature that thousands of struggles share (such a feature has little weight anyway, and a
   candidate that shares rarer things is found through those). Since all windows run back from the same
   point in time, candidates in them are scored on all their common features alike.
4. The ``RESCORE`` best by that sum (which is the exact score for a candidate inside every window) are
   scored exactly with ``continuity.compare`` (text similarity is the cosine of the two cut vectors),
   after candidates that ``earlier_because`` refuses (not from an earlier wave, or sharing one of the
   struggle's waves) are dropped; the best ``SHOWN`` are kept; equal scores go to the nearest earlier
   struggle (the later in time order), as the windows do. A wave without dates takes its span from its
   public struggles (``archive.continuity.waves.wave_span``).

The page gets plain values (paths, titles, text), not records: its fingerprint for incremental builds and
its rendering then cost little, and each shown struggle's links and lessons are computed once per build.

Rarity counts public struggles only, so the ranking cannot reflect what the private records hold.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from operator import itemgetter

from sqlalchemy import Engine

from archive.continuity.earlier import (
    EARLIER_TIME,
    EARLIER_WAVE,
    TEXT_REASON,
    TEXT_SCALE,
    WEIGHTS,
    ContinuityError,
    ContinuityResult,
    Earlier,
    Feature,
    Placement,
    Profile,
    compare,
    demand_features,
    describe_rule,
    placement,
    rarity,
    undated_notes,
)
from archive.dates import sort_key
from archive.publish.model import Item, SiteData, gather_published, time_key
from archive.publish.paths import item_path
from archive.publish.timeline import wave_spans
from archive.search import analysis
from archive.store.config import Archive

SHOWN = 5  # earlier struggles on a struggle's page
CAP = 1024  # postings read per feature or term for one struggle (nearly exact on the benchmark)
TOP_TERMS = 12  # terms kept per struggle for the text comparison
RESCORE = 20  # candidates scored exactly per struggle


@dataclass(frozen=True)
class Ref:
    """What a page needs to link a public record."""

    slug: str
    path: str
    title: str
    language: str | None
    date: str | None = None

    @classmethod
    def of(cls, item: Item) -> Ref:
        return cls(item.slug, item_path(item), item.title, item.language, item.date)


@dataclass(frozen=True)
class Lesson:
    sheet: Ref  # the public balance sheet that draws it
    kind: str  # "lesson" or "limit"
    text: str


@dataclass
class EarlierStruggle:
    item: Ref
    start: str | None
    waves: list[Ref]
    score: float
    reasons: list[str]
    lessons: list[Lesson] = field(default_factory=list)
    because: str = ""  # continuity.EARLIER_WAVE or EARLIER_TIME


@dataclass
class EarlierView:
    """What a struggle's page shows: struggles that started before it, from waves that began before
    ``before`` (or, for a struggle in no wave, that started before ``before``, its own start)."""

    before: str
    struggles: list[EarlierStruggle]
    start: str | None = None
    in_waves: bool = True

    @property
    def rule(self) -> str:
        return describe_rule(self.before, self.start, self.in_waves)


def profile(item: Item) -> Profile:
    """A public struggle's features, named by the public titles of what it links to."""
    features: dict[Feature, str] = {}
    orgs = item.joined("organizations", "struggles", "organization")
    forms = item.linked("forms", "form") + [f for o in orgs for f in o.linked("form", "form")]
    for kind, linked in (("form", forms), ("force", item.linked("forces", "force")),
                         ("organization", orgs), ("place", item.linked("places", "place"))):
        features.update({(kind, other.slug): other.title for other in linked})
    features.update({("grievance", tag.casefold()): tag for tag in item.tags})
    demands, outcomes = demand_features(item.fields.get("demands"))
    features.update(demands)
    waves = frozenset(w.slug for w in item.linked("waves", "wave"))
    return Profile(item.slug, item.title, item.fields.get("start"), waves, features, outcomes)


def _terms(item: Item) -> Counter[str]:
    # Title and body, as the search index analyses them; other columns (outcome, demands) are features.
    return Counter(analysis.analyze(item.title, item.language) + analysis.analyze(item.body, item.language))


def lessons_of(item: Item) -> list[Lesson]:
    """The lessons, then the limits, of each public balance sheet on the struggle, oldest sheet first."""
    out = []
    for sheet in sorted(item.linking("struggle", "balance_sheet"), key=time_key):
        for kind, name in (("lesson", "lessons"), ("limit", "limits")):
            values = sheet.fields.get(name) or []
            ref = Ref.of(sheet)
            out += [Lesson(ref, kind, str(v)) for v in (values if isinstance(values, list) else [values]) if v]
    return out


class EarlierIndex:
    """Built once from ``SiteData``; ``view(struggle)`` then costs a few hundred dictionary updates."""

    def __init__(self, data: SiteData, shown: int = SHOWN) -> None:
        self.shown = shown
        self.items = [s for s in data.of_type("struggle") if not s.is_stub]
        self.number = {s.id: n for n, s in enumerate(self.items)}
        self.profiles = [profile(s) for s in self.items]
        spans = wave_spans(data.of_type("wave"))
        self.placements: list[Placement] = []
        for p in self.profiles:
            placed = placement(p.start, p.waves, spans)
            # Waves that cannot be placed in time leave a struggle as if it were in none.
            self.placements.append(placed if placed.first_wave else Placement(p.start, frozenset(), None, None))
        count = len(self.items)
        df = Counter(f for p in self.profiles for f in p.features)
        self.weights = {f: WEIGHTS[f[0]] * rarity(count, n) for f, n in df.items() if n > 1}
        # Rank the possible earlier struggles by the latest date they can have started: a candidate set is
        # then a prefix. Windows read the end of it and equal scores go to the later rank: both prefer the
        # nearest earlier struggle.
        latest = {n: sort_key(p.latest_start) for n, p in enumerate(self.placements) if p.latest_start}
        order = sorted(latest, key=lambda n: (latest[n], self.profiles[n].slug))
        self.shown_parts: dict[int, tuple[Ref, list[Ref], list[Lesson]]] = {}
        self.by_rank = order
        self.rank_starts = [latest[n] for n in order]
        # What earlier_because reads, by rank, so that find can apply it inline to thousands of candidates.
        self.rank_latest = [self.placements[n].latest_start or "" for n in order]
        self.rank_first = [self.placements[n].first_wave or "" for n in order]
        self.rank_first_keys = [sort_key(f) if f else None for f in self.rank_first]
        self.rank_waves = [self.placements[n].waves for n in order]
        self.postings: dict[Feature, list[int]] = {}
        for rank, n in enumerate(order):
            for f in self.profiles[n].features:
                if f in self.weights:
                    self.postings.setdefault(f, []).append(rank)
        self._text_index(count, order)

    def _text_index(self, count: int, order: list[int]) -> None:
        counts = [_terms(s) for s in self.items]
        df = Counter(t for c in counts for t in c)
        self.vectors: list[dict[str, float]] = []
        for c in counts:
            weights = {t: (1 + math.log(tf)) * math.log(count / df[t]) for t, tf in c.items() if 1 < df[t] < count}
            top = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_TERMS]
            norm = math.sqrt(sum(w * w for _, w in top)) or 1.0
            self.vectors.append({t: w / norm for t, w in top})
        self.term_postings: dict[str, tuple[list[int], list[float]]] = {}
        for rank, n in enumerate(order):
            for term, w in self.vectors[n].items():
                ranks, term_weights = self.term_postings.setdefault(term, ([], []))
                ranks.append(rank)
                term_weights.append(w)

    def _weight(self, feature: Feature) -> float:
        return self.weights.get(feature, 0.0) / WEIGHTS[feature[0]]

    def find(self, item: Item) -> EarlierView | None:
        """The earlier struggles like ``item``, or None when it has no date to look back from."""
        n = self.number.get(item.id)
        if n is None:
            return None
        mine_placed = self.placements[n]
        start = mine_placed.earliest_start
        if not start:
            return None
        cutoff = mine_placed.first_wave or start
        view = EarlierView(cutoff, [], self.profiles[n].start, mine_placed.first_wave is not None)
        mine = self.profiles[n]
        bound = bisect_left(self.rank_starts, sort_key(start))
        if not bound:
            return view
        scores: dict[int, float] = {}
        get = scores.get
        for f in mine.features:
            ranks = self.postings.get(f)
            if ranks:
                end = bisect_left(ranks, bound)
                w = self.weights[f]
                for rank in ranks[max(0, end - CAP):end]:
                    scores[rank] = get(rank, 0.0) + w
        text: dict[int, float] = {}
        tget = text.get
        for term, w in self.vectors[n].items():
            postings = self.term_postings.get(term)
            if postings is None:  # only struggles that cannot be placed in time use it
                continue
            ranks, weights = postings
            end = bisect_left(ranks, bound)
            for i in range(max(0, end - CAP), end):
                text[ranks[i]] = tget(ranks[i], 0.0) + w * weights[i]
        text_weight = WEIGHTS["text"] * TEXT_SCALE
        for rank, similarity in text.items():
            if similarity >= TEXT_REASON:  # as compare counts it
                scores[rank] = get(rank, 0.0) + text_weight * similarity
        scores = self._earlier_only(scores, mine_placed)
        because = EARLIER_WAVE if mine_placed.waves else EARLIER_TIME
        # nlargest is stable: equal sums keep the (deterministic) order in which they were found.
        best = heapq.nlargest(RESCORE, scores.items(), key=itemgetter(1))
        found = []
        for rank, _ in best:
            other = self.by_rank[rank]
            score, reasons = compare(mine, self.profiles[other], self._weight, text.get(rank, 0.0))
            if reasons:
                found.append(((-round(score, 9), -rank), other, score, reasons, because))
        found.sort(key=itemgetter(0))
        for _, other, score, reasons, why in found[:self.shown]:
            ref, waves, lessons = self._parts(other)
            view.struggles.append(EarlierStruggle(ref, self.profiles[other].start, waves, score, reasons, lessons,
                                                  why))
        return view

    def _earlier_only(self, scores: dict[int, float], mine: Placement) -> dict[int, float]:
        """The candidates ``continuity.earlier_because`` accepts, its rule applied inline (a call per
        candidate cost nine times the whole search). Every rank is before the bisection bound, so each
        started no later than ``mine``; what is left is a date containing the other and, for a struggle
        in waves, the waves."""
        start = mine.earliest_start or ""
        latest = self.rank_latest
        if not mine.waves:
            return {r: v for r, v in scores.items() if not start.startswith(latest[r])}
        first = mine.first_wave or ""
        first_key = sort_key(first)
        firsts, first_keys, waves = self.rank_first, self.rank_first_keys, self.rank_waves
        return {r: v for r, v in scores.items()
                if (key := first_keys[r]) is not None and key < first_key and not first.startswith(firsts[r])
                and not start.startswith(latest[r]) and not waves[r] & mine.waves}

    def _parts(self, n: int) -> tuple[Ref, list[Ref], list[Lesson]]:
        """A shown struggle's link, its waves' links and its lessons: computed once, however often shown."""
        parts = self.shown_parts.get(n)
        if parts is None:
            item = self.items[n]
            parts = (Ref.of(item), [Ref.of(w) for w in sorted(item.linked("waves", "wave"), key=time_key)],
                     lessons_of(item))
            self.shown_parts[n] = parts
        return parts


def public_continuity(archive: Archive, engine: Engine, slug: str, *, limit: int = SHOWN,
                      today: dt.date | None = None) -> ContinuityResult:
    """``archive continuity SLUG --public``: the site's list for the public struggle ``slug`` (its
    published, redacted slug), from the same public projection the site is built from."""
    data = gather_published(engine, archive.root, today)
    item = data.items.get("struggle", {}).get(slug)
    if item is None or item.is_stub:
        raise ContinuityError(f"no public struggle {slug!r}")
    view = EarlierIndex(data, shown=limit).find(item)
    if view is None:
        raise ContinuityError(f"struggle {slug!r} has neither a start date nor a dated wave to look back from")
    earlier = [Earlier(e.item.slug, e.item.title, e.start, [w.slug for w in e.waves], e.score,
                       e.reasons, [(x.sheet.slug, x.kind, x.text) for x in e.lessons], e.because)
               for e in view.struggles]
    notes = [] if earlier else public_undated_notes(data)
    return ContinuityResult(item.slug, item.title, view.before, earlier, view.start, view.in_waves, notes)


def public_undated_notes(data: SiteData) -> list[str]:
    """``continuity.undated_notes`` over the public records: why an answer may be empty."""
    spans = wave_spans(data.of_type("wave"))
    undated = sum(1 for s in data.of_type("struggle") if not s.is_stub and not s.fields.get("start")
                  and not any(spans[w.slug].end for w in s.linked("waves", "wave") if w.slug in spans))
    return undated_notes(spans, undated)
