"""Maps of places: the archive's located places, and each wave's, drawn as SVG at build time.

A mark is a public place with both ``lat`` and ``lon``, and a link to the place's page. The whole-archive
map marks every located place; a wave's map marks the places of the wave's struggles. A struggle whose
place has no coordinates is counted at the nearest enclosing place that has them (Brooklyn at New York
City); a place with no located place above it is listed below the map as "not on the map", never guessed.

The land is Natural Earth's 1:110m outline (public domain), bundled as ``world/land.json`` (made by
``tools/make_world_outline.py``): no tiles, no request outside the site. The projection is
equirectangular, its width scaled by the cosine of the view's middle latitude; the whole-archive map
shows the world without Antarctica, a wave's map the box around its marks with a margin (so a wave in one
country is not a dot on a world map). Rings outside the view are left out of the path.

Labels (13 units; the figure never draws narrower than 720 px, so at least 11 px on a phone, where it
scrolls sideways) go beside their mark where they overlap no other label or mark, the places with the most
struggles first (``LABELLED`` at most); a label with no free place is left out, the name still in the mark's
link and in the list beside the map. A map draws at most ``DRAWN`` places, the busiest, and lists at most
``LISTED`` places without coordinates, saying how many more there are: a page stays readable and its size
bounded at 100,000 places. The SVG is a group of links, never ``role="img"`` (axe ``nested-interactive``), coloured
by CSS classes only (the Content Security Policy forbids inline styles). Coordinates are rounded and every
list sorted, so rebuilds are byte-identical.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup, escape

from archive.publish.model import Item, SiteData, time_key
from archive.publish.paths import item_path
from archive.publish.svgtext import short_label

OUTLINE = Path(__file__).resolve().parent / "world" / "land.json"
WIDTH = 800  # with FONT 13 and a 720 px minimum, a label is at least 11.7 px
FONT = 13  # label size in viewBox units (see the module's docstring)
CHAR = 0.56 * FONT
LABEL_CHARS = 24
DRAWN = 400  # marks drawn at most: the places with the most struggles (ties by name)
LABELLED = 80  # of those, the busiest get a label where it fits
LISTED = 200  # places without coordinates listed at most
WORLD = (-180.0, 180.0, -58.0, 84.0)  # west, east, south, north: the inhabited world
MIN_SPAN = 24.0  # degrees of latitude a wave's map shows at least
RATIO = (1.6, 2.4)  # width / height of a wave's map, at most and least


@dataclass
class Mark:
    """A located place on a map and the records counted there."""

    place: Item
    lat: float
    lon: float
    struggles: list[Item] = field(default_factory=list)


@dataclass
class PlaceMap:
    """What a map draws. Plain data, so the page's fingerprint covers it; ``svg`` lays it out."""

    marks: list[Mark]  # drawn (at most DRAWN), sorted by place title
    unlocated: list[Item]  # places in scope with no located place above them (at most LISTED), by title
    world: bool  # the whole world, or the box around the marks
    more_marks: int = 0  # located places not drawn
    more_unlocated: int = 0

    def svg(self, root: str, title: str) -> Markup:
        return map_svg(self, root, title)


def coordinates(place: Item) -> tuple[float, float] | None:
    lat, lon = place.fields.get("lat"), place.fields.get("lon")
    if lat is None or lon is None:
        return None
    return float(lat), float(lon)


def located_above(place: Item) -> Item | None:
    """The place itself if it has coordinates, else the nearest enclosing place that has them."""
    seen: set[int] = set()
    node: Item | None = place
    while node is not None and node.id not in seen:
        if coordinates(node) is not None:
            return node
        seen.add(node.id)
        parents = node.linked("parent", "place")
        node = parents[0] if parents else None
    return None


def _collect(places: list[Item], struggles: list[Item], world: bool) -> PlaceMap:
    marks: dict[int, Mark] = {}
    unlocated: dict[int, Item] = {}

    def mark_for(place: Item) -> Mark | None:
        target = located_above(place)
        if target is None:
            unlocated[place.id] = place
            return None
        if target.id not in marks:
            lat, lon = coordinates(target)  # type: ignore[misc]
            marks[target.id] = Mark(target, lat, lon)
        return marks[target.id]

    for place in places:
        mark_for(place)
    counted: set[tuple[int, int]] = set()  # (mark, struggle): a struggle counts once at a mark
    for struggle in sorted(struggles, key=time_key):
        for place in struggle.linked("places", "place"):
            mark = mark_for(place)
            if mark is not None and (mark.place.id, struggle.id) not in counted:
                counted.add((mark.place.id, struggle.id))
                mark.struggles.append(struggle)
    by_name = functools.partial(sorted, key=lambda m: (m.place.title.casefold(), m.place.slug))
    busiest = sorted(marks.values(), key=lambda m: (-len(m.struggles), m.place.title.casefold(), m.place.slug))
    missing = sorted(unlocated.values(), key=lambda p: (p.title.casefold(), p.slug))
    return PlaceMap(by_name(busiest[:DRAWN]), missing[:LISTED], world, max(0, len(busiest) - DRAWN),
                    max(0, len(missing) - LISTED))


def archive_map(data: SiteData) -> PlaceMap | None:
    """Every located public place, with the struggles at it; None when no place has coordinates."""
    located = [p for p in data.of_type("place") if coordinates(p) is not None]
    if not located:
        return None
    return _collect(located, data.of_type("struggle"), world=True)


def wave_map(wave: Item) -> PlaceMap | None:
    """The places of the wave's struggles; None when the struggles name no place."""
    struggles = wave.linking("waves", "struggle")
    if not any(s.linked("places", "place") for s in struggles):
        return None
    return _collect([], struggles, world=False)


def wave_place_maps(data: SiteData) -> dict[str, PlaceMap]:
    return {w.slug: m for w in data.of_type("wave") if (m := wave_map(w)) is not None}


@functools.cache
def land() -> tuple[tuple[tuple[float, float], ...], ...]:
    """The bundled outline as rings of (lon, lat)."""
    document = json.loads(OUTLINE.read_text(encoding="utf-8"))
    step = document["step"]
    rings = []
    for encoded in document["rings"]:
        x = y = 0
        ring = []
        for i in range(0, len(encoded), 2):
            x, y = x + encoded[i], y + encoded[i + 1]
            ring.append((round(x * step, 4), round(y * step, 4)))
        rings.append(tuple(ring))
    return tuple(rings)


@dataclass
class View:
    """An equirectangular view: lon/lat -> viewBox units."""

    west: float
    east: float
    south: float
    north: float
    squeeze: float  # cos(middle latitude): a degree of longitude is this much narrower than one of latitude

    @property
    def scale(self) -> float:
        return WIDTH / ((self.east - self.west) * self.squeeze)

    @property
    def height(self) -> int:
        return round((self.north - self.south) * self.scale)

    def point(self, lon: float, lat: float) -> tuple[float, float]:
        return (round((lon - self.west) * self.squeeze * self.scale, 1),
                round((self.north - lat) * self.scale, 1))


def view_of(pmap: PlaceMap) -> View:
    if pmap.world or not pmap.marks:
        west, east, south, north = WORLD
        lats = [m.lat for m in pmap.marks]
        if lats:  # a mark beyond the inhabited world's box widens it
            south, north = max(min(south, min(lats) - 4), -90.0), min(max(north, max(lats) + 4), 90.0)
        return View(west, east, south, north, squeeze=1.0)
    lons = [m.lon for m in pmap.marks]
    lats = [m.lat for m in pmap.marks]
    lat_pad = max(MIN_SPAN - (max(lats) - min(lats)), 0) / 2 + 0.15 * (max(lats) - min(lats)) + 2
    south, north = max(min(lats) - lat_pad, -85.0), min(max(lats) + lat_pad, 85.0)
    squeeze = math.cos(math.radians((south + north) / 2))
    lon_pad = 0.15 * (max(lons) - min(lons)) + 2 / squeeze
    west, east = min(lons) - lon_pad, max(lons) + lon_pad
    # Keep the shape between RATIO: widen whichever span is short, around its middle.
    ratio = (east - west) * squeeze / (north - south)
    if ratio < RATIO[0]:
        grow = ((north - south) * RATIO[0] / squeeze - (east - west)) / 2
        west, east = west - grow, east + grow
    elif ratio > RATIO[1]:
        grow = ((east - west) * squeeze / RATIO[1] - (north - south)) / 2
        south, north = max(south - grow, -85.0), min(north + grow, 85.0)
    if east - west > 360:
        return View(*WORLD, squeeze=1.0)
    return View(round(west, 3), round(east, 3), round(south, 3), round(north, 3), round(squeeze, 6))


def land_path(view: View) -> str:
    """The outline's rings inside the view as one path, in whole viewBox units."""
    out = []
    for ring in land():
        lons = [p[0] for p in ring]
        lats = [p[1] for p in ring]
        if max(lons) < view.west or min(lons) > view.east or max(lats) < view.south or min(lats) > view.north:
            continue
        points: list[tuple[int, int]] = []
        for lon, lat in ring:
            x, y = view.point(lon, lat)
            point = (round(x), round(y))
            if not points or point != points[-1]:
                points.append(point)
        if len(points) < 3:
            continue
        steps = [f"M{points[0][0]} {points[0][1]}"]
        for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
            steps.append(f"l{x1 - x0} {y1 - y0}")
        out.append("".join(steps) + "z")
    return "".join(out)


def radius(mark: Mark) -> float:
    return round(5 + min(5.0, math.sqrt(len(mark.struggles))), 1)


Box = tuple[float, float, float, float]


def _overlaps(box: Box, others: list[Box]) -> bool:
    return any(box[0] < o[2] and o[0] < box[2] and box[1] < o[3] and o[1] < box[3] for o in others)


def place_labels(marks: list[tuple[Mark, float, float]], height: int) -> dict[int, tuple[float, float, str]]:
    """(x, y, anchor) of each label that finds a free place: right, left, above, below its mark."""
    taken: list[Box] = [(x - radius(m), y - radius(m), x + radius(m), y + radius(m)) for m, x, y in marks]
    out: dict[int, tuple[float, float, str]] = {}
    busiest = sorted(marks, key=lambda t: (-len(t[0].struggles), t[0].place.title.casefold(), t[0].place.slug))
    for mark, x, y in busiest[:LABELLED]:
        r = radius(mark)
        width = CHAR * len(short_label(mark.place.title, LABEL_CHARS))
        tries = [(x + r + 3, y + FONT / 3, "start"), (x - r - 3, y + FONT / 3, "end"),
                 (x - width / 2, y - r - 4, "start"), (x - width / 2, y + r + FONT + 1, "start")]
        for tx, ty, anchor in tries:
            left = tx - width if anchor == "end" else tx
            box = (left, ty - FONT + 1, left + width, ty + 3)
            if box[0] < 2 or box[2] > WIDTH - 2 or box[1] < 2 or box[3] > height - 2:
                continue
            if not _overlaps(box, taken):
                taken.append(box)
                out[mark.place.id] = (round(tx, 1), round(ty, 1), anchor)
                break
    return out


def map_svg(pmap: PlaceMap, root: str, title: str) -> Markup:
    """The land in grey, a linked circle per located place (larger with more struggles), labels beside."""
    view = view_of(pmap)
    height = view.height
    parts = [f'<svg class="placemap" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
             'role="group" aria-labelledby="placemap-title" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="placemap-title">{escape(title)}</title>',
             f'<rect class="sea" x="0" y="0" width="{WIDTH}" height="{height}"/>',
             f'<path class="land" d="{land_path(view)}"/>']
    drawn = [(m, *view.point(m.lon, m.lat)) for m in pmap.marks]
    labels = place_labels(drawn, height)
    # Larger circles first, so a small one is never hidden under a large neighbour.
    for mark, x, y in sorted(drawn, key=lambda t: (-radius(t[0]), t[0].place.title.casefold(), t[0].place.slug)):
        name = escape(mark.place.title)
        parts.append(f'<a href="{escape(root + item_path(mark.place))}" aria-label="{name}">'
                     f'<circle class="place-mark" cx="{x}" cy="{y}" r="{radius(mark)}"><title>{name}</title></circle>')
        if mark.place.id in labels:
            lx, ly, anchor = labels[mark.place.id]
            anchor_attr = ' text-anchor="end"' if anchor == "end" else ""
            parts.append(f'<text class="place-label" x="{lx}" y="{ly}"{anchor_attr}>'
                         f'{escape(short_label(mark.place.title, LABEL_CHARS))}</text>')
        parts.append("</a>")
    parts.append("</svg>")
    return Markup("".join(parts))
