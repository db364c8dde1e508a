"""Lineage across waves: which organizations (and forms) an organization (or form) came from and led to.

Stored links read one way ("A split from B", "A merged into B"); a page wants them as ancestors and
descendants. ``LineageIndex`` turns every lineage link of the public projection into an edge from parent
to child once per build (O(links)), together with the waves each organization or form was active in, so
that a page only walks its own neighbourhood. The walk is breadth first, remembers what it has seen (a
cycle in the records cannot loop) and stops at ``MAX_DEPTH`` generations or ``MAX_SHOWN`` records, so one
huge family cannot make every page of it huge.

A form's page also gets its instances (organizations of the form, struggles that used it) on an SVG
timeline drawn here at build time, in the style of ``timeline.py``: escaped text, relative links, CSS
classes for colour, deterministic output.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from archive.dates import sort_key
from archive.public import names_in_search_text
from archive.publish.i18n import N_, gettext
from archive.publish.model import Item, SiteData, time_key
from archive.publish.paths import item_path
from archive.publish.svgtext import short_label
from archive.publish.timeline import year_axis
from archive.search.analysis import LINEAGE_RELATIONS

# relation -> True when the source descends from the target ("A split from B": B is A's parent).
SOURCE_DESCENDS = {"succeeded_by": False, "merged_into": False, "split_from": True, "grew_out_of": True,
                   "variant_of": True}
# The stored link read as a sentence: "<source> <words> <target>".
# The words are msgids: the page shows them translated.
WORDS = {"succeeded_by": N_("was succeeded by"), "split_from": N_("split from"), "merged_into": N_("merged into"),
         "grew_out_of": N_("grew out of"), "variant_of": N_("is a variant of")}
RELATIONS_OF = {"organization": ("succeeded_by", "split_from", "merged_into", "grew_out_of"),
                "form": ("variant_of",)}
assert set(WORDS) == set(SOURCE_DESCENDS) == set(LINEAGE_RELATIONS)

MAX_DEPTH = 8  # generations each way; real federations rarely pass four or five
MAX_SHOWN = 40  # records each way on one page
MAX_ROWS = 60  # instances drawn on a form's timeline; the rest are "and N more", linked to full lists


@dataclass
class Edge:
    """One stored lineage link, seen from one of its ends: ``other`` is the record at the far end."""

    other: Item
    source: Item
    relation: str
    target: Item
    date: str | None

    @property
    def words(self) -> str:
        return WORDS[self.relation]


@dataclass
class Step:
    """A record in a lineage, the link that reached it, and what the page says about it."""

    item: Item
    edge: Edge
    depth: int
    waves: list[Item]
    form: Item | None
    children: list[Step] = field(default_factory=list)


@dataclass
class Lineage:
    """An organization's or form's ancestors and descendants as trees (nearest generation first)."""

    ancestors: list[Step]
    descendants: list[Step]
    count: int  # records shown, both ways
    truncated: bool  # a cap was hit: the lineage goes further than shown

    def __bool__(self) -> bool:
        return bool(self.ancestors or self.descendants)


def _year(date: str | None) -> int | None:
    return sort_key(date)[0] if date else None


def _edge_key(edge: Edge) -> tuple:
    return (edge.date is None, sort_key(edge.date) if edge.date else (0, 0, 0), time_key(edge.other), edge.relation)


class LineageIndex:
    """Parents, children and waves of every organization and form, computed once per build."""

    def __init__(self, data: SiteData) -> None:
        self.parents: dict[int, list[Edge]] = defaultdict(list)
        self.children: dict[int, list[Edge]] = defaultdict(list)
        for record_type, relations in RELATIONS_OF.items():
            for source in data.of_type(record_type):
                for relation in relations:
                    for target in source.linked(relation, record_type):
                        if target is source:
                            continue  # "A split from A" says nothing
                        child, parent = (source, target) if SOURCE_DESCENDS[relation] else (target, source)
                        date = source.link_date(relation, target)
                        self.parents[child.id].append(Edge(parent, source, relation, target, date))
                        self.children[parent.id].append(Edge(child, source, relation, target, date))
        for edges in (*self.parents.values(), *self.children.values()):
            edges.sort(key=_edge_key)
        # Waves an organization or form was active in: those of the struggles it took part in or served.
        self.waves: dict[int, list[Item]] = {}
        for org in data.of_type("organization"):
            self.waves[org.id] = _waves_of(org.joined("struggles", "organizations", "struggle"))
        for form in data.of_type("form"):
            self.waves[form.id] = _waves_of(form.linking("forms", "struggle"))
        self.all_waves = sorted(data.of_type("wave"), key=time_key)
        years = [_year(i.date) for items in data.items.values() for i in items.values() if i.date]
        self.last_year = max((y for y in years if y is not None), default=None)

    def lineage(self, item: Item) -> Lineage:
        """``item``'s ancestors and descendants, transitively, capped by ``MAX_DEPTH`` and ``MAX_SHOWN``."""
        ancestors, up_cut = self._walk(item, self.parents)
        descendants, down_cut = self._walk(item, self.children)
        count = sum(_size(s) for s in ancestors) + sum(_size(s) for s in descendants)
        return Lineage(ancestors, descendants, count, up_cut or down_cut)

    def _walk(self, start: Item, edges: dict[int, list[Edge]]) -> tuple[list[Step], bool]:
        roots: list[Step] = []
        seen = {start.id}
        frontier: list[tuple[Item, Step | None]] = [(start, None)]
        shown, depth, truncated = 0, 0, False
        while frontier:
            depth += 1
            following: list[tuple[Item, Step | None]] = []
            for node, step in frontier:
                for edge in edges.get(node.id, []):
                    if edge.other.id in seen:
                        continue
                    if depth > MAX_DEPTH or shown >= MAX_SHOWN:
                        return roots, True
                    seen.add(edge.other.id)
                    shown += 1
                    form = edge.other.linked("form")
                    found = Step(edge.other, edge, depth, self.waves.get(edge.other.id, []), form[0] if form else None)
                    (step.children if step else roots).append(found)
                    following.append((edge.other, found))
            frontier = following
        return roots, truncated

    def instances(self, form: Item) -> list[Item]:
        """Every organization of ``form`` and every struggle that used it, in time order."""
        return sorted(form.linking("form", "organization") + form.linking("forms", "struggle"), key=time_key)

    def form_timeline(self, instances: list[Item], root: str) -> Markup:
        """A form's ``instances`` on an SVG timeline (see ``instances_svg``)."""
        return instances_svg(instances, self.all_waves, root, self.last_year)


def _size(step: Step) -> int:
    return 1 + sum(_size(c) for c in step.children)


def _waves_of(struggles: list[Item]) -> list[Item]:
    waves: dict[int, Item] = {}
    for struggle in struggles:
        for wave in struggle.linked("waves"):
            waves[wave.id] = wave
    return sorted(waves.values(), key=time_key)


# The form timeline

WIDTH, LABEL, RIGHT, ROW, TOP, AXIS = 800, 230, 16, 20, 34, 24
LABEL_CHARS = 30  # at 12.5 units (CSS) a label fits the LABEL column; never under 11 px at 720 px wide


def _short(title: str) -> str:
    return short_label(title, LABEL_CHARS)


def _span(item: Item) -> tuple[int | None, int | None]:
    if item.type == "organization":
        return _year(item.fields.get("founded")), _year(item.fields.get("dissolved"))
    return _year(item.fields.get("start")), _year(item.fields.get("end"))


def instances_svg(instances: list[Item], waves: list[Item], root: str, last_year: int | None,
                  rows: int = MAX_ROWS) -> Markup:
    """One row per instance (the first ``rows``): an organization is a bar from founded to dissolved (an
    open end runs to ``last_year``, the newest year in the data, and is drawn dashed); a struggle is a
    mark at its start with a line to its end. Waves are shaded bands behind the rows. Empty when no
    instance has a date."""
    shown = instances[:rows]
    spans = {i.id: _span(i) for i in shown}
    years = [y for s in spans.values() for y in s if y is not None]
    if not years:
        return Markup("")
    first = min(years)
    last = max(years + ([last_year] if last_year is not None else []))
    span_years = max(1, last - first + 1)
    plot = WIDTH - LABEL - RIGHT
    height = TOP + len(shown) * ROW + AXIS

    def x(year: float) -> float:
        return LABEL + (year - first) / span_years * plot

    parts = [f'<svg class="timeline form-timeline" viewBox="0 0 {WIDTH} {height}" '
             f'aria-labelledby="form-timeline-title" xmlns="http://www.w3.org/2000/svg">',
             '<title id="form-timeline-title">{}</title>'.format(escape(gettext(
                 "Instances of this form, %(first)s to %(last)s: bars are organizations (dashed where still open), "
                 "dots are struggles, shaded bands are waves") % {"first": first, "last": last}))]
    bottom = TOP + len(shown) * ROW
    band = 0
    for wave in waves:
        start, end = _year(wave.fields.get("start")), _year(wave.fields.get("end"))
        if start is None or start > last or (end is not None and end < first):
            continue
        left, right = x(max(start, first)), x(min(end if end is not None else last, last) + 1)
        anchor = f'x="{right - 2:.1f}" text-anchor="end"' if left > LABEL + plot / 2 else f'x="{left + 2:.1f}"'
        parts.append(f'<a href="{escape(root + item_path(wave))}"><rect class="wave-band" x="{left:.1f}" '
                     f'y="{TOP - 6}" width="{max(right - left, 2):.1f}" height="{bottom - TOP + 6}">'
                     f'<title>{escape(wave.title)}</title></rect><text class="wave-label" {anchor} '
                     f'y="{12 + (band % 2) * 12}">{escape(_short(wave.title))}</text></a>')
        band += 1
    for row, item in enumerate(shown):
        top = TOP + row * ROW
        middle = top + ROW / 2
        start, end = spans[item.id]
        href = escape(root + item_path(item))
        title = escape(item.title)
        parts.append(f'<a href="{href}" class="instance instance-{item.type}"><title>{title}</title>'
                     f'<text class="instance-label" x="{LABEL - 6}" y="{middle + 4:.1f}" text-anchor="end">'
                     f'{escape(_short(item.title))}</text>')
        if item.type == "organization" and (start is not None or end is not None):
            open_end = end is None
            begin = start if start is not None else end
            stop = last if open_end else end
            assert begin is not None and stop is not None
            kind = "instance-bar open" if open_end else "instance-bar"
            dates = f"{item.fields.get('founded', '?')}–{item.fields.get('dissolved', '')}"
            parts.append(f'<rect class="{kind}" x="{x(begin):.1f}" y="{top + 4}" '
                         f'width="{max(x(max(stop, begin) + 1) - x(begin), 2):.1f}" height="{ROW - 8}">'
                         f'<title>{title}, {escape(dates)}</title></rect>')
        elif start is not None:
            if end is not None and end > start:
                parts.append(f'<line class="instance-span" x1="{x(start + 0.5):.1f}" y1="{middle:.1f}" '
                             f'x2="{x(end + 0.5):.1f}" y2="{middle:.1f}"/>')
            parts.append(f'<circle class="instance-mark" cx="{x(start + 0.5):.1f}" cy="{middle:.1f}" r="4">'
                         f'<title>{title}, {escape(item.fields.get("start", ""))}</title></circle>')
        else:
            undated = escape(gettext("date unknown"))
            parts.append(f'<text class="instance-undated" x="{LABEL + 4}" y="{middle + 4:.1f}">{undated}</text>')
        parts.append("</a>")
    parts.append(year_axis(x, LABEL, WIDTH - RIGHT, bottom, first, last, bottom + 16))
    parts.append("</svg>")
    return Markup("".join(parts))


def lineage_names(item: Item) -> list[str]:
    """The names of the records ``item``'s own lineage fields point to, as the search index holds them.

    The projection decides which (``archive.public.names_in_search_text``: never-embargoed targets, in
    relation then link order), and ``archive search --public`` indexes the same list, so the site's
    ranking stays equal to it."""
    return names_in_search_text(item, LINEAGE_RELATIONS)
