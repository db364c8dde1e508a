"""Earlier struggles like this one: the bridge between the peaks.

For a struggle, find struggles from *earlier waves* that resemble it, say why, and bring along the
lessons their balance sheets drew. Candidates come from the search index, never from comparing every
pair of struggles:

1. one query over the index's link and tag fields for the struggle's organizational forms, social forces,
   organizations, places and grievances (tags);
2. Whoosh's more-like-this on the struggle's own text.

Only then is each candidate read from the store, kept if it belongs to a wave that began before the
struggle's first wave (and to none of the struggle's waves), and scored by what it shares.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, select, true
from whoosh import query as wq

from archive.canonical import tags_by_record
from archive.dates import sort_key
from archive.index import open_index
from archive.models import Link, Record
from archive.public import public_clause

records_t = Record.__table__
CANDIDATES = 200  # per index query; the store is read only for these
WEIGHTS = {"form": 3.0, "force": 2.0, "demand": 2.0, "organization": 1.5, "grievance": 1.0, "place": 1.0,
           "text": 2.0}


class ContinuityError(Exception):
    """The struggle is unknown or has no date to look back from."""


@dataclass
class Earlier:
    slug: str
    title: str
    start: str | None
    waves: list[str]
    score: float
    reasons: list[str] = field(default_factory=list)
    lessons: list[tuple[str, str]] = field(default_factory=list)  # (balance sheet slug, lesson or limit)


@dataclass
class ContinuityResult:
    slug: str
    title: str
    cutoff: str
    earlier: list[Earlier]


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


def earlier_struggles(engine: Engine, index_dir: Path, slug: str, *, limit: int = 10,
                      public_only: bool = False) -> ContinuityResult:
    """The struggles most like ``slug`` from earlier waves, with reasons and lessons."""
    with engine.connect() as conn:
        target = _load(conn, [slug], public_only).get(slug)
        if target is None:
            raise ContinuityError(f"no {'public ' if public_only else ''}struggle {slug!r}")
        wave_starts = _wave_starts(conn)
        own_waves = target.links.get("waves", set())
        starts = [wave_starts[w] for w in own_waves if wave_starts.get(w)]
        cutoff = min(starts, key=sort_key) if starts else target.start
        if not cutoff:
            raise ContinuityError(f"struggle {slug!r} has neither a wave nor a start date to look back from")
        text_scores = {}
        candidates: set[str] = set()
        ix = open_index(index_dir)
        try:
            with ix.searcher() as searcher:
                candidates |= _shared_attribute_candidates(searcher, target)
                text_scores = _more_like_this(searcher, target)
                candidates |= set(text_scores)
        finally:
            ix.close()
        candidates.discard(slug)
        loaded = _load(conn, sorted(candidates), public_only)
        earlier = []
        for other in loaded.values():
            waves = other.links.get("waves", set())
            if not waves or waves & own_waves:
                continue
            if not any(wave_starts.get(w) and sort_key(wave_starts[w]) < sort_key(cutoff) for w in waves):
                continue
            item = _compare(target, other, text_scores.get(other.slug, 0.0))
            if item.reasons:
                earlier.append(item)
        earlier.sort(key=lambda e: (-e.score, e.start or "", e.slug))
        earlier = earlier[:limit]
        _attach_lessons(conn, earlier, public_only)
    return ContinuityResult(target.slug, target.title, cutoff, earlier)


def _shared_attribute_candidates(searcher, target: _Struggle) -> set[str]:  # noqa: ANN001
    terms = [wq.Term(name, value) for name in ("forms", "forces", "organizations", "places")
             for value in target.links.get(name, set())]
    terms += [wq.Term("forms", form) for form in target.forms]
    terms += [wq.Term("tags", tag.lower()) for tag in target.tags]
    if not terms:
        return set()
    query = wq.And([wq.Term("type", "struggle"), wq.Or(terms)])
    return {hit["slug"] for hit in searcher.search(query, limit=CANDIDATES)}


def _more_like_this(searcher, target: _Struggle) -> dict[str, float]:  # noqa: ANN001
    text = f"{target.title}\n{target.body}".strip()
    docnum = searcher.document_number(type="struggle", slug=target.slug)
    if docnum is None or not text:
        return {}
    hits = searcher.more_like(docnum, "body", text=text, top=CANDIDATES, filter=wq.Term("type", "struggle"))
    if not hits:
        return {}
    best = hits[0].score or 1.0
    return {hit["slug"]: hit.score / best for hit in hits}


def _compare(target: _Struggle, other: _Struggle, text_score: float) -> Earlier:
    reasons: list[str] = []
    score = 0.0

    def shared(kind: str, label: str, mine: set[str], theirs: set[str]) -> None:
        nonlocal score
        common = sorted(mine & theirs)
        if common:
            reasons.append(f"{label}: {', '.join(common)}")
            score += WEIGHTS[kind] * len(common)

    shared("form", "same organizational form", target.forms, other.forms)
    shared("force", "same social force", target.links.get("forces", set()), other.links.get("forces", set()))
    shared("organization", "same organization", target.links.get("organizations", set()),
           other.links.get("organizations", set()))
    shared("grievance", "same grievance", {t.lower() for t in target.tags}, {t.lower() for t in other.tags})
    shared("place", "same place", target.links.get("places", set()), other.links.get("places", set()))
    shared("demand", "same demand", {d.casefold() for d in target.demands}, {d.casefold() for d in other.demands})
    if text_score >= 0.2:
        reasons.append(f"similar text ({text_score:.0%} of the closest match)")
        score += WEIGHTS["text"] * text_score
    return Earlier(other.slug, other.title, other.start, sorted(other.links.get("waves", set())), score, reasons)


def _load(conn, slugs: list[str], public_only: bool) -> dict[str, _Struggle]:  # noqa: ANN001
    if not slugs:
        return {}
    query = select(records_t.c.id, records_t.c.slug, records_t.c.title, records_t.c.body, records_t.c.start,
                   records_t.c.demands).where(records_t.c.type == "struggle", records_t.c.slug.in_(slugs),
                                              records_t.c.is_stub.is_(False))
    if public_only:
        query = query.where(public_clause())
    found = {row.id: _Struggle(row.id, row.slug, row.title, row.body or "", row.start, list(row.demands or []),
                               set(), {}, set()) for row in conn.execute(query)}
    if not found:
        return {}
    target = records_t.alias("target")
    # With public_only, a link counts only when its target is public too.
    visible = public_clause(table=target) if public_only else true()
    link_rows = conn.execute(
        select(Link.source_id, Link.relation, target.c.slug, target.c.id, target.c.type)
        .join(target, target.c.id == Link.target_id).where(Link.source_id.in_(list(found)), visible))
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
                .where(Link.source_id.in_(list(organizations)), Link.relation == "form", visible)):
            for struggle_id in organizations[org_id]:
                found[struggle_id].forms.add(form_slug)
    for record_id, names in tags_by_record(conn, list(found)).items():
        found[record_id].tags.update(names)
    return {s.slug: s for s in found.values()}


def _wave_starts(conn) -> dict[str, str | None]:  # noqa: ANN001
    return dict(conn.execute(select(records_t.c.slug, records_t.c.start).where(records_t.c.type == "wave")).all())


def _attach_lessons(conn, earlier: list[Earlier], public_only: bool) -> None:  # noqa: ANN001
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
    if public_only:
        query = query.where(public_clause(table=sheets))
    by_slug = {e.slug: e for e in earlier}
    for struggle_slug, sheet_slug, lessons, limits in conn.execute(query):
        for text in [*(lessons or []), *(f"limit: {limit}" for limit in (limits or []))]:
            by_slug[struggle_slug].lessons.append((sheet_slug, text))
