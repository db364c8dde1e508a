"""The map of places (archive/publish/placemap.py), the navigation and the small reading fixes of issue 15.

A small synthetic archive reproduces each case: a place with coordinates, a town without them inside a
city with them, a place with none anywhere above it, a private place with coordinates, a stub country
named only by its slug. The demo (real records from Collective Action in Tech) checks rebuilds.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from archive.publish import build
from archive.publish.cache import CACHE_NAME
from archive.publish.demo import build_demo
from archive.publish.placemap import OUTLINE, WIDTH, land
from archive.publish.svgtext import short_label
from archive.store.config import Archive
from archive.store.ingest import ingest
from tests.helpers import PUBLIC

TODAY = dt.date(2026, 1, 1)
SVG = "{http://www.w3.org/2000/svg}"
RECORDS = """
- {type: place, slug: madrid, title: Madrid, parent: spain, lat: 40.4168, lon: -3.7038}
- {type: place, slug: paris, title: Paris, parent: france, lat: 48.8566, lon: 2.3522}
- {type: place, slug: france, title: France}
- {type: place, slug: new-york-city, title: New York City, lat: 40.7128, lon: -74.006}
- {type: place, slug: brooklyn, title: Brooklyn, parent: new-york-city}
- {type: place, slug: atlantis, title: Atlantis}
- {type: place, slug: hidden-camp, title: Hidden Camp, lat: 10.5, lon: 20.5, visibility: private}
- {type: wave, slug: seventies, title: The seventies, start: 1970, end: 1979}
- {type: wave, slug: calm, title: A calm wave, start: 1985, end: 1986}
- {type: struggle, slug: madrid-strike, title: Madrid strike, start: 1971, places: [madrid], waves: [seventies]}
- {type: struggle, slug: paris-strike, title: Paris strike, start: 1972, places: [paris], waves: [seventies]}
- {type: struggle, slug: brooklyn-strike, title: Navy yard, start: 1973, places: [brooklyn], waves: [seventies]}
- {type: struggle, slug: atlantis-strike, title: Atlantis strike, start: 1974, places: [atlantis], waves: [seventies]}
- {type: struggle, slug: secret, title: Secret, start: 1975, places: [madrid], waves: [seventies], visibility: private}
- {type: struggle, slug: calm-strike, title: A strike somewhere, start: 1985, places: [atlantis], waves: [calm]}
- {type: articulation, slug: madrid-paris, title: Madrid and Paris, kind: solidarity, start: 1972,
   between: [struggle/madrid-strike, struggle/paris-strike]}
- {type: account, slug: undated-account, title: An undated account, struggles: [madrid-strike]}
- {type: account, slug: dated-account, title: A dated account, date: 1971-05, struggles: [madrid-strike]}
"""


@pytest.fixture
def site(archive: Archive, engine, tmp_path: Path) -> Path:
    source = tmp_path / "records.yaml"
    source.write_text(RECORDS, encoding="utf-8")
    assert ingest(engine, [source], defaults=PUBLIC).errors == []
    build(archive, engine, today=TODAY)
    return archive.public_dir


def marks(page: str) -> dict[str, tuple[float, float]]:
    """Place slug -> (x, y) of its mark, from the page's map."""
    svg = ET.fromstring(re.search(r"<svg class=\"placemap\".*?</svg>", page, re.S).group(0))
    out = {}
    for link in svg.iter(f"{SVG}a"):
        slug = re.fullmatch(r"\.\./places/([a-z0-9-]+)\.html", link.get("href")).group(1)
        circle = link.find(f"{SVG}circle")
        out[slug] = (float(circle.get("cx")), float(circle.get("cy")))
    return out


def listed(page: str, heading: str) -> list[str]:
    section = page.split(f">{heading} ", 1)[1].split("</section>", 1)[0]
    return re.findall(r'href="\.\./places/([a-z0-9-]+)\.html"', section)


def test_the_archive_map_marks_every_located_public_place(site: Path) -> None:
    page = (site / "maps/index.html").read_text(encoding="utf-8")
    assert set(marks(page)) == {"madrid", "paris", "new-york-city"}
    assert listed(page, "Places on the map") == ["madrid", "new-york-city", "paris"]
    assert listed(page, "Not on the map") == ["atlantis"]
    # Brooklyn has no coordinates: its struggle is counted at New York City, the place it lies in.
    assert re.search(r'new-york-city\.html">New York City</a> <span class="count">1 struggle</span>', page)
    # A private place and a private struggle leave no trace, not even in a count.
    assert "Hidden Camp" not in page and "hidden-camp" not in page
    assert re.search(r'madrid\.html">Madrid</a> <span class="count">1 struggle</span>', page)
    # The world: west is left, north is up.
    where = marks(page)
    assert where["new-york-city"][0] < where["madrid"][0] < where["paris"][0]
    assert where["paris"][1] < where["madrid"][1]


def test_a_wave_map_shows_its_struggles_places_and_the_wave_links_it(site: Path) -> None:
    wave = (site / "waves/seventies.html").read_text(encoding="utf-8")
    assert '<p class="map-link"><a href="../maps/seventies.html">' in wave
    page = (site / "maps/seventies.html").read_text(encoding="utf-8")
    assert set(marks(page)) == {"madrid", "paris", "new-york-city"}
    assert listed(page, "Not on the map") == ["atlantis"]
    assert '<a href="../waves/seventies.html">' in page
    # A wave none of whose places is located gets a page that says so, and no drawing.
    calm = (site / "maps/calm.html").read_text(encoding="utf-8")
    assert "<svg" not in calm and listed(calm, "Not on the map") == ["atlantis"]
    index = (site / "maps/index.html").read_text(encoding="utf-8")
    assert 'href="../maps/seventies.html"' in index and 'href="../maps/calm.html"' in index


def test_a_wave_map_is_zoomed_to_its_places(site: Path, archive: Archive, engine, tmp_path: Path) -> None:
    extra = tmp_path / "europe.yaml"
    extra.write_text("- {type: wave, slug: europe, title: Europe only, start: 1990, end: 1991}\n"
                     "- {type: struggle, slug: m2, title: Madrid, start: 1990, places: [madrid], waves: [europe]}\n"
                     "- {type: struggle, slug: p2, title: Paris, start: 1990, places: [paris], waves: [europe]}\n",
                     encoding="utf-8")
    assert ingest(engine, [extra], defaults=PUBLIC).errors == []
    build(archive, engine, today=TODAY)
    world = marks((site / "maps/index.html").read_text(encoding="utf-8"))
    europe = marks((site / "maps/europe.html").read_text(encoding="utf-8"))
    # Madrid to Paris spans a few units of the world map, and five times as many on the wave's (which
    # still shows at least MIN_SPAN degrees of latitude around them, so they keep a context).
    assert abs(world["paris"][0] - world["madrid"][0]) < WIDTH / 50
    assert abs(europe["paris"][0] - europe["madrid"][0]) > 5 * abs(world["paris"][0] - world["madrid"][0])
    svg = re.search(r'viewBox="0 0 (\d+) (\d+)"', (site / "maps/europe.html").read_text(encoding="utf-8"))
    width, height = int(svg.group(1)), int(svg.group(2))
    assert all(0 < x < width and 0 < y < height for x, y in europe.values())


def test_maps_are_byte_identical_across_rebuilds(tmp_path: Path) -> None:
    demo = build_demo(tmp_path / "demo")
    (demo.archive.root / CACHE_NAME).unlink()
    from archive.store.db import make_engine

    engine = make_engine(demo.archive.db_url())
    try:
        again = build(demo.archive, engine, tmp_path / "again").out
    finally:
        engine.dispose()
    pages = sorted(p.relative_to(demo.site) for p in (demo.site / "maps").glob("*.html"))
    assert len(pages) >= 3
    for path in pages:
        assert (demo.site / path).read_bytes() == (again / path).read_bytes(), path
    world = (demo.site / "maps/index.html").read_text(encoding="utf-8")
    assert len(marks(world)) == 14  # the demo's places with coordinates (archive/demo_data/1-places.csv)


def test_the_bundled_outline_is_small_public_domain_land() -> None:
    assert OUTLINE.stat().st_size < 40_000
    document = json.loads(OUTLINE.read_text(encoding="utf-8"))
    assert "Natural Earth" in document["source"] and "public domain" in document["licence"]
    assert (OUTLINE.parent / "README.md").is_file()
    rings = land()
    assert len(rings) > 50
    lons = [x for ring in rings for x, _ in ring]
    lats = [y for ring in rings for _, y in ring]
    assert min(lons) >= -180 and max(lons) <= 180 and min(lats) >= -60 and max(lats) <= 84


def test_navigation_recent_accounts_and_border_names(site: Path) -> None:
    home = (site / "index.html").read_text(encoding="utf-8")
    nav = home.split('<nav aria-label="Sections">', 1)[1].split("</nav>", 1)[0]
    for path in ("organizations/index.html", "balance-sheets/index.html", "articulations/index.html",
                 "maps/index.html"):
        assert f'href="{path}"' in nav
    recent = home.split('id="recent"', 1)[1].split("</ul>", 1)[0]
    assert re.findall(r'href="accounts/([a-z-]+)\.html"', recent) == ["dated-account", "undated-account"]
    # Spain is a stub made by `parent: spain`: the border list names it, not its slug.
    paris = (site / "places/paris.html").read_text(encoding="utf-8")
    assert '(<a href="../places/spain.html">Spain</a>)' in paris
    wave = (site / "waves/seventies.html").read_text(encoding="utf-8")
    assert 'across borders: <a href="../places/france.html">France</a>, <a href="../places/spain.html">Spain</a>' \
        in wave
    # Two search landmarks, told apart by their names.
    search = (site / "search.html").read_text(encoding="utf-8")
    names = re.findall(r'role="search" aria-label="([^"]+)"', search)
    assert len(names) == 2 and len(set(names)) == 2


@pytest.mark.parametrize(("title", "label"), [
    ("Google Walkout for Real Change letter in solidarity", "Google Walkout for Real…"),
    ("Madrid", "Madrid"),
    ("Word, another word here and there", "Word, another word here…"),
    ("Supercalifragilisticexpialidocious", "Supercalifragilisticexp…"),
])
def test_drawing_labels_are_cut_between_words(title: str, label: str) -> None:
    assert short_label(title, 24) == label
    assert len(label) <= 24
