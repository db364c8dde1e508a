"""Write archive/publish/world/land.json, the world outline that the map of places is drawn on.

The source is Natural Earth's 1:110m land polygons (public domain, naturalearthdata.com), as published in
github.com/nvkelso/natural-earth-vector, ``geojson/ne_110m_land.geojson``. This script keeps what a map of
a few hundred pixels can show: rings are simplified (Douglas-Peucker, ``TOLERANCE`` degrees), their
vertices rounded to ``STEP`` degrees and delta-encoded as integers; rings smaller than ``MIN_AREA`` square
degrees and Antarctica (everything south of ``SOUTH``) are dropped. The output is deterministic.

Run it from the repository root::

    python tools/make_world_outline.py PATH/ne_110m_land.geojson
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

TOLERANCE = 0.12
STEP = 0.1  # degrees per unit in the output
MIN_AREA = 1.0  # square degrees
SOUTH = -60.0
OUT = Path(__file__).resolve().parent.parent / "archive" / "publish" / "world" / "land.json"

Point = tuple[float, float]


def _distance(p: Point, a: Point, b: Point) -> float:
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == dy == 0:
        return ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
    t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
    return ((x - x1 - t * dx) ** 2 + (y - y1 - t * dy) ** 2) ** 0.5


def simplify(points: list[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker, iteratively (a ring can have hundreds of points)."""
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        far, index = 0.0, -1
        for i in range(first + 1, last):
            d = _distance(points[i], points[first], points[last])
            if d > far:
                far, index = d, i
        if far > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def area(ring: list[Point]) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True))) / 2


def rings_of(geometry: dict) -> list[list[Point]]:
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return [[(float(x), float(y)) for x, y in polygon[0]] for polygon in polygons]  # outer rings: no lakes at 1:110m


def encode(ring: list[Point]) -> list[int]:
    out: list[int] = []
    last = (0, 0)
    for x, y in ring:
        q = (round(x / STEP), round(y / STEP))
        if q == last and out:
            continue
        out += [q[0] - last[0], q[1] - last[1]]
        last = q
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="ne_110m_land.geojson")
    args = parser.parse_args()
    features = json.loads(args.source.read_text(encoding="utf-8"))["features"]
    rings = []
    for feature in features:
        for ring in rings_of(feature["geometry"]):
            if max(y for _, y in ring) < SOUTH or area(ring) < MIN_AREA:
                continue
            closed = ring if ring[0] == ring[-1] else [*ring, ring[0]]
            simple = simplify(closed, TOLERANCE)[:-1]
            if len(simple) >= 3:
                rings.append(encode(simple))
    rings.sort(key=lambda r: (r[0], r[1], len(r)))
    document = {
        "source": "Natural Earth 1:110m land (ne_110m_land), github.com/nvkelso/natural-earth-vector",
        "licence": "public domain (Natural Earth, naturalearthdata.com/about/terms-of-use)",
        "made_by": "tools/make_world_outline.py",
        "step": STEP,
        "rings": rings,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(document, separators=(",", ":"))
    # One ring a line, so a diff of a regenerated outline stays readable.
    OUT.write_text(text.replace('"rings":[[', '"rings":[\n[').replace("],[", "],\n["), encoding="utf-8")
    print(f"{OUT}: {len(rings)} rings, {sum(len(r) // 2 for r in rings)} points, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()
