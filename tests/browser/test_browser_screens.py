"""Every page type on every screen (issue 15): no sideways scroll at 320, 375 and 1280 px, drawings'
labels at least 11 px, axe-core with no violation (light and dark), the map of places' links, dark mode and
print.

Two sites: the demo (``archive demo``) and a larger one made from all 506 actions of the Collective
Action in Tech data set (shared data), whose places carry the data set's own coordinates. axe-core is
vendored in ``vendor/axe-core`` (MPL-2.0) and injected by the driver, so the pages' CSP does not apply.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from slugify import slugify
from test_site_data import sample_records

from archive.publish import build
from archive.publish.demo import build_demo
from archive.store.db import make_engine
from archive.store.ingest import ingest
from archive.trust.create import init_archive
from tests.helpers import PUBLIC

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
WIDTHS = (320, 375, 1280)
FOLDERS = ("waves", "struggles", "accounts", "balance-sheets", "forms", "organizations", "forces", "places",
           "articulations")


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("screens") / "demo").site


def located_records(shared_data: Path) -> list[dict[str, Any]]:
    """Every action of the data set as records, each place with the coordinates the data set gives it
    (a place's first action whose geocoded address names it)."""
    records = sample_records(shared_data, limit=10_000)
    actions = json.loads((shared_data / "collective_action_in_tech" / "actions.json").read_text(encoding="utf-8"))
    where: dict[str, tuple[float, float]] = {}
    for action in actions:
        locations, latlngs = action.get("locations") or [], action.get("latlngs") or []
        addresses = action.get("addresses") or []
        if not (len(locations) == len(latlngs) == len(addresses)):
            continue
        for location, (lat, lon), address in zip(locations, latlngs, addresses, strict=True):
            if location.split("-")[0].lower() in address.lower():
                where.setdefault(slugify(location), (round(lat, 5), round(lon, 5)))
    for record in records:
        if record["type"] == "place" and record["slug"] in where:
            record["lat"], record["lon"] = where[record["slug"]]
    return records


@pytest.fixture(scope="module")
def large_site(tmp_path_factory: pytest.TempPathFactory, full_shared_data: Path) -> Path:
    """Every action of Collective Action in Tech (the full set: the tests' sample is too small a world map)."""
    root = tmp_path_factory.mktemp("screens-large")
    archive = init_archive(root / "archive", title="Collective Action in Tech, every action")
    sample = root / "records.jsonl"
    sample.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in located_records(full_shared_data)),
                      encoding="utf-8")
    engine = make_engine(archive.db_url(), writer=True)
    try:
        assert ingest(engine, [sample], default_language="en", defaults=PUBLIC).errors == []
        build(archive, engine, today=dt.date.today())
    finally:
        engine.dispose()
    return archive.public_dir


@pytest.fixture(scope="module", params=["demo", "large"])
def site(request: pytest.FixtureRequest) -> Path:
    return request.getfixturevalue(f"{request.param}_site")


def page_types(site: Path) -> list[str]:
    """One page of every kind the site has: home, search, 404, lists, facets, each record type, tags,
    demands, lessons, maps of places."""
    pages = ["index.html", "search.html", "404.html", "tags/index.html", "demands/index.html",
             "lessons/index.html", "maps/index.html"]

    def first(pattern: str, record: bool = False) -> None:
        found = [p for p in sorted(site.glob(pattern)) if p.name != "index.html" and (not record or "_" not in p.name)]
        if found:
            pages.append(found[len(found) // 2].relative_to(site).as_posix())

    for folder in FOLDERS:
        pages.append(f"{folder}/index.html")
        first(f"{folder}/*.html", record=True)
    for pattern in ("struggles/by_wave_*.html", "struggles/by_place_*.html", "accounts/index_2.html", "tags/*.html",
                    "demands/*.html", "lessons/*.html", "maps/*.html"):
        first(pattern)
    # The form with the most instances draws the longest form timeline; the largest wave the largest maps.
    forms = sorted(site.glob("forms/*.html"), key=lambda p: -p.stat().st_size)
    waves = sorted(site.glob("waves/*.html"), key=lambda p: -p.stat().st_size)
    pages += [p.relative_to(site).as_posix() for p in forms[:1] + waves[:1]]
    present = [p for p in dict.fromkeys(pages) if (site / p).is_file()]
    assert len(present) >= 25, present
    return present


SMALLEST_LABEL = """() => [...document.querySelectorAll('svg text')]
  .filter(t => t.getClientRects().length && t.textContent.trim())
  .map(t => { const svg = t.ownerSVGElement; const box = svg.viewBox.baseVal;
              const k = box && box.width ? svg.getBoundingClientRect().width / box.width : 1;
              return parseFloat(getComputedStyle(t).fontSize) * k; })
  .reduce((a, b) => Math.min(a, b), 99)"""


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_scrolls_sideways_and_labels_stay_readable(browser: Any, site: Path, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    wide, small = {}, {}
    try:
        for path in page_types(site):
            page.goto((site / path).as_uri())
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > width:
                wide[path] = scroll
            smallest = page.evaluate(SMALLEST_LABEL)
            if smallest < 11:
                small[path] = round(smallest, 1)
    finally:
        context.close()
    assert wide == {}, f"pages wider than {width} px: {wide}"
    assert small == {}, f"drawing labels under 11 px at {width} px: {small}"


def axe_violations(page: Any) -> list[str]:
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate("async () => (await axe.run(document)).violations.map(v => v.id + ' (' + v.impact + '): '"
                         " + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violation_on_any_page_type(browser: Any, site: Path, scheme: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    problems = {}
    try:
        for path in page_types(site):
            page.goto((site / path).as_uri())
            if found := axe_violations(page):
                problems[path] = found
        # The search page with results, as a reader sees it after a search.
        page.goto((site / "search.html").as_uri() + "?q=workers")
        page.wait_for_selector("#search-results li")
        if found := axe_violations(page):
            problems["search.html?q=workers"] = found
    finally:
        context.close()
    assert problems == {}


def test_every_mark_on_the_map_links_to_its_place(browser: Any, large_site: Path) -> None:
    html = (large_site / "maps/index.html").read_text(encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto((large_site / "maps/index.html").as_uri())
        marks = page.evaluate("""() => [...document.querySelectorAll('svg.placemap a')].map(a => (
            {href: new URL(a.getAttribute('href'), document.baseURI).href, name: a.getAttribute('aria-label'),
             circles: a.querySelectorAll('circle').length}))""")
        listed = page.evaluate("() => [...document.querySelectorAll('.placemap-places a')].map(a => a.href)")
        assert len(marks) >= 50, len(marks)  # the data set's geocoded cities
        assert all(m["circles"] == 1 and m["name"] for m in marks)
        assert sorted(m["href"] for m in marks) == sorted(listed)  # every mark is in the text list, and back
        for mark in marks:
            target = Path(mark["href"].removeprefix("file://"))
            assert target.is_file() and target.parent.name == "places", mark
        # A mark is a real link: following it opens the place's page.
        first = page.locator("svg.placemap a").first
        name = first.get_attribute("aria-label")
        first.dispatch_event("click")
        page.wait_for_url(re.compile(r"/places/[^/]+\.html$"))
        assert page.locator("h1").inner_text() == name
    finally:
        page.close()
    # Coordinates never leave the site as requests: the land is inline, no tile or image is fetched.
    assert "<img" not in html and "http" not in html.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        'xmlns="http://www.w3.org/2000/svg"', "")


def test_each_wave_page_links_its_map(browser: Any, large_site: Path) -> None:
    page = browser.new_page(viewport={"width": 375, "height": 800})
    try:
        wave = sorted(large_site.glob("waves/*.html"), key=lambda p: -p.stat().st_size)[0]
        page.goto(wave.as_uri())
        page.locator(".map-link a").click()
        page.wait_for_url(re.compile(r"/maps/[^/]+\.html$"))
        assert page.locator("svg.placemap a").count() >= 5
        # On a phone the map scrolls inside its figure, the page itself does not.
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        assert page.evaluate("document.querySelector('.placemap-scroll').scrollWidth") > 375
    finally:
        page.close()


def _colours(page: Any) -> dict[str, str]:
    return page.evaluate("""() => ({body: getComputedStyle(document.body).backgroundColor,
                                    text: getComputedStyle(document.body).color,
                                    nav: getComputedStyle(document.querySelector('.site-header nav')).display})""")


def _luminance(css: str) -> float:
    r, g, b = (int(v) / 255 for v in re.findall(r"\d+", css)[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_dark_mode_and_print(browser: Any, demo_site: Path) -> None:
    record = sorted(demo_site.glob("accounts/*.html"))[0].as_uri()
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme)
        page = context.new_page()
        try:
            page.goto(record)
            screen = _colours(page)
            page.emulate_media(media="print")
            paper = _colours(page)
        finally:
            context.close()
        if scheme == "dark":
            assert _luminance(screen["body"]) < 0.15 and _luminance(screen["text"]) > 0.8, screen
        else:
            assert _luminance(screen["body"]) > 0.9 and _luminance(screen["text"]) < 0.2, screen
        # Paper is black on white in either scheme, without the navigation.
        assert _luminance(paper["body"]) > 0.99 and _luminance(paper["text"]) < 0.01, paper
        assert paper["nav"] == "none"
