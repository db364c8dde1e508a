"""Earlier struggles like this one on the published site, from a real archive (Collective Action in Tech).

The sample of test_site_data.py is extended with a struggle of the pandemic wave whose earlier twin is
public (with balance sheets, a demand won and a redacted name in a shared organization and in its text)
and whose other twin, sharing every feature and the text, is private. The site's list must come only
from earlier waves, give reasons, link lessons to their balance sheets, show nothing non-public or
redacted, agree with ``archive continuity SLUG --public``, and vanish with ``continuity=False``.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_site_data import write_sample

from archive.cli import cli
from archive.dates import sort_key
from archive.ingest.redaction import load_redactions
from archive.publish import build
from archive.publish.build import plan
from archive.publish.earlier import CAP, EarlierIndex
from archive.publish.model import Item, SiteData, gather
from archive.publish.paths import item_path
from archive.store.config import Archive
from archive.store.ingest import ingest
from tests.helpers import PUBLIC

TODAY = dt.date(2026, 1, 1)
TEXT = ("Drivers switched off the app for a day against the cut in the per-mile rate, and the "
        "{name} Drivers Association called a rally at the depot.")
EXTRA = [
    {"type": "organization", "slug": "casey-jones-drivers", "title": "Casey Jones Drivers Association",
     "form": "union", "founded": "1971"},
    {"type": "place", "slug": "oakland", "title": "Oakland"},
    # The public earlier twin: same form (through its organization), force, place, grievance and demand.
    {"type": "struggle", "slug": "depot-slowdown-1972", "title": "Depot slowdown (1972)", "start": "1972-05",
     "waves": ["early-tech-organizing"], "organizations": ["casey-jones-drivers"], "forces": ["gig-workers"],
     "places": ["oakland"], "tags": ["per-mile rate", "pay and benefits"],
     "demands": ["Restore the per-mile rate (won)", "Recognition of the association (lost)"],
     "body": TEXT.format(name="Casey Jones")},
    {"type": "balance_sheet", "slug": "depot-slowdown-assessed", "title": "What the depot slowdown won",
     "struggle": "depot-slowdown-1972", "author": "A driver", "date": "1980", "won": "The rate came back.",
     "lessons": ["Stop at the same hour everywhere"], "limits": ["the association was never recognised"]},
    {"type": "balance_sheet", "slug": "depot-secret-assessment", "title": "SECRETMARKERSHEET", "visibility": "private",
     "struggle": "depot-slowdown-1972", "author": "SECRETMARKERAUTHOR", "date": "1981",
     "lessons": ["SECRETMARKERLESSON"]},
    # The private twin shares every feature and the very text: it must not appear anywhere.
    {"type": "struggle", "slug": "secret-twin-1975", "title": "SECRETMARKERTWIN depot strike", "start": "1975",
     "visibility": "private", "waves": ["early-tech-organizing"], "organizations": ["casey-jones-drivers"],
     "forces": ["gig-workers"], "places": ["oakland"], "forms": ["union"],
     "tags": ["per-mile rate", "pay and benefits", "secrettagtwin"],
     "demands": ["Restore the per-mile rate (won)", "SECRETMARKERDEMAND"], "body": TEXT.format(name="Casey Jones")},
    # A struggle of a later wave sharing everything: never an *earlier* struggle for the target.
    {"type": "struggle", "slug": "depot-strike-2023-later", "title": "Depot strike (2023)", "start": "2023",
     "waves": ["pandemic-strikes"], "organizations": ["casey-jones-drivers"], "forces": ["gig-workers"],
     "places": ["oakland"], "tags": ["per-mile rate"], "body": TEXT.format(name="Casey Jones")},
    # A campaign that began in an earlier wave but runs on into the target's: not an earlier struggle either.
    {"type": "struggle", "slug": "long-depot-campaign", "title": "Long depot campaign", "start": "1990",
     "waves": ["early-tech-organizing", "pandemic-strikes"], "organizations": ["casey-jones-drivers"],
     "forces": ["gig-workers"], "places": ["oakland"], "tags": ["per-mile rate"],
     "body": TEXT.format(name="Casey Jones")},
    {"type": "struggle", "slug": "app-switch-off-2021", "title": "App switch-off (2021)", "start": "2021-03",
     "waves": ["pandemic-strikes"], "organizations": ["casey-jones-drivers"], "forces": ["gig-workers"],
     "places": ["oakland"], "tags": ["per-mile rate", "pay and benefits"],
     "demands": ["Restore the per-mile rate (pending)"], "body": TEXT.format(name="Casey Jones")},
]
TARGET = "app-switch-off-2021"


@pytest.fixture
def earlier_archive(archive: Archive, engine, shared_data: Path, tmp_path: Path) -> Archive:
    sample = write_sample(tmp_path / "sample", shared_data)
    extra = tmp_path / "sample" / "extra.jsonl"
    extra.write_text("\n".join(json.dumps(r) for r in EXTRA) + "\n", encoding="utf-8")
    report = ingest(engine, [sample, extra], default_language="en", defaults=PUBLIC)
    assert not report.errors, report.errors
    (archive.root / "redactions.yaml").write_text("Casey Jones: K. J.\n", encoding="utf-8")
    return archive


@pytest.fixture
def site(earlier_archive: Archive, engine) -> Path:
    build(earlier_archive, engine, today=TODAY)
    return earlier_archive.public_dir


@pytest.fixture
def data(earlier_archive: Archive, engine) -> SiteData:
    return gather(engine, TODAY, load_redactions(earlier_archive.root))


SECTION = re.compile(r'<section class="earlier".*?</section>', re.S)
ENTRY = re.compile(r'<li>\s*<p class="earlier-title"><a href="\.\./([^"]+)"[^>]*>([^<]*)</a>(.*?)</li>\s*(?=<li>\s*<p '
                   r'class="earlier-title"|</ol>)', re.S)


def earlier_on_page(site: Path, slug: str) -> list[dict]:
    """The earlier struggles a struggle's page lists: path, title, reasons, lessons (text, sheet path)."""
    page = (site / "struggles" / f"{slug}.html").read_text(encoding="utf-8")
    section = SECTION.search(page)
    if section is None:
        return []
    out = []
    for path, title, rest in ENTRY.findall(section.group(0)):
        reasons = re.search(r'<ul class="reasons">(.*?)</ul>', rest, re.S)
        lessons = re.findall(r'<span class="finding-kind">(\w+)</span> (.*?) <span class="result-meta">— '
                             r'<a href="\.\./([^"]+)">', rest)
        because = re.search(r'<span class="result-meta earlier-because">(.*?)</span>', rest)
        out.append({"path": path, "title": html.unescape(title), "because": because and because.group(1),
                    "reasons": [html.unescape(r) for r in re.findall(r"<li>(.*?)</li>", reasons.group(1))],
                    "lessons": [(kind, html.unescape(text), sheet) for kind, text, sheet in lessons]})
    return out


def first_wave_start(item: Item) -> str | None:
    starts = [w.fields["start"] for w in item.linked("waves") if w.fields.get("start")]
    return min(starts, key=sort_key) if starts else None


def test_the_public_twin_comes_first_with_its_reasons_and_lessons(site: Path, data: SiteData) -> None:
    shown = earlier_on_page(site, TARGET)
    assert shown, "the struggle's page lists no earlier struggles"
    twin = shown[0]
    assert twin["path"] == "struggles/depot-slowdown-1972.html"
    assert twin["reasons"][:5] == [
        "same organizational form: Union", "same social force: Gig workers",
        "same organization: K. J. Drivers Association", "same grievance: pay and benefits, per-mile rate",
        "same place: Oakland"]
    assert "same demand: Restore the per-mile rate (won there)" in twin["reasons"]
    assert "similar text" in twin["reasons"]
    sheet = item_path(data.items["balance_sheet"]["depot-slowdown-assessed"])
    assert twin["lessons"] == [("lesson", "Stop at the same hour everywhere", sheet),
                               ("limit", "the association was never recognised", sheet)]
    assert (site / sheet).is_file()


def test_only_public_struggles_of_earlier_waves_appear(site: Path, data: SiteData) -> None:
    """Over every struggle page: each listed struggle is public, started before this struggle, has at least
    one reason, and, when this struggle is in a wave, began in a wave before its first wave and shares
    none of its waves; the page says which rule let it in."""
    struggles = {item_path(s): s for s in data.of_type("struggle")}
    pages_with_earlier = 0
    for item in data.of_type("struggle"):
        shown = earlier_on_page(site, item.slug)
        pages_with_earlier += bool(shown)
        mine = item.fields.get("start") or first_wave_start(item)
        cutoff = first_wave_start(item)
        own = {w.slug for w in item.linked("waves")}
        for entry in shown:
            # Plain values only in asserts: pytest would print Items, whose links make their repr explode.
            other = struggles[entry["path"]]
            pair = (item.slug, other.slug)
            theirs = other.fields.get("start")
            if theirs:
                assert sort_key(theirs) < sort_key(mine) and not mine.startswith(theirs), pair
            if cutoff:
                start = first_wave_start(other)
                assert start and sort_key(start) < sort_key(cutoff), pair
                assert sorted(own & {w.slug for w in other.linked("waves")}) == [], pair
                assert entry["because"] == "from an earlier wave", pair
            else:
                assert entry["because"] == "from an earlier time", pair
            assert entry["reasons"], pair
    assert pages_with_earlier > 40  # the sample's later struggles have earlier ones
    assert not earlier_on_page(site, "depot-slowdown-1972")  # its wave is the first
    target = [e["path"] for e in earlier_on_page(site, TARGET)]
    assert "struggles/depot-strike-2023-later.html" not in target
    assert "struggles/long-depot-campaign.html" not in target


def test_private_twin_redacted_names_and_private_lessons_leave_no_trace(site: Path) -> None:
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        text = path.read_bytes().decode("utf-8", "replace").lower()
        for word in ("secretmarkertwin", "secret-twin", "secrettagtwin", "secretmarkerdemand", "secretmarkersheet",
                     "secretmarkerlesson", "casey jones", "casey-jones"):
            assert word not in text, (word, path)
        assert "secret-twin" not in path.as_posix()


def test_cli_public_gives_the_list_the_site_shows(earlier_archive: Archive, site: Path, data: SiteData) -> None:
    checked = 0
    for item in sorted(data.of_type("struggle"), key=lambda s: s.slug):
        shown = earlier_on_page(site, item.slug)
        if not shown and item.slug != TARGET:
            continue
        result = CliRunner().invoke(cli, ["--archive", str(earlier_archive.root), "continuity", item.slug,
                                          "--public", "--json"])
        assert result.exit_code == 0, result.output
        printed = json.loads(result.output)["earlier"]
        assert [f"struggles/{e['slug']}.html" for e in printed] == [e["path"] for e in shown], item.slug
        assert [e["reasons"] for e in printed] == [e["reasons"] for e in shown], item.slug
        # The page shows the first four lessons of each; the command line prints them all.
        assert [[(x["balance_sheet"], x["kind"], x["text"]) for x in e["lessons"][:4]] for e in printed] == [
            [(sheet.removeprefix("balance-sheets/").removesuffix(".html"), kind, text)
             for kind, text, sheet in e["lessons"]] for e in shown]
        checked += 1
        if checked == 12:
            break
    assert checked == 12


def test_cli_public_knows_only_public_struggles(earlier_archive: Archive, site: Path) -> None:
    result = CliRunner().invoke(cli, ["--archive", str(earlier_archive.root), "continuity", "secret-twin-1975",
                                      "--public"])
    assert result.exit_code != 0 and "no public struggle 'secret-twin-1975'" in result.output


def test_without_continuity_the_view_is_not_built(earlier_archive: Archive, engine, data: SiteData,
                                                     tmp_path: Path) -> None:
    pages, planner = plan(earlier_archive, data, continuity=False)
    assert planner.earlier is None
    related = next(p for p in pages if p.path == f"struggles/{TARGET}.html").context["related"]
    assert "earlier" not in related or related["earlier"] is None
    build(earlier_archive, engine, tmp_path / "plain", today=TODAY, continuity=False)
    assert "Earlier struggles like this one" not in (tmp_path / "plain" / "struggles" / f"{TARGET}.html").read_text(
        encoding="utf-8")


def test_a_rare_shared_feature_is_found_beyond_the_cap_of_a_common_one(data: SiteData) -> None:
    """Thousands of earlier struggles share a grievance; the one that also shares a rare place is the
    oldest of them, far outside the window read for the grievance, and still comes first."""
    wave_old = _item(-1, "wave", "old", {"start": "1900"})
    wave_new = _item(-2, "wave", "new", {"start": "2000"})
    place = _item(-3, "place", "rare-town", {})
    struggles = []
    for number in range(3 * CAP):
        s = _item(number, "struggle", f"s-{number:05d}", {"start": f"{1901 + number // 100}"}, tags=["pay"])
        _link(s, "waves", wave_old)
        struggles.append(s)
    _link(struggles[0], "places", place)
    target = _item(10**6, "struggle", "target", {"start": "2001"}, tags=["pay"])
    _link(target, "waves", wave_new)
    _link(target, "places", place)
    index = EarlierIndex(SiteData({"struggle": {s.slug: s for s in [*struggles, target]},
                                   "wave": {"old": wave_old, "new": wave_new}, "place": {"rare-town": place}}, {}))
    view = index.find(target)
    # Plain values only: a failing assert must not print Items, whose links make their repr explode.
    before = view.before if view else None
    found = [(e.item.slug, e.reasons) for e in view.struggles] if view else []
    assert before == "2000"
    assert found[0] == ("s-00000", ["same grievance: pay", "same place: rare-town"])
    assert [reasons for _, reasons in found[1:]] == [["same grievance: pay"]] * 4


def _item(id_: int, type_: str, slug: str, fields: dict, tags: list[str] | None = None) -> Item:
    return Item(id_, type_, slug, slug, "", "en", False, fields, tags or [])


def _link(source: Item, relation: str, target: Item) -> None:
    source.out[relation].append(target)
    target.inbound[relation].append(source)
