"""Places roll up town → region → country on the published site, and border crossings are marked.

The archive is built from real strikes in Wikidata (CC0, ../shared/data/wikidata_protests_strikes): each
strike's country and location become places, with the real region between town and country written here.
The articulations between them are written for the tests (Wikidata records none). The map tests in
test_site_maps.py use the same archive.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from slugify import slugify

from archive.publish import build
from archive.publish.model import gather
from archive.publish.places import Places
from archive.store.config import Archive
from archive.store.ingest import ingest
from tests.helpers import PUBLIC

TODAY = dt.date(2026, 1, 1)
SOURCE = "wikidata_protests_strikes/wikidata_strikes_raw_rows.csv"
SECRET = "SECRETMAPMARKER"

# Wikidata QID -> the region between the strike's location and its country (None: the location is one).
STRIKES = {
    "Q1985730": "Pennsylvania",  # Homestead Strike, 1892
    "Q7014958": "New York",  # New York shirtwaist strike, 1909
    "Q16152515": "Illinois",  # 1910 Chicago garment workers' strike
    "Q448920": "Leinster",  # Dublin lock-out, 1913
    "Q1751011": None,  # 1932 Berlin transport strike
    "Q4826029": "Ohio",  # Auto-Lite strike, Toledo, 1934
    "Q4563463": None,  # 1934 West Coast waterfront strike
    "Q1587277": None,  # Asturian miners' strike of 1934
    "Q17629469": "Quebec",  # Noranda, 1934
    "Q20712148": "Washington",  # Seattle Post-Intelligencer strike, 1936
    "Q105484491": None,  # 1936 Pacific Coast maritime strike
    "Q52436906": None,  # Venezuelan oil strike, 1936
    "Q3118379": "California",  # Disney animators' strike, 1941
    "Q123310343": "Ohio",  # 1943 Akron rubber strike
}
WAVES = [
    ("gilded-age", "Gilded Age strikes", "1886", "1894"),
    ("great-unrest", "The great unrest", "1909", "1916"),
    ("thirties-upsurge", "The 1930s upsurge", "1932", "1937"),
    ("wartime-strikes", "Wartime strikes", "1941", "1945"),
]
# Struggle slugs, by QID, for the articulations below.
S = {q: f"wd-{q.lower()}" for q in STRIKES}
AUTOLITE, WESTCOAST, ASTURIAS, NORANDA = S["Q4826029"], S["Q4563463"], S["Q1587277"], S["Q17629469"]
SHIRTWAIST, DUBLIN, SEATTLE, BERLIN = S["Q7014958"], S["Q448920"], S["Q20712148"], S["Q1751011"]
DISNEY, AKRON = S["Q3118379"], S["Q123310343"]


def _wave(year: int) -> str | None:
    for slug, _, start, end in WAVES:
        if int(start) <= year <= int(end):
            return slug
    return None


def _articulation(slug: str, kind: str, first: str, second: str, start: str, **extra: Any) -> dict[str, Any]:
    return {"type": "articulation", "slug": slug, "title": slug.replace("-", " ").capitalize(), "kind": kind,
            "between": [first, second], "start": start, **extra}


def strike_records(shared_data: Path) -> list[dict[str, Any]]:
    """The strikes in ``STRIKES`` as struggles with one account each, their places, waves and articulations."""
    with (shared_data / SOURCE).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    records: list[dict[str, Any]] = [{"type": "wave", "slug": s, "title": t, "start": a, "end": b}
                                     for s, t, a, b in WAVES]
    places: dict[str, dict[str, Any]] = {}

    def place(title: str, parent: str | None = None) -> str:
        slug = slugify(title)
        places.setdefault(slug, {"type": "place", "slug": slug, "title": title,
                                 **({"parent": parent} if parent else {})})
        return slug

    seen: set[str] = set()
    for row in rows:
        qid = row["wikidata_qid"]
        if qid not in STRIKES or qid in seen:
            continue
        seen.add(qid)
        country = place(row["countryLabel"])
        location = row["locationLabel"]
        region = STRIKES[qid]
        if location == row["countryLabel"]:
            where = country
        elif region:
            where = place(location, place(region, country))
        else:
            where = place(location, country)
        start = row["startDate"][:10]
        title = row["eventLabel"] if not re.fullmatch(r"Q\d+", row["eventLabel"]) else f"Strike at {location}"
        wave = _wave(int(start[:4]))
        records.append({"type": "struggle", "slug": S[qid], "title": title, "start": start,
                        "body": row["description"] or title, "places": [where],
                        **({"waves": [wave]} if wave else {})})
        records.append({"type": "account", "slug": f"{S[qid]}-wikidata", "title": f"Wikidata: {title}",
                        "kind": "report", "date": start, "source": row["event"], "struggles": [S[qid]],
                        "places": [where], "body": f"{row['description'] or title}. Source: Wikidata (CC0)."})
    assert seen == set(STRIKES), set(STRIKES) - seen
    records += places.values()
    records += [
        {"type": "force", "slug": "waterfront-workers", "title": "Waterfront workers",
         "determinants": ["occupation: longshoremen and seamen"]},
        {"type": "organization", "slug": "ila", "title": "International Longshoremen's Association",
         "founded": "1892", "places": ["united-states"]},
        _articulation("toledo-west-coast", "solidarity", f"struggle/{AUTOLITE}", f"struggle/{WESTCOAST}", "1934-05"),
        _articulation("toledo-asturias", "solidarity", f"struggle/{AUTOLITE}", f"struggle/{ASTURIAS}", "1934-10"),
        _articulation("noranda-west-coast", "common target", f"struggle/{NORANDA}", f"struggle/{WESTCOAST}",
                      "1934-06"),
        _articulation("dockers-west-coast", "alliance", "force/waterfront-workers", f"struggle/{WESTCOAST}",
                      "1934-05"),
        # No struggle at either end: it joins the 1930s map by its date.
        _articulation("ila-dockers", "shared members", "organization/ila", "force/waterfront-workers", "1935"),
        _articulation("shirtwaist-dublin", "solidarity", f"struggle/{SHIRTWAIST}", f"struggle/{DUBLIN}", "1913-09"),
        _articulation("disney-akron", "solidarity", f"struggle/{DISNEY}", f"struggle/{AKRON}", "1943"),
        # Never on the site: a private link between public struggles, and a public one to a private struggle.
        _articulation(f"{SECRET.lower()}-link", "alliance", f"struggle/{AUTOLITE}", f"struggle/{BERLIN}", "1934",
                      visibility="private", body=SECRET),
        {"type": "struggle", "slug": f"{SECRET.lower()}-struggle", "title": f"{SECRET} struggle",
         "visibility": "private", "waves": ["thirties-upsurge"], "places": ["united-states"], "start": "1936"},
        _articulation("seattle-hidden", "solidarity", f"struggle/{SEATTLE}", f"struggle/{SECRET.lower()}-struggle",
                      "1936"),
    ]
    return records


def write_strikes(folder: Path, shared_data: Path, extra: list[dict[str, Any]] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "strikes.jsonl"
    rows = strike_records(shared_data) + (extra or [])
    path.write_text("".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows),
                    encoding="utf-8")
    return path


@pytest.fixture
def strikes(archive: Archive, engine, shared_data: Path, tmp_path: Path) -> Archive:
    report = ingest(engine, [write_strikes(tmp_path / "strikes", shared_data)], default_language="en", defaults=PUBLIC)
    assert not report.errors, report.errors
    return archive


def _hrefs(html: str, section: str) -> list[str]:
    return re.findall(r'href="\.\./([^"]+)"', section)


def _section(html: str, heading: str) -> str:
    match = re.search(rf"<h2>{re.escape(heading)}.*?</section>", html, re.S)
    assert match, heading
    return match.group(0)


US_STRUGGLES = {S[q] for q in ("Q1985730", "Q7014958", "Q16152515", "Q4826029", "Q4563463", "Q20712148",
                               "Q105484491", "Q3118379", "Q123310343")}


def test_country_page_counts_and_links_everything_in_its_towns(strikes: Archive, engine) -> None:
    build(strikes, engine, today=TODAY)
    site = strikes.public_dir
    page = (site / "places/united-states.html").read_text(encoding="utf-8")
    struggles = _section(page, "Struggles")
    assert "<span class=\"count\">(9)</span>" in struggles
    assert {h.removeprefix("struggles/").removesuffix(".html") for h in _hrefs(page, struggles)
            if h.startswith("struggles/wd-")} == US_STRUGGLES
    assert "(9)" in _section(page, "Accounts") and "(1)" in _section(page, "Organizations")
    assert SECRET.lower() not in page.lower()
    ohio = (site / "places/ohio.html").read_text(encoding="utf-8")
    assert {h for h in _hrefs(ohio, _section(ohio, "Struggles")) if h.startswith("struggles/wd-")} == {
        f"struggles/{AUTOLITE}.html", f"struggles/{AKRON}.html"}
    # The facet pages behind "All N" and the struggle index's place filter agree with the page.
    facet = (site / "struggles/by_place_united-states.html").read_text(encoding="utf-8")
    assert {h.removeprefix("struggles/").removesuffix(".html") for h in re.findall(r'href="\.\./(struggles/wd-[^"]+)"',
                                                                                   facet)} == US_STRUGGLES
    index = (site / "struggles/index.html").read_text(encoding="utf-8")
    assert 'by_place_united-states.html">United States</a> <span class="count">(9)</span>' in index


def test_town_page_shows_its_chain_of_parents(strikes: Archive, engine) -> None:
    build(strikes, engine, today=TODAY)
    page = (strikes.public_dir / "places/toledo.html").read_text(encoding="utf-8")
    chain = re.search(r'<nav class="place-chain".*?</nav>', page, re.S)
    assert chain, page
    assert re.findall(r'href="\.\./places/([^"]+)\.html"', chain.group(0)) == ["ohio", "united-states"]
    assert "Part of:" in chain.group(0)
    country = (strikes.public_dir / "places/united-states.html").read_text(encoding="utf-8")
    assert 'class="place-chain"' not in country


def test_place_page_marks_articulations_across_its_border(strikes: Archive, engine) -> None:
    build(strikes, engine, today=TODAY)
    site = strikes.public_dir
    us = _section((site / "places/united-states.html").read_text(encoding="utf-8"), "Across the border")
    linked = set(re.findall(r'href="\.\./articulations/([^"]+)\.html"', us))
    assert linked == {"toledo-asturias", "noranda-west-coast", "shirtwaist-dublin"}
    ohio = _section((site / "places/ohio.html").read_text(encoding="utf-8"), "Across the border")
    assert set(re.findall(r'href="\.\./articulations/([^"]+)\.html"', ohio)) == {"toledo-asturias"}
    assert "second-spanish-republic" in ohio
    spain = (site / "places/second-spanish-republic.html").read_text(encoding="utf-8")
    assert set(re.findall(r'href="\.\./articulations/([^"]+)\.html"', _section(spain, "Across the border"))) == {
        "toledo-asturias"}


def test_without_continuity_places_list_only_their_own_records(strikes: Archive, engine) -> None:
    build(strikes, engine, today=TODAY, continuity=False)
    site = strikes.public_dir
    page = (site / "places/united-states.html").read_text(encoding="utf-8")
    assert "Across the border" not in page and 'class="place-chain"' not in page
    assert "(9)" not in page
    assert not (site / "struggles/by_place_united-states.html").exists()
    assert (site / "struggles/by_place_toledo.html").exists()


def test_parent_cycles_and_places_are_guarded(strikes: Archive, engine, shared_data: Path, tmp_path: Path) -> None:
    cycle = [{"type": "place", "slug": "ruhr-area", "title": "Ruhr Area", "parent": "westphalia"},
             {"type": "place", "slug": "westphalia", "title": "Westphalia", "parent": "ruhr-area"},
             {"type": "struggle", "slug": "ruhr-strike", "title": "Ruhr miners' strike", "start": "1912-03-11",
              "places": ["ruhr-area"]},
             _articulation("ruhr-asturias", "solidarity", "struggle/ruhr-strike", f"struggle/{ASTURIAS}", "1912")]
    report = ingest(engine, [write_strikes(tmp_path / "more", shared_data, cycle)], default_language="en",
                    defaults=PUBLIC)
    assert not report.errors, report.errors
    data = gather(engine, TODAY)
    places = Places(data)
    ruhr, westphalia = data.items["place"]["ruhr-area"], data.items["place"]["westphalia"]
    assert [p.slug for p in places.chain(ruhr)] == ["ruhr-area", "westphalia"]
    assert places.country(ruhr) is places.country(westphalia) is ruhr  # the smallest slug of the cycle
    assert [s.slug for s in places.under(westphalia, "struggle")] == ["ruhr-strike"]
    strike = data.items["struggle"]["ruhr-strike"]
    assert places.cross_border(strike, data.items["struggle"][ASTURIAS])
    assert not places.cross_border(data.items["struggle"][AUTOLITE], data.items["struggle"][WESTCOAST])
    # A force has no place: unknown, never foreign.
    assert not places.cross_border(data.items["force"]["waterfront-workers"], data.items["struggle"][WESTCOAST])
    build(strikes, engine, today=TODAY)  # and the site builds
