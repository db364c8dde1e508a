"""Articulation maps: each wave's links between struggles, forces and organizations, drawn as SVG at build time.

Which articulations a wave's map shows:
- every public articulation with an end that is a struggle of the wave (so a link reaching across waves
  appears on the map of each wave it touches, with its far end drawn too);
- an articulation none of whose ends is a struggle in any wave (organizations, forces, unassigned
  struggles) belongs to the waves whose span holds its ``start`` date. A dated articulation between
  struggles of other waves is not pulled onto this map by its date: the struggles decide.
Only the records the articulations join are drawn; a wave's struggles without any articulation are
listed on the wave's page, not drawn as lone dots. Waves without an articulation get no map.

The layout is networkx's spring layout with a fixed seed over nodes and edges added in sorted order, and
coordinates are rounded, so rebuilds are byte-identical. Large networks are cut to the best-connected
``CAP`` records (ties by key), which also keeps networkx on its dense path (it needs scipy above 500
nodes) and the build fast at 10,000 struggles. Colours and dashes come from CSS classes, never inline
styles, which the Content Security Policy forbids.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from archive.dates import precedes
from archive.publish.model import Item, SiteData, time_key
from archive.publish.paths import TYPES, item_path
from archive.publish.places import Places

CAP = 150  # records drawn at most
LISTED = 300  # articulations listed below the map at most
LABELLED = 40  # above this many nodes, names only show on hover (in <title>)
SEED = 1917
WIDTH, HEIGHT, MARGIN, LEGEND = 800, 520, 30, 34
LABEL_CHARS = 28


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


def _layout(amap: ArticulationMap) -> dict[str, tuple[float, float]]:
    import networkx as nx  # imported here: only builds that draw a map pay for it

    graph = nx.Graph()
    graph.add_nodes_from(n.key for n in amap.nodes)
    graph.add_edges_from((e.ends[0].key, e.ends[1].key, {"weight": len(e.articulations)}) for e in amap.edges)
    raw = nx.spring_layout(graph, seed=SEED)
    xs = [float(p[0]) for p in raw.values()]
    ys = [float(p[1]) for p in raw.values()]
    left, right, top, bottom = MARGIN, WIDTH - MARGIN, MARGIN, HEIGHT - MARGIN - LEGEND

    def scale(value: float, low: float, high: float, lo: float, hi: float) -> float:
        if high - low < 1e-9:
            return round((lo + hi) / 2, 1)
        return round(lo + (value - low) / (high - low) * (hi - lo), 1)

    return {key: (scale(float(p[0]), min(xs), max(xs), left, right), scale(float(p[1]), min(ys), max(ys), top, bottom))
            for key, p in raw.items()}


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
    return title if len(title) <= LABEL_CHARS else title[:LABEL_CHARS - 1].rstrip() + "…"


def map_svg(amap: ArticulationMap, root: str) -> Markup:
    """The network as inline SVG: lines for articulations (dashed across borders), shapes by record type."""
    where = _layout(amap)
    parts = [f'<svg class="artmap" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             'aria-labelledby="artmap-title artmap-desc" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="artmap-title">Articulation map: {len(amap.nodes)} records joined by '
             f'{amap.drawn_articulations} articulations</title>',
             f'<desc id="artmap-desc">Lines are articulations; dashed lines cross a border '
             f'({amap.cross_border}). The list below the map gives every link drawn.</desc>']
    for edge in amap.edges:
        (x1, y1), (x2, y2) = where[edge.ends[0].key], where[edge.ends[1].key]
        names = "; ".join(f"{a.title}" + (f" ({a.fields['kind']})" if a.fields.get("kind") else "")
                          for a in edge.articulations)
        title = f"{edge.ends[0].title} – {edge.ends[1].title}: {names}"
        if edge.cross_border:
            title += " (across borders)"
        cls = "map-edge map-cross" if edge.cross_border else "map-edge"
        parts.append(f'<a href="{escape(root + item_path(edge.articulations[0]))}"><line class="{cls}" '
                     f'x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}">'
                     f'<title>{escape(title)}</title></line></a>')
    labelled = len(amap.nodes) <= LABELLED
    for node in amap.nodes:
        x, y = where[node.key]
        shape, tag = _shape(node.type, x, y)
        parts.append(f'<a href="{escape(root + item_path(node))}">{shape}<title>{escape(node.title)} '
                     f'({escape(TYPES[node.type][1])})</title></{tag}>')
        if labelled:
            anchor = f'x="{x - 9:.1f}" text-anchor="end"' if x > WIDTH * 0.7 else f'x="{x + 9:.1f}"'
            parts.append(f'<text class="map-label" {anchor} y="{y + 4:.1f}">{escape(_label(node.title))}</text>')
        parts.append("</a>")
    parts.append(_legend(amap))
    parts.append("</svg>")
    return Markup("".join(parts))


def _legend(amap: ArticulationMap) -> str:
    y = HEIGHT - LEGEND / 2
    x = MARGIN
    out = [f'<g class="map-legend" transform="translate(0 {y:.0f})">']
    for record_type in amap.kinds:
        shape, tag = _shape(record_type, x + 6, 0)
        out.append(f"{shape}</{tag}>")
        label = TYPES[record_type][1]
        out.append(f'<text class="map-legend-label" x="{x + 16}" y="4">{escape(label)}</text>')
        x += 30 + 7 * len(label)
    out.append(f'<line class="map-edge" x1="{x}" y1="0" x2="{x + 28}" y2="0"/>'
               f'<text class="map-legend-label" x="{x + 34}" y="4">Articulation</text>')
    x += 34 + 7 * len("Articulation") + 14
    out.append(f'<line class="map-edge map-cross" x1="{x}" y1="0" x2="{x + 28}" y2="0"/>'
               f'<text class="map-legend-label" x="{x + 34}" y="4">Across borders</text>')
    out.append("</g>")
    return "".join(out)
