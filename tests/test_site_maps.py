"""Articulation maps on wave pages, built from real Wikidata strikes (see test_site_places.py)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from test_site_places import (
    AKRON,
    ASTURIAS,
    AUTOLITE,
    BERLIN,
    DISNEY,
    DUBLIN,
    NORANDA,
    SEATTLE,
    SECRET,
    SHIRTWAIST,
    TODAY,
    WESTCOAST,
    strikes,  # noqa: F401 (a fixture)
)

from archive.publish import build
from archive.publish.cache import CACHE_NAME
from archive.publish.maps import CAP, build_map
from archive.publish.model import gather
from archive.publish.places import Places
from archive.store.config import Archive
from archive.store.ingest import ingest
from tests.helpers import PUBLIC

SVG = "{http://www.w3.org/2000/svg}"


def _svg(page: str) -> ET.Element:
    match = re.search(r'<svg class="artmap".*?</svg>', page, re.S)
    assert match, "no articulation map on the page"
    return ET.fromstring(match.group(0))


def _centre(shape: ET.Element) -> tuple[float, float]:
    if shape.tag == f"{SVG}circle":
        return float(shape.get("cx")), float(shape.get("cy"))
    if shape.tag == f"{SVG}rect":
        return float(shape.get("x")) + 5.5, float(shape.get("y")) + 5.5
    first = shape.get("points").split()[0].split(",")  # diamond: the top corner, 7 above the centre
    return float(first[0]), float(first[1]) + 7


def parse_map(page: str) -> tuple[dict[str, str], set[tuple[str, str, bool]]]:
    """The drawn nodes (href -> CSS class) and edges (two node hrefs, sorted, and whether dashed)."""
    svg = _svg(page)
    nodes: dict[str, str] = {}
    at: dict[tuple[float, float], str] = {}
    edges: set[tuple[str, str, bool]] = set()
    lines = []
    for link in svg.iter(f"{SVG}a"):
        for child in link:
            cls = child.get("class", "")
            if "map-node" in cls:
                nodes[link.get("href")] = cls
                at[_centre(child)] = link.get("href")
            elif "map-edge" in cls:
                lines.append(child)
    for line in lines:
        a = at[(float(line.get("x1")), float(line.get("y1")))]
        b = at[(float(line.get("x2")), float(line.get("y2")))]
        edges.add((*sorted((a, b)), "map-cross" in line.get("class")))
    return nodes, edges


def s(slug: str) -> str:
    return f"../struggles/{slug}.html"


def e(first: str, second: str, cross: bool) -> tuple[str, str, bool]:
    return (*sorted((first, second)), cross)


def test_wave_page_draws_the_articulation_network(strikes: Archive, engine) -> None:  # noqa: F811
    build(strikes, engine, today=TODAY)
    page = (strikes.public_dir / "waves/thirties-upsurge.html").read_text(encoding="utf-8")
    nodes, edges = parse_map(page)
    force, org = "../forces/waterfront-workers.html", "../organizations/ila.html"
    assert set(nodes) == {s(AUTOLITE), s(WESTCOAST), s(ASTURIAS), s(NORANDA), force, org}
    assert "map-struggle" in nodes[s(AUTOLITE)] and "map-force" in nodes[force]
    assert "map-organization" in nodes[org]
    assert edges == {
        e(s(AUTOLITE), s(WESTCOAST), False),  # both in the United States
        e(s(AUTOLITE), s(ASTURIAS), True),  # the United States and Spain
        e(s(NORANDA), s(WESTCOAST), True),  # Canada and the United States
        e(force, s(WESTCOAST), False),  # a force has no place: not marked
        e(org, force, False),  # no struggle at either end: on this map by its date (1935)
    }
    # The text alternative lists every articulation drawn, with the crossings marked.
    listed = re.search(r'<ul class="records artmap-list".*?</ul>', page, re.S).group(0)
    rows = {re.search(r'articulations/([^"]+)\.html', li).group(1): "across borders" in li
            for li in re.findall(r"<li>.*?</li>", listed, re.S)}
    assert rows == {"toledo-west-coast": False, "toledo-asturias": True, "noranda-west-coast": True,
                    "dockers-west-coast": False, "ila-dockers": False}
    assert "<title" in page and "<desc" in page and "Across borders" in page  # title, description, legend


def test_private_records_never_reach_the_map(strikes: Archive, engine) -> None:  # noqa: F811
    build(strikes, engine, today=TODAY)
    for path in sorted((strikes.public_dir / "waves").glob("*.html")):
        page = path.read_text(encoding="utf-8")
        assert SECRET.lower() not in page.lower(), path
    page = (strikes.public_dir / "waves/thirties-upsurge.html").read_text(encoding="utf-8")
    nodes, _ = parse_map(page)
    # Berlin is joined only by a private link, Seattle only to a private struggle: neither is drawn.
    assert s(BERLIN) not in nodes and s(SEATTLE) not in nodes


def test_each_wave_with_articulations_gets_its_own_map(strikes: Archive, engine) -> None:  # noqa: F811
    build(strikes, engine, today=TODAY)
    waves = strikes.public_dir / "waves"
    _, edges = parse_map((waves / "great-unrest.html").read_text(encoding="utf-8"))
    assert edges == {e(s(DUBLIN), s(SHIRTWAIST), True)}
    _, edges = parse_map((waves / "wartime-strikes.html").read_text(encoding="utf-8"))
    assert edges == {e(s(AKRON), s(DISNEY), False)}
    assert 'class="artmap"' not in (waves / "gilded-age.html").read_text(encoding="utf-8")


def test_map_is_byte_identical_across_rebuilds(strikes: Archive, engine, tmp_path: Path) -> None:  # noqa: F811
    first = build(strikes, engine, tmp_path / "one", today=TODAY).out
    (strikes.root / CACHE_NAME).unlink()  # the second build renders every page afresh
    second = build(strikes, engine, tmp_path / "two", today=TODAY).out
    for name in ("thirties-upsurge", "great-unrest", "wartime-strikes"):
        one = (first / f"waves/{name}.html").read_bytes()
        assert one == (second / f"waves/{name}.html").read_bytes()
        assert b'class="artmap"' in one


def test_without_continuity_there_is_no_map(strikes: Archive, engine) -> None:  # noqa: F811
    build(strikes, engine, today=TODAY, continuity=False)
    page = (strikes.public_dir / "waves/thirties-upsurge.html").read_text(encoding="utf-8")
    assert 'class="artmap"' not in page and "Articulation map" not in page


def test_titles_are_escaped_in_the_svg(strikes: Archive, engine, tmp_path: Path) -> None:  # noqa: F811
    evil = [{"type": "force", "slug": "evil-force", "title": "<script>alert(1)</script> & \"friends\""},
            {"type": "articulation", "slug": "evil-link", "title": "Evil <b>link</b>", "kind": "alliance",
             "between": ["force/evil-force", f"struggle/{AUTOLITE}"], "start": "1934"}]
    path = tmp_path / "evil.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in evil), encoding="utf-8")
    assert not ingest(engine, [path], default_language="en", defaults=PUBLIC).errors
    build(strikes, engine, today=TODAY)
    page = (strikes.public_dir / "waves/thirties-upsurge.html").read_text(encoding="utf-8")
    svg = re.search(r'<svg class="artmap".*?</svg>', page, re.S).group(0)
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    nodes, _ = parse_map(page)  # still well-formed XML
    assert "../forces/evil-force.html" in nodes


def test_huge_waves_are_capped_to_the_best_connected(strikes: Archive, engine) -> None:  # noqa: F811
    data = gather(engine, TODAY)
    places = Places(data)
    articulations = data.of_type("articulation")
    full = build_map(articulations, places)
    assert full is not None and full.total_nodes == len(full.nodes)
    small = build_map(articulations, places, cap=2)
    assert small is not None and len(small.nodes) == 2 and small.total_nodes == full.total_nodes
    # West Coast (3 articulations) and the force (2) are the best connected.
    assert {n.key for n in small.nodes} == {f"struggle/{WESTCOAST}", "force/waterfront-workers"}
    assert all({e.ends[0].key, e.ends[1].key} <= {n.key for n in small.nodes} for e in small.edges)
    assert CAP >= 100
