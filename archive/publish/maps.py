"""Articulation maps: each wave's links between struggles, forces and organizations, drawn as SVG at build time.

Which articulations a wave's map shows:
- every public articulation with an end that is a struggle of the wave (so a link reaching across waves
  appears on the map of each wave it touches, with its far end drawn too);
- an articulation none of whose ends is a struggle in any wave (organizations, forces, unassigned
  struggles) belongs to the waves whose span holds its ``start`` date. A dated articulation between
  struggles of other waves is not pulled onto this map by its date: the struggles decide.
Only the records the articulations join are drawn; a wave's struggles without any articulation are
listed on the wave's page, not drawn as lone dots. Waves without an articulation get no map.

The layout: each connected component is laid out on its own by networkx's spring layout (fixed seed, nodes
and edges added in sorted order, coordinates rounded, so rebuilds are byte-identical), given a box that
grows with the square root of its size, and the boxes are packed side by side in rows, largest first
(shelf packing), so that two records joined only to each other sit next to the rest, not in a far corner
of one big spring layout. The drawing is as tall as its rows. Labels (13 units; the figure never draws
narrower than 720 px, so at least 11 px on a phone, where it scrolls sideways) go right of their mark, or
left, above or below, wherever they overlap no other label or mark; a label with no free place is left
out, its name still in the mark's link and in the list below the map. The SVG is a group of links, never
``role="img"``, which would hide its links from assistive technology (axe ``nested-interactive``).
Large networks are cut to the best-connected
``CAP`` records (ties by key), which also keeps networkx on its dense path (it needs scipy above 500
nodes) and the build fast at 10,000 struggles. Colours and dashes come from CSS classes, never inline
styles, which the Content Security Policy forbids.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from archive.dates import precedes
from archive.publish.i18n import gettext, ngettext
from archive.publish.model import Item, SiteData, time_key
from archive.publish.paths import TYPES, item_path
from archive.publish.places import Places
from archive.publish.svgtext import short_label

CAP = 150  # records drawn at most
LISTED = 300  # articulations listed below the map at most
LABELLED = 40  # above this many nodes, names only show on hover (in <title>)
SEED = 1917
WIDTH, MARGIN, LEGEND = 800, 16, 34
LABEL_CHARS = 28
FONT = 13  # label size in viewBox units (see the module's docstring)
CHAR = 0.56 * FONT  # an average character's width, to keep labels apart
UNIT = 90  # a component of n records gets a box of about UNIT * sqrt(n) on a side
GAP = 18  # between packed boxes


@dataclass
class Edge:
    """One line on the map: a pair of records and every articulation between them."""

    ends: tuple[Item, Item]
    articulations: list[Item]
    cross_border: bool


@dataclass
class Row:
    """One articulation in the text alternative below the map."""

    articulation: Item
    ends: list[Item]
    cross_border: bool
    countries: list[Item]  # the countries of the ends, when it crosses a border


@dataclass
class ArticulationMap:
    """What a wave's map draws. Plain data, so the page's fingerprint covers it; ``svg`` lays it out."""

    nodes: list[Item]  # drawn, sorted by key
    edges: list[Edge]
    rows: list[Row]
    total_nodes: int
    total_articulations: int
    drawn_articulations: int
    cross_border: int
    more_rows: int = 0
    kinds: list[str] = field(default_factory=list)  # node types present, for the legend

    def svg(self, root: str) -> Markup:
        return map_svg(self, root)


def _in_span(date: str, wave: Item) -> bool:
    start, end = wave.fields.get("start"), wave.fields.get("end")
    if not start or precedes(date, start):
        return False
    return not end or not precedes(end, date)


def wave_articulations(data: SiteData) -> dict[str, list[Item]]:
    """Each wave's articulations (see the module's docstring), in time order; one pass over them all."""
    waves = data.of_type("wave")
    out: dict[str, list[Item]] = {w.slug: [] for w in waves}
    for articulation in sorted(data.of_type("articulation"), key=time_key):
        ends = articulation.linked("between")
        if len(ends) < 2:  # the other end is not public, or was never named: nothing to draw
            continue
        own = {w.slug for e in ends if e.type == "struggle" for w in e.linked("waves", "wave")}
        if not own and articulation.fields.get("start"):
            own = {w.slug for w in waves if _in_span(articulation.fields["start"], w)}
        for slug in sorted(own):
            out[slug].append(articulation)
    return out


def build_map(articulations: list[Item], places: Places, cap: int = CAP) -> ArticulationMap | None:
    """The map of these articulations, cut to the ``cap`` best-connected records."""
    if not articulations:
        return None
    degree: dict[str, int] = defaultdict(int)
    nodes: dict[str, Item] = {}
    pairs: dict[tuple[str, str], list[Item]] = defaultdict(list)
    for articulation in articulations:
        ends = articulation.linked("between")
        for i, first in enumerate(ends):
            for second in ends[i + 1:]:
                if first is second:
                    continue
                a, b = sorted((first, second), key=lambda e: e.key)
                pairs[(a.key, b.key)].append(articulation)
                nodes[a.key], nodes[b.key] = a, b
                degree[a.key] += 1
                degree[b.key] += 1
    if not pairs:
        return None
    kept = set(sorted(nodes, key=lambda k: (-degree[k], k))[:cap])
    edges = [Edge((nodes[a], nodes[b]), arts, places.cross_border(nodes[a], nodes[b]))
             for (a, b), arts in sorted(pairs.items()) if a in kept and b in kept]
    drawn = {id(art): art for edge in edges for art in edge.articulations}
    rows = []
    for articulation in sorted(drawn.values(), key=time_key):
        ends = articulation.linked("between")
        cross = places.crosses(ends)
        countries = {c.id: c for e in ends for c in places.countries(e)} if cross else {}
        rows.append(Row(articulation, ends, cross, sorted(countries.values(), key=lambda c: c.slug)))
    drawn_nodes = sorted((nodes[k] for k in kept), key=lambda n: n.key)
    return ArticulationMap(
        nodes=drawn_nodes, edges=edges, rows=rows[:LISTED], total_nodes=len(nodes),
        total_articulations=len(articulations), drawn_articulations=len(drawn),
        cross_border=sum(1 for r in rows if r.cross_border), more_rows=max(0, len(rows) - LISTED),
        kinds=[t for t in TYPES if any(n.type == t for n in drawn_nodes)],
    )


def wave_maps(data: SiteData, places: Places) -> dict[str, ArticulationMap]:
    """A map for every wave that has at least one articulation to draw."""
    out = {}
    for slug, articulations in wave_articulations(data).items():
        drawn = build_map(articulations, places)
        if drawn is not None:
            out[slug] = drawn
    return out


Box = tuple[float, float, float, float]  # left, top, right, bottom


def _layout(amap: ArticulationMap) -> tuple[dict[str, tuple[float, float]], float]:
    """Each record's position and the drawing's height: components laid out apart and packed in rows."""
    import networkx as nx  # imported here: only builds that draw a map pay for it

    graph: nx.Graph[str] = nx.Graph()
    graph.add_nodes_from(n.key for n in amap.nodes)
    graph.add_edges_from((e.ends[0].key, e.ends[1].key, {"weight": len(e.articulations)}) for e in amap.edges)
    components = sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda c: (-len(c), c[0]))
    titles = {n.key: n.title for n in amap.nodes}
    where: dict[str, tuple[float, float]] = {}
    usable = WIDTH - 2 * MARGIN
    x, y, row_height = float(MARGIN), float(MARGIN), 0.0
    for keys in components:
        side = UNIT * math.sqrt(len(keys)) if len(keys) > 2 else 0.0
        label = CHAR * max(len(_label(titles[k])) for k in keys) + 12
        # A pair is drawn one above the other, its labels to the right: narrow enough to sit beside others.
        width, height = (min(side + label, usable), max(side, 40.0)) if side else (label + 14, 44.0)
        if x + width > WIDTH - MARGIN and x > MARGIN:
            x, y, row_height = MARGIN, y + row_height + GAP, 0.0
        if side:
            # A new graph in sorted order, not graph.subgraph(): a subgraph view iterates a set, whose
            # order changes from one process to the next, and so would the layout.
            members = set(keys)
            sub: nx.Graph[str] = nx.Graph()
            sub.add_nodes_from(keys)
            sub.add_edges_from((a, b, data) for a, b, data in sorted(graph.edges(data=True)) if a in members)
            raw = nx.spring_layout(sub, seed=SEED)
            xs, ys = [float(p[0]) for p in raw.values()], [float(p[1]) for p in raw.values()]
            inner = max(width - label, 1.0)  # the marks' part of the box; labels hang to its right
            for key, p in raw.items():
                where[key] = (_scale(float(p[0]), min(xs), max(xs), x + 8, x + inner),
                              _scale(float(p[1]), min(ys), max(ys), y + 8, y + height - 8))
        else:
            for index, key in enumerate(keys):
                where[key] = (round(x + 8, 1), round(y + 10 + 24 * index, 1))
        x += width + GAP
        row_height = max(row_height, height)
    return where, y + row_height + MARGIN


def _scale(value: float, low: float, high: float, lo: float, hi: float) -> float:
    if high - low < 1e-9:
        return round((lo + hi) / 2, 1)
    return round(lo + (value - low) / (high - low) * (hi - lo), 1)


def _overlaps(box: Box, others: list[Box]) -> bool:
    return any(box[0] < o[2] and o[0] < box[2] and box[1] < o[3] and o[1] < box[3] for o in others)


def place_labels(where: dict[str, tuple[float, float]], titles: dict[str, str],
                 height: float) -> dict[str, tuple[float, float, str]]:
    """Where each label goes (x, y, anchor): beside its mark where it overlaps no label and no mark, in the
    order right, left, below, above; a label with no free place is left out (see the module's docstring)."""
    taken: list[Box] = [(x - 8, y - 8, x + 8, y + 8) for x, y in where.values()]
    out = {}
    for key in sorted(where, key=lambda k: (where[k][1], where[k][0], k)):
        x, y = where[key]
        width = CHAR * len(_label(titles[key]))
        under = min(max(x - width / 2, 3.0), WIDTH - 3 - width)  # centred under or over, kept inside
        tries = [(x + 10, y + FONT / 3, "start"), (x - 10, y + FONT / 3, "end"),
                 (under, y + 8 + FONT, "start"), (under, y - 10, "start")]
        for tx, ty, anchor in tries:
            left = tx - width if anchor == "end" else tx
            box = (left, ty - FONT, left + width, ty + 3)
            if box[0] < 2 or box[2] > WIDTH - 2 or box[1] < 2 or box[3] > height - LEGEND:
                continue
            mine = (x - 8, y - 8, x + 8, y + 8)
            if not _overlaps(box, [t for t in taken if t != mine]):
                taken.append(box)
                out[key] = (round(tx, 1), round(ty, 1), anchor)
                break
    return out


def _shape(record_type: str, x: float, y: float) -> tuple[str, str]:
    """The opening tag of a record type's mark (its shape tells the type without colour) and its name."""
    cls = f'class="map-node map-{record_type}"'
    if record_type == "struggle":
        return f'<circle {cls} cx="{x:.1f}" cy="{y:.1f}" r="6">', "circle"
    if record_type == "organization":
        return f'<rect {cls} x="{x - 5.5:.1f}" y="{y - 5.5:.1f}" width="11" height="11">', "rect"
    if record_type == "force":  # a diamond
        corners = [(x, y - 7), (x + 7, y), (x, y + 7), (x - 7, y)]
    else:  # a triangle for anything else an articulation may join
        corners = [(x, y - 7), (x + 6.5, y + 5), (x - 6.5, y + 5)]
    points = " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in corners)
    return f'<polygon {cls} points="{points}">', "polygon"


def _label(title: str) -> str:
    return short_label(title, LABEL_CHARS)


def map_svg(amap: ArticulationMap, root: str) -> Markup:
    """The network as inline SVG: lines for articulations (dashed across borders), shapes by record type."""
    where, plot_height = _layout(amap)
    height = round(plot_height + LEGEND)
    parts = [f'<svg class="artmap" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="group" '
             'aria-labelledby="artmap-title artmap-desc" xmlns="http://www.w3.org/2000/svg">',
             '<title id="artmap-title">{}</title>'.format(escape(ngettext(
                 "Articulation map: %(records)s records joined by %(num)s articulation",
                 "Articulation map: %(records)s records joined by %(num)s articulations",
                 amap.drawn_articulations) % {"records": len(amap.nodes), "num": amap.drawn_articulations})),
             '<desc id="artmap-desc">{}</desc>'.format(escape(gettext(
                 "Lines are articulations; dashed lines cross a border (%(num)s). The list below the map gives "
                 "every link drawn.") % {"num": amap.cross_border}))]
    for edge in amap.edges:
        (x1, y1), (x2, y2) = where[edge.ends[0].key], where[edge.ends[1].key]
        names = "; ".join(f"{a.title}" + (f" ({a.fields['kind']})" if a.fields.get("kind") else "")
                          for a in edge.articulations)
        title = f"{edge.ends[0].title} – {edge.ends[1].title}: {names}"
        if edge.cross_border:
            title += " " + gettext("(across borders)")
        cls = "map-edge map-cross" if edge.cross_border else "map-edge"
        parts.append(f'<a href="{escape(root + item_path(edge.articulations[0]))}" aria-label="{escape(title)}">'
                     f'<line class="{cls}" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}">'
                     f'<title>{escape(title)}</title></line></a>')
    labels = place_labels(where, {n.key: n.title for n in amap.nodes}, height) \
        if len(amap.nodes) <= LABELLED else {}
    for node in amap.nodes:
        x, y = where[node.key]
        shape, tag = _shape(node.type, x, y)
        name = f"{node.title} ({gettext(TYPES[node.type][1])})"
        parts.append(f'<a href="{escape(root + item_path(node))}" aria-label="{escape(name)}">{shape}'
                     f'<title>{escape(name)}</title></{tag}>')
        if node.key in labels:
            lx, ly, anchor = labels[node.key]
            anchor_attr = ' text-anchor="end"' if anchor == "end" else ""
            parts.append(f'<text class="map-label" x="{lx:.1f}" y="{ly:.1f}"{anchor_attr}>'
                         f'{escape(_label(node.title))}</text>')
        parts.append("</a>")
    parts.append(_legend(amap, height))
    parts.append("</svg>")
    return Markup("".join(parts))


def _legend(amap: ArticulationMap, height: float) -> str:
    y = height - LEGEND / 2
    x = float(MARGIN)
    out = [f'<g class="map-legend" transform="translate(0 {y:.0f})">']
    for record_type in amap.kinds:
        shape, tag = _shape(record_type, x + 6, 0)
        out.append(f"{shape}</{tag}>")
        label = gettext(TYPES[record_type][1])
        out.append(f'<text class="map-legend-label" x="{x + 16:.1f}" y="4">{escape(label)}</text>')
        x += 30 + CHAR * len(label)
    out.append(f'<line class="map-edge" x1="{x:.1f}" y1="0" x2="{x + 28:.1f}" y2="0"/>'
               f'<text class="map-legend-label" x="{x + 34:.1f}" y="4">{escape(gettext("Articulation"))}</text>')
    x += 34 + CHAR * len(gettext("Articulation")) + 14
    out.append(f'<line class="map-edge map-cross" x1="{x:.1f}" y1="0" x2="{x + 28:.1f}" y2="0"/>'
               f'<text class="map-legend-label" x="{x + 34:.1f}" y="4">{escape(gettext("Across borders"))}</text>')
    out.append("</g>")
    return "".join(out)
