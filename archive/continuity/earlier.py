"""Earlier struggles like this one: the bridge between the peaks.

For a struggle, find earlier struggles that resemble it, say why, and bring along the lessons and limits
their balance sheets drew. What "earlier" means is decided in one place, ``earlier_because``:

- an earlier struggle always *started* before the struggle asked about (its own start, or, when it has
  none, the end of its wave: the latest it can have started); dates of different precision that overlap
  (``2012`` and ``2012-04``) are not before one another;
- for a struggle in waves, it also comes from an *earlier wave*: one of its waves began before the
  struggle's first wave, and it shares none of the struggle's waves;
- for a struggle in no wave, it comes from an *earlier time*: having started before is enough.

A wave without dates takes its span from its struggles (``archive.continuity.waves.wave_span``). Each result says
which rule let it in (``Earlier.because``); an empty answer says why when the dates are missing.

Two ways to find the candidates, one way to judge them:

- ``earlier_struggles`` (``archive continuity SLUG``, the archivist's view of every record) asks the
  Whoosh index, never comparing every pair of struggles: one query over the link and tag fields for the
  struggle's organizational forms, social forces, organizations, places and grievances, plus Whoosh's
  more-like-this on its text. Only those candidates are read from the store.
- ``archive.publish.earlier`` (the published site, and ``archive continuity SLUG --public``) builds an
  in-memory inverted index over the public, redacted projection only; see its docstring.

Both describe each struggle as a ``Profile`` and score a pair with ``compare``: each shared feature adds
``WEIGHTS[kind] * rarity``, where rarity is ``1 + ln(N / df)`` (``df`` the number of records with the
feature among ``N``), so a shared rare place counts more than a grievance every struggle has; similar text
adds ``WEIGHTS["text"] * TEXT_SCALE * similarity`` (similarity in [0, 1]) and is given as a reason from
``TEXT_REASON`` up. A candidate with no reason is dropped. Ties go to the nearest earlier struggle.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from archive.continuity.waves import WaveSpan, stored_wave_spans
from archive.dates import sort_key
from archive.errors import ArchiveError
from archive.ingest.demands import stored_demands
from archive.store.canonical import tags_by_record
from archive.store.models import Link, Record

records_t = Record.__table__
CANDIDATES = 200  # per index query; the store is read only for these
WEIGHTS = {"form": 3.0, "force": 2.0, "demand": 2.0, "organization": 1.5, "grievance": 1.0, "place": 1.0,
           "text": 2.0}
# Shared features by kind, in the order reasons are given, with the words that give them.
REASONS = (("form", "same organizational form"), ("force", "same social force"),
           ("organization", "same organization"), ("grievance", "same grievance"), ("place", "same place"),
           ("demand", "same demand"))
TEXT_SCALE = 3.0  # similar text (1.0) then weighs about as much as a shared common form
TEXT_REASON = 0.25  # below this similarity, text neither counts nor is given as a reason

Feature = tuple[str, str]  # (kind, key): ("form", "tenant-union"), ("demand", Demand.key), ...


class ContinuityError(ArchiveError):
    """The struggle is unknown or has no date to look back from."""


@dataclass
class Earlier:
    slug: str
    title: str
    start: str | None
    waves: list[str]
    score: float
    reasons: list[str] = field(default_factory=list)
    # (balance sheet slug, "lesson" or "limit", text): the kind is kept apart so that it is printed once
    lessons: list[tuple[str, str, str]] = field(default_factory=list)
    because: str = ""  # why it counts as earlier: "from an earlier wave" or "from an earlier time"


@dataclass
class ContinuityResult:
    slug: str
    title: str
    cutoff: str  # the first wave's start, or the struggle's own start when it is in no wave
    earlier: list[Earlier]
    start: str | None = None  # the struggle's own start: every earlier struggle started before it
    in_waves: bool = True  # False: earlier means an earlier time, not an earlier wave
    notes: list[str] = field(default_factory=list)  # why the answer may be empty or short

    @property
    def rule(self) -> str:
        """The page's and the command's one-line statement of what counted as earlier."""
        return describe_rule(self.cutoff, self.start, self.in_waves)


EARLIER_WAVE = "from an earlier wave"
EARLIER_TIME = "from an earlier time"


def starts_before(first: str, second: str) -> bool:
    """``first`` is strictly before ``second``; a date containing the other (``2012``, ``2012-04``) is not."""
    return sort_key(first) < sort_key(second) and not second.startswith(first)


@dataclass(frozen=True)
class Placement:
    """A struggle's place in time, as far as continuity needs it."""

    start: str | None  # its own start
    waves: frozenset[str]
    first_wave: str | None  # the earliest start among its dated waves
    wave_end: str | None  # the earliest end among its waves: it started by then at the latest

    @property
    def latest_start(self) -> str | None:
        """The latest date at which it can have started."""
        return self.start or self.wave_end

    @property
    def earliest_start(self) -> str | None:
        """What an earlier struggle must have started before: its start, else its first wave's."""
        return self.start or self.first_wave


def placement(start: str | None, waves: frozenset[str], spans: dict[str, WaveSpan]) -> Placement:
    dated = [spans[w] for w in waves if w in spans and spans[w].start]
    first = min((s.start for s in dated if s.start), key=sort_key, default=None)
    ends = [s.end for s in dated if s.end]
    return Placement(start, waves, first, min(ends, key=sort_key) if ends else None)


def earlier_because(target: Placement, other: Placement) -> str | None:
    """Why ``other`` is earlier than ``target`` (``EARLIER_WAVE`` or ``EARLIER_TIME``), or None if it is not."""
    mine, theirs = target.earliest_start, other.latest_start
    if not mine or not theirs or not starts_before(theirs, mine):
        return None
    if not target.waves:
        return EARLIER_TIME
    if not target.first_wave or not other.first_wave or other.waves & target.waves:
        return None
    return EARLIER_WAVE if starts_before(other.first_wave, target.first_wave) else None


def describe_rule(cutoff: str, start: str | None, in_waves: bool) -> str:
    if in_waves:
        return (f"from waves that began before {cutoff}" + (f", each started before {start}" if start and
                                                            start != cutoff else ""))
    return f"started before {cutoff}; this struggle is in no dated wave"


def undated_notes(spans: dict[str, WaveSpan], undated_struggles: int) -> list[str]:
    """What keeps struggles out of every comparison: waves and struggles that cannot be placed in time."""
    notes = []
    blank = sum(1 for s in spans.values() if not s.start)
    if blank:
        notes.append(f"{blank} wave{'s have' if blank != 1 else ' has'} no dates and no dated struggles")
    derived = sum(1 for s in spans.values() if s.derived)
    if derived:
        plural = derived != 1
        notes.append(f"{derived} wave{'s' if plural else ''} without dates of {'their' if plural else 'its'} own "
                     f"take{'' if plural else 's'} the span of {'their' if plural else 'its'} struggles")
    if undated_struggles:
        notes.append(f"{undated_struggles} struggle{'s have' if undated_struggles != 1 else ' has'} "
                     "neither a start nor a dated wave")
    return notes


@dataclass
class Profile:
    """What two struggles are compared on."""

    slug: str
    title: str
    start: str | None
    waves: frozenset[str]
    features: dict[Feature, str]  # feature -> how a reason names it (a title, a slug or the demand's text)
    outcomes: dict[str, str] = field(default_factory=dict)  # demand key -> outcome, when the record gives one


def rarity(count: int, with_feature: int) -> float:
    """``1 + ln(N / df)``: 1 for a feature every record has, more for a rarer one."""
    return 1.0 + math.log(max(count, with_feature, 1) / max(with_feature, 1))


def compare(target: Profile, other: Profile, weight: Callable[[Feature], float],
            text: float = 0.0) -> tuple[float, list[str]]:
    """Score ``other`` against ``target`` and give the reasons: what they share, and similar text.

    ``weight(feature)`` is the feature's rarity; ``text`` the similarity of their texts in [0, 1]."""
    by_kind: dict[str, list[Feature]] = {}
    for feature in target.features.keys() & other.features.keys():
        by_kind.setdefault(feature[0], []).append(feature)
    score, reasons = 0.0, []
    for kind, words in REASONS:
        mine = by_kind.get(kind)
        if not mine:
            continue
        if len(mine) > 1:
            mine.sort(key=lambda f: (other.features[f].casefold(), f[1]))
        names = []
        for feature in mine:
            outcome = other.outcomes.get(feature[1]) if kind == "demand" else None
            names.append(other.features[feature] + (f" ({outcome} there)" if outcome else ""))
        reasons.append(f"{words}: {', '.join(names)}")
        score += WEIGHTS[kind] * sum(weight(f) for f in mine)
    if text >= TEXT_REASON:
        reasons.append("similar text")
        score += WEIGHTS["text"] * TEXT_SCALE * text
    return score, reasons


def rank_key(score: float, start: str | None, slug: str) -> tuple[Any, ...]:
    """Best first; among equals the nearest in time (the later start), then the slug, so lists are stable."""
    return (-round(score, 9), start is None, tuple(-x for x in sort_key(start)) if start else (0, 0, 0), slug)


def demand_features(values: list[str] | None) -> tuple[dict[Feature, str], dict[str, str]]:
    """A struggle's demands as features (named by their text) and their outcomes, by ``Demand.key``."""
    demands = stored_demands(values)
    features = {("demand", d.key): d.text for d in demands}
    return features, {d.key: d.outcome for d in demands if d.outcome}


@dataclass
class _Struggle:
    id: int
    slug: str
    title: str
    body: str
    start: str | None
    demands: list[str]
    tags: set[str]
    links: dict[str, set[str]]  # relation -> target slugs
    forms: set[str]  # its own forms and those of its organizations


def earlier_struggles(engine: Engine, index_dir: Path, slug: str, *, limit: int = 10) -> ContinuityResult:
    """The struggles most like ``slug`` that are earlier (``earlier_because``), with reasons and lessons,
    over every record.

    This is the archivist's view; the public one (``--public`` and the site) is ``archive.publish.earlier``."""
    with engine.connect() as conn:
        target = _load(conn, [slug]).get(slug)
        if target is None:
            raise ContinuityError(f"no struggle {slug!r}")
        spans = stored_wave_spans(conn)
        own_waves = frozenset(target.links.get("waves", set()))
        mine_placed = placement(target.start, own_waves, spans)
        in_waves = mine_placed.first_wave is not None
        if not in_waves:  # waves that cannot be placed in time leave the struggle as if in none
            mine_placed = Placement(target.start, frozenset(), None, None)
        cutoff = mine_placed.first_wave or target.start
        if not cutoff:
            notes = undated_notes({w: spans[w] for w in own_waves if w in spans}, 0)
            raise ContinuityError(f"struggle {slug!r} has neither a start date nor a dated wave to look back from"
                                  + (f" ({'; '.join(notes)})" if notes else ""))
        text_scores = {}
        candidates: set[str] = set()
        from archive.search.index import open_index  # here: the site's earlier view imports this module, not the index

        ix = open_index(index_dir)
        try:
            with ix.searcher() as searcher:
                candidates |= _shared_attribute_candidates(searcher, target)
                text_scores = _more_like_this(searcher, target)
                candidates |= set(text_scores)
                weight = _index_rarity(conn, searcher)
                loaded = _load(conn, sorted(candidates - {slug}))
                mine = _profile(target)
                earlier = []
                for other in loaded.values():
                    waves = frozenset(other.links.get("waves", set()))
                    because = earlier_because(mine_placed, placement(other.start, waves, spans))
                    if because is None:
                        continue
                    score, reasons = compare(mine, _profile(other), weight, text_scores.get(other.slug, 0.0))
                    if reasons:
                        earlier.append(Earlier(other.slug, other.title, other.start, sorted(waves), score, reasons,
                                               because=because))
        finally:
            ix.close()
        earlier.sort(key=lambda e: rank_key(e.score, e.start, e.slug))
        earlier = earlier[:limit]
        _attach_lessons(conn, earlier)
        notes = [] if earlier else undated_notes(spans, _undated_struggles(conn, spans))
    return ContinuityResult(target.slug, target.title, cutoff, earlier, target.start, in_waves, notes)


def _undated_struggles(conn, spans: dict[str, WaveSpan]) -> int:  # noqa: ANN001
    """Struggles with no start whose waves (if any) give no date either: they are never anyone's earlier."""
    wave = records_t.alias("wave")
    undated = {row.id for row in conn.execute(select(records_t.c.id).where(
        records_t.c.type == "struggle", records_t.c.is_stub.is_(False), records_t.c.start.is_(None)))}
    if not undated:
        return 0
    placed = {source for source, wave_slug in conn.execute(
        select(Link.source_id, wave.c.slug).join(wave, wave.c.id == Link.target_id)
        .where(Link.relation == "waves", Link.source_id.in_(list(undated))))
        if spans.get(wave_slug) and spans[wave_slug].end}
    return len(undated - placed)


def _profile(struggle: _Struggle) -> Profile:
    """Features named by slug: the archivist knows the records by their slugs."""
    features: dict[Feature, str] = {}
    for relation, kind in (("forces", "force"), ("organizations", "organization"), ("places", "place")):
        features.update({(kind, value): value for value in struggle.links.get(relation, set())})
    features.update({("form", form): form for form in struggle.forms})
    features.update({("grievance", tag.casefold()): tag.casefold() for tag in struggle.tags})
    demands, outcomes = demand_features(struggle.demands)
    features.update(demands)
    return Profile(struggle.slug, struggle.title, struggle.start, frozenset(struggle.links.get("waves", set())),
                   features, outcomes)


def _index_rarity(conn, searcher) -> Callable[[Feature], float]:  # noqa: ANN001
    """Rarity from the index's document frequencies (every record type holds places and tags, so both
    counts cover all documents); demands are not indexed as fields, so they are counted in the store."""
    fields = {"form": "forms", "force": "forces", "organization": "organizations", "place": "places",
              "grievance": "tags"}
    count = searcher.doc_count_all()
    demand_counts: dict[str, int] | None = None
    struggles = 0

    def weight(feature: Feature) -> float:
        nonlocal demand_counts, struggles
        kind, key = feature
        if kind != "demand":
            return rarity(count, searcher.doc_frequency(fields[kind], key))
        if demand_counts is None:
            demand_counts = {}
            for (values,) in conn.execute(select(records_t.c.demands).where(
                    records_t.c.type == "struggle", records_t.c.is_stub.is_(False))):
                struggles += 1
                for found in demand_features(values)[0]:
                    demand_counts[found[1]] = demand_counts.get(found[1], 0) + 1
        return rarity(struggles, demand_counts.get(key, 1))

    return weight


def _shared_attribute_candidates(searcher, target: _Struggle) -> set[str]:  # noqa: ANN001
    from whoosh import query as wq

    terms = [wq.Term(name, value) for name in ("forms", "forces", "organizations", "places")
             for value in target.links.get(name, set())]
    terms += [wq.Term("forms", form) for form in target.forms]
    terms += [wq.Term("tags", tag.lower()) for tag in target.tags]
    if not terms:
        return set()
    query = wq.And([wq.Term("type", "struggle"), wq.Or(terms)])
    return {hit["slug"] for hit in searcher.search(query, limit=CANDIDATES)}


def _more_like_this(searcher, target: _Struggle) -> dict[str, float]:  # noqa: ANN001
    """Whoosh's more-like-this, scored relative to the closest match (1.0)."""
    from whoosh import query as wq

    text = f"{target.title}\n{target.body}".strip()
    docnum = searcher.document_number(type="struggle", slug=target.slug)
    if docnum is None or not text:
        return {}
    hits = searcher.more_like(docnum, "body", text=text, top=CANDIDATES, filter=wq.Term("type", "struggle"))
    if not hits:
        return {}
    best = hits[0].score or 1.0
    return {hit["slug"]: hit.score / best for hit in hits}


def _load(conn, slugs: list[str]) -> dict[str, _Struggle]:  # noqa: ANN001
    if not slugs:
        return {}
    query = select(records_t.c.id, records_t.c.slug, records_t.c.title, records_t.c.body, records_t.c.start,
                   records_t.c.demands).where(records_t.c.type == "struggle", records_t.c.slug.in_(slugs),
                                              records_t.c.is_stub.is_(False))
    found = {row.id: _Struggle(row.id, row.slug, row.title, row.body or "", row.start, list(row.demands or []),
                               set(), {}, set()) for row in conn.execute(query)}
    if not found:
        return {}
    target = records_t.alias("target")
    link_rows = conn.execute(
        select(Link.source_id, Link.relation, target.c.slug, target.c.id, target.c.type)
        .join(target, target.c.id == Link.target_id).where(Link.source_id.in_(list(found))))
    organizations: dict[int, list[int]] = {}
    for source_id, relation, target_slug, target_id, target_type in link_rows:
        found[source_id].links.setdefault(relation, set()).add(target_slug)
        if relation == "forms":
            found[source_id].forms.add(target_slug)
        if target_type == "organization":
            organizations.setdefault(target_id, []).append(source_id)
    if organizations:
        for org_id, form_slug in conn.execute(
                select(Link.source_id, target.c.slug).join(target, target.c.id == Link.target_id)
                .where(Link.source_id.in_(list(organizations)), Link.relation == "form")):
            for struggle_id in organizations[org_id]:
                found[struggle_id].forms.add(form_slug)
    for record_id, names in tags_by_record(conn, list(found)).items():
        found[record_id].tags.update(names)
    return {s.slug: s for s in found.values()}


def _attach_lessons(conn, earlier: list[Earlier]) -> None:  # noqa: ANN001
    if not earlier:
        return
    sheets = records_t.alias("sheet")
    struggles = records_t.alias("struggle")
    query = (select(struggles.c.slug, sheets.c.slug, sheets.c.lessons, sheets.c.limits)
             .join(Link.__table__, Link.source_id == sheets.c.id)
             .join(struggles, struggles.c.id == Link.target_id)
             .where(sheets.c.type == "balance_sheet", Link.relation == "struggle",
                    struggles.c.slug.in_([e.slug for e in earlier]))
             .order_by(sheets.c.date, sheets.c.slug))
    by_slug = {e.slug: e for e in earlier}
    for struggle_slug, sheet_slug, lessons, limits in conn.execute(query):
        for kind, texts in (("lesson", lessons), ("limit", limits)):
            by_slug[struggle_slug].lessons.extend((sheet_slug, kind, text) for text in texts or [])
