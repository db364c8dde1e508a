"""Maps and timelines that read on real data (issue 13): components packed side by side, labels that do not
collide, no link inside an image, and the same drawing in every process."""

from __future__ import annotations

import datetime as dt
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

from archive.publish import build
from archive.publish.maps import CHAR, FONT, WIDTH, _layout, place_labels
from archive.publish.model import gather
from archive.publish.places import Places
from archive.publish.timeline import label_lanes, timeline_svg
from archive.store.ingest import ingest

DATA = Path(__file__).parent / "data" / "seventies_articulations.yaml"
TODAY = dt.date(2026, 1, 1)


@pytest.fixture
def seventies(archive, engine):
    assert ingest(engine, [DATA]).errors == []
    return archive, engine


def _map(engine):
    from archive.publish.maps import wave_maps

    data = gather(engine, TODAY)
    return wave_maps(data, Places(data))["seventies"]


def test_disconnected_pairs_sit_beside_the_network_not_in_far_corners(seventies) -> None:
    _, engine = seventies
    amap = _map(engine)
    where, height = _layout(amap)
    assert all(0 <= x <= WIDTH and 0 <= y <= height for x, y in where.values())
    for edge in amap.edges:
        first, second = (where[end.key] for end in edge.ends)
        if sum(1 for e in amap.edges if set(e.ends) & set(edge.ends)) == 1:  # a pair joined only to each other
            assert math.dist(first, second) <= 30, (edge.ends[0].slug, edge.ends[1].slug)
    assert height + 34 < 520  # a network of ten and five pairs fits in a few rows: less than the old fixed height


def test_map_labels_never_overlap_and_the_svg_is_not_an_image(seventies) -> None:
    _, engine = seventies
    amap = _map(engine)
    where, height = _layout(amap)
    titles = {n.key: n.title for n in amap.nodes}
    labels = place_labels(where, titles, height + 34)
    assert len(labels) >= len(amap.nodes) - 3  # nearly every record is named on the map itself
    boxes = []
    for key, (x, y, anchor) in labels.items():
        width = CHAR * min(len(titles[key]), 28)
        left = x - width if anchor == "end" else x
        boxes.append((left, y - FONT, left + width, y + 3))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)
    svg = str(amap.svg("../"))
    assert 'role="img"' not in svg and 'role="group"' in svg
    assert all('aria-label="' in link for link in re.findall(r"<a [^>]*>", svg))


def test_timeline_labels_take_lanes_and_links_are_not_in_an_image(seventies) -> None:
    _, engine = seventies
    data = gather(engine, TODAY)
    waves = data.of_type("wave")
    svg = str(timeline_svg(waves, data.of_type("struggle"), "", 2023))
    assert 'role="img"' not in svg
    labels = re.findall(r'<text class="wave-label" x="([\d.]+)" y="([\d.]+)">([^<]+)</text>', svg)
    assert len(labels) == len(waves)
    boxes = [(float(x), float(y) - 13, float(x) + CHAR * len(t), float(y) + 3) for x, y, t in labels]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)
    assert label_lanes([(0, 100), (50, 100), (102, 30), (300, 10)]) == [0, 1, 2, 0]


def test_the_drawing_is_the_same_in_every_process(seventies, tmp_path: Path) -> None:
    """networkx's subgraph views iterate a set: laid out from one, the map changed with PYTHONHASHSEED."""
    archive, engine = seventies
    # load_archive reads archive.toml, so the subprocess uses the store under test (SQLite or PostgreSQL).
    script = ("import sys, datetime; from archive.store.config import load_archive; "
              "from archive.store.db import make_engine;"
              "from archive.publish import build; a = load_archive(__import__('pathlib').Path(sys.argv[1]));"
              "build(a, make_engine(a.db_url()), __import__('pathlib').Path(sys.argv[2]), "
              "today=datetime.date(2026, 1, 1))")
    pages = []
    for seed in ("1", "2"):
        out = tmp_path / f"site-{seed}"
        subprocess.run([sys.executable, "-c", script, str(archive.root), str(out)], check=True,
                       env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"})
        pages.append(_drawings(out))
    assert pages[0] == pages[1]
    build(archive, engine, tmp_path / "here", today=TODAY)
    assert _drawings(tmp_path / "here") == pages[0]


def _drawings(site: Path) -> list[str]:
    wave = (site / "waves" / "seventies.html").read_text(encoding="utf-8")
    home = (site / "index.html").read_text(encoding="utf-8")
    drawn = re.findall(r"<svg class=\"artmap\".*?</svg>", wave, re.S) + re.findall(r"<svg class=\"timeline\".*?</svg>",
                                                                                     home, re.S)
    assert len(drawn) == 2
    return drawn
