"""Lineage across waves on the published site and in search, with real labour history.

The American Federation of Labor (1886) lost the industrial unions of the Committee, then Congress, of
Industrial Organizations (expelled 1937, constituted apart 1938); the CIO founded the Steel Workers
Organizing Committee (June 1936), which became the United Steelworkers with the old craft union of the
Amalgamated Association (May 1942); AFL and CIO merged on 5 December 1955; Change to Win split from the
AFL-CIO in September 2005 and renamed itself the Strategic Organizing Center in 2020. The struggles are
Wikidata items (CC0, ../shared/data/wikidata_protests_strikes) with dates from the record where Wikidata
has none; the capped timeline uses real FMCS strikes by United Steelworkers locals (public domain).
Records marked "fictional" exist only to test privacy, embargo and cycles.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import signal
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from archive.cli import cli
from archive.publish import build
from archive.publish.cache import BuildCache
from archive.publish.lineage import MAX_ROWS, MAX_SHOWN, LineageIndex, instances_svg
from archive.publish.model import SiteData, gather
from archive.publish.pages import Planner
from archive.publish.searchindex import documents, term_scores
from archive.search import analysis
from archive.store.config import Archive

TODAY = dt.date(2026, 1, 1)

WAVES = [
    {"type": "wave", "slug": "gilded-age-strikes", "title": "Gilded Age strikes", "start": "1877", "end": "1894"},
    {"type": "wave", "slug": "strike-wave-of-1919", "title": "Strike wave of 1919", "start": "1919", "end": "1922"},
    {"type": "wave", "slug": "upsurge-of-the-1930s", "title": "Upsurge of the 1930s", "start": "1933", "end": "1941"},
    {"type": "wave", "slug": "postwar-strike-waves", "title": "Postwar strike waves", "start": "1945", "end": "1953"},
]
# Wikidata QID -> (slug, waves, organizations, forms, start and end where Wikidata gives none)
STRUGGLES = {
    "Q1985730": ("homestead-strike", ["gilded-age-strikes"], ["amalgamated-association"], ["craft-union"], None),
    "Q7605761": ("steel-strike-of-1919", ["strike-wave-of-1919"], ["afl", "amalgamated-association"],
                 ["craft-union"], None),
    "Q3118399": ("flint-sit-down-strike", ["upsurge-of-the-1930s"], ["uaw", "cio"], ["industrial-union"], None),
    "Q17089178": ("little-steel-strike", ["upsurge-of-the-1930s"], ["swoc", "cio"], ["industrial-union"],
                  ("1937-05-26", "1937-08")),
    "Q4567632": ("steel-strike-of-1952", ["postwar-strike-waves"], ["usw", "cio"], ["industrial-union"],
                 ("1952-06-02", "1952-07-26")),
    "Q7605762": ("steel-strike-of-1959", [], ["usw", "afl-cio"], ["industrial-union"], ("1959-07-15", "1959-11-07")),
}
LINEAGE = """
- {type: form, slug: craft-union, title: Craft union, body: Workers organized by trade.}
- {type: form, slug: industrial-union, title: Industrial union, variant_of: [craft-union (1935)],
   body: Every worker in an industry in one union.}
- {type: organization, slug: afl, title: American Federation of Labor (AFL), founded: 1886, dissolved: 1955,
   form: craft-union, merged_into: [afl-cio (1955-12-05)]}
- {type: organization, slug: amalgamated-association, title: Amalgamated Association of Iron and Steel Workers,
   founded: 1876, dissolved: 1942, form: craft-union, merged_into: [usw (1942-05-22)]}
- {type: organization, slug: cio, title: Congress of Industrial Organizations (CIO), founded: 1935, dissolved: 1955,
   form: industrial-union, split_from: [{slug: afl, date: 1938}], merged_into: "afl-cio (1955-12-05)"}
- {type: organization, slug: uaw, title: United Auto Workers, founded: 1935, form: industrial-union}
- {type: organization, slug: swoc, title: Steel Workers Organizing Committee, founded: 1936-06, dissolved: 1942,
   form: industrial-union, grew_out_of: [cio (1936-06)], succeeded_by: [usw (1942-05-22)]}
- {type: organization, slug: usw, title: United Steelworkers, founded: 1942-05-22, form: industrial-union}
- {type: organization, slug: afl-cio, title: AFL-CIO, founded: 1955-12-05}
- {type: organization, slug: change-to-win, title: Change to Win Federation, founded: 2005-09,
   split_from: [afl-cio (2005-09)], succeeded_by: [strategic-organizing-center (2020)]}
- {type: organization, slug: strategic-organizing-center, title: Strategic Organizing Center, founded: 2020}
# fictional: a private caucus in the chain, and a public body that grew out of it
- {type: organization, slug: secret-caucus, title: SECRETMARKERLINEAGE caucus, visibility: private,
   grew_out_of: [change-to-win (2010)]}
- {type: organization, slug: caucus-heir, title: Heir of the caucus, founded: 2012,
   grew_out_of: [secret-caucus (2012)]}
# fictional: public since its embargo passed; its name is in no other record's search text
- {type: organization, slug: embargo-passed, title: EMBARGOPASSED committee, embargo_until: 2020-01-01,
   founded: 2008}
- {type: organization, slug: embargo-heir, title: Heir of the committee, grew_out_of: [embargo-passed (2015)]}
"""


def _struggles(shared_data: Path) -> list[dict[str, Any]]:
    path = shared_data / "wikidata_protests_strikes" / "wikidata_strikes_raw_rows.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = {r["wikidata_qid"]: r for r in csv.DictReader(handle)}
    out = []
    for qid, (slug, waves, orgs, forms, dates) in STRUGGLES.items():
        row = rows[qid]
        start, end = dates or (row["startDate"][:10], row["endDate"][:10])
        out.append({"type": "struggle", "slug": slug, "title": row["eventLabel"], "body": row["description"],
                    "start": start, "end": end, "waves": waves, "organizations": orgs, "forms": forms,
                    "source": row["event"]})
    return out


def run(root: Path, *args: str) -> Any:
    result = CliRunner().invoke(cli, ["--archive", str(root), *args])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def history(archive: Archive, write, shared_data: Path) -> Archive:
    """The archive with the history above, ingested through the command line (so the index is built)."""
    records = WAVES + _struggles(shared_data)
    run(archive.root, "ingest", "--set", "visibility=public",
        str(write("struggles.yaml", yaml.safe_dump(records, allow_unicode=True))), str(write("lineage.yaml", LINEAGE)))
    return archive


@pytest.fixture
def site(history: Archive, engine) -> Path:
    build(history, engine, today=TODAY)
    return history.public_dir


def section(page: Path, heading: str) -> str:
    """The HTML of the lineage subsection under ``heading`` ("Came from" or "Led to"), or ""."""
    text = page.read_text(encoding="utf-8")
    match = re.search(rf"<h3>{heading}</h3>(.*?)(?=<h3>|</section>)", text, re.S)
    return match.group(1) if match else ""


def linked(html: str) -> list[str]:
    return re.findall(r'href="\.\./organizations/([^"]+)\.html"', html)


def test_lineage_in_both_directions_with_dates_waves_and_forms(site: Path) -> None:
    orgs = site / "organizations"
    came, led = section(orgs / "cio.html", "Came from"), section(orgs / "cio.html", "Led to")
    assert linked(came) == ["afl"]
    assert "<em class=\"lineage-relation\">split from</em>" in came and '<time datetime="1938">1938</time>' in came
    assert "Craft union" in came  # the ancestor's form
    assert 'href="../waves/strike-wave-of-1919.html"' in came  # the waves the AFL was active in
    # A tree in time order: through the SWOC (1936), then through the AFL-CIO (1955).
    assert linked(led) == ["swoc", "usw", "afl-cio", "change-to-win", "strategic-organizing-center"]
    assert "merged into</em> AFL-CIO, <time datetime=\"1955-12-05\">" in led
    assert "Change to Win Federation <em class=\"lineage-relation\">split from</em> AFL-CIO, " \
           "<time datetime=\"2005-09\">" in led
    assert "was succeeded by</em> Strategic Organizing Center, <time datetime=\"2020\">" in led

    # The other way round from the AFL-CIO: the AFL and the CIO are ancestors, once each.
    came, led = section(orgs / "afl-cio.html", "Came from"), section(orgs / "afl-cio.html", "Led to")
    assert linked(came) == ["afl", "cio"]
    assert "American Federation of Labor (AFL) <em class=\"lineage-relation\">merged into</em> <strong>AFL-CIO" in came
    assert 'href="../waves/upsurge-of-the-1930s.html"' in came and 'href="../waves/postwar-strike-waves.html"' in came
    assert linked(led) == ["change-to-win", "strategic-organizing-center"]

    # Three generations back from the United Steelworkers, across three waves.
    came = section(orgs / "usw.html", "Came from")
    assert linked(came) == ["amalgamated-association", "swoc", "cio", "afl"]
    assert section(orgs / "usw.html", "Led to") == ""
    assert section(orgs / "afl.html", "Came from") == ""

    # Forms: the variant, both ways.
    assert "is a variant of</em> <strong>Craft union</strong>, <time datetime=\"1935\">" in \
        section(site / "forms" / "craft-union.html", "Led to")
    assert 'href="../forms/craft-union.html"' in section(site / "forms" / "industrial-union.html", "Came from")


def test_a_private_organization_breaks_the_chain_and_leaves_no_trace(site: Path) -> None:
    for path in site.rglob("*"):
        if path.is_file():
            data = path.read_bytes().lower()
            assert b"secretmarkerlineage" not in data and b"secret-caucus" not in data, path
    assert "caucus-heir" not in (site / "organizations" / "change-to-win.html").read_text(encoding="utf-8")
    assert section(site / "organizations" / "caucus-heir.html", "Came from") == ""
    # Public since its embargo passed: shown in the lineage like any public record.
    assert linked(section(site / "organizations" / "embargo-heir.html", "Came from")) == ["embargo-passed"]


def test_without_continuity_the_pages_are_as_before(history: Archive, engine) -> None:
    build(history, engine, today=TODAY, continuity=False)
    cio = (history.public_dir / "organizations" / "cio.html").read_text(encoding="utf-8")
    form = (history.public_dir / "forms" / "industrial-union.html").read_text(encoding="utf-8")
    assert "lineage" not in cio and "Lineage" not in cio
    assert "form-timeline" not in form and "lineage" not in form


def test_the_form_timeline_has_one_row_per_instance(site: Path) -> None:
    text = (site / "forms" / "industrial-union.html").read_text(encoding="utf-8")
    svg = re.search(r"<svg class=\"timeline form-timeline\".*?</svg>", text, re.S)
    assert svg, "no form timeline"
    rows = re.findall(r'<a href="\.\./(\w+)/([\w-]+)\.html" class="instance instance-(\w+)">', svg.group(0))
    # Four organizations (bars) and four struggles (marks), in time order, each linking to its page.
    assert [(folder, slug) for folder, slug, _ in rows] == [
        ("organizations", "cio"), ("organizations", "uaw"), ("organizations", "swoc"),
        ("struggles", "flint-sit-down-strike"), ("struggles", "little-steel-strike"), ("organizations", "usw"),
        ("struggles", "steel-strike-of-1952"), ("struggles", "steel-strike-of-1959")]
    for folder, slug, _ in rows:
        assert (site / folder / f"{slug}.html").is_file()
    assert svg.group(0).count('class="instance-bar"') == 2  # CIO and SWOC were dissolved
    assert svg.group(0).count('class="instance-bar open"') == 2  # UAW and USW still stand
    assert svg.group(0).count('class="instance-mark"') == 4
    assert 'href="../waves/upsurge-of-the-1930s.html"><rect class="wave-band"' in svg.group(0)
    assert "gilded-age-strikes" not in svg.group(0)  # outside the form's years
    assert "style=" not in text and "<script>" not in text
    assert "more" not in re.search(r'<section class="form-instances".*?</section>', text, re.S).group(0)


def test_many_instances_are_capped_with_links_to_every_one(archive: Archive, engine, write, shared_data) -> None:
    """Real FMCS strikes by United Steelworkers locals: more than one timeline can show."""
    path = shared_data / "fmcs_work_stoppages" / "work_stoppages.csv"
    strikes, locals_ = [], {}
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        match = re.fullmatch(r"USA (\d+)", row["Union"].strip())
        # Real data is messy: a few rows end before they start.
        if not match or not row["Start Date"] or (row["End Date"] and row["End Date"] < row["Start Date"]):
            continue
        local = f"usw-local-{match.group(1)}"
        locals_.setdefault(local, {"type": "organization", "slug": local, "form": "industrial-union",
                                   "title": f"United Steelworkers Local {match.group(1)}", "grew_out_of": ["usw"]})
        strikes.append({"type": "struggle", "slug": f"fmcs-{row['Case Number'].lower()}",
                        "title": f"Strike at {row['Employer']}", "start": row["Start Date"],
                        "end": row["End Date"] or None, "forms": ["industrial-union"], "organizations": [local]})
        if len(strikes) == 80:
            break
    records = [{"type": "form", "slug": "industrial-union", "title": "Industrial union"},
               {"type": "organization", "slug": "usw", "title": "United Steelworkers", "founded": "1942-05-22",
                "form": "industrial-union"}, *locals_.values(), *strikes]
    run(archive.root, "ingest", "--set", "visibility=public",
        str(write("usw.yaml", yaml.safe_dump(records, allow_unicode=True))))
    assert len(locals_) > MAX_SHOWN
    build(archive, engine, today=TODAY)
    site = archive.public_dir
    text = (site / "forms" / "industrial-union.html").read_text(encoding="utf-8")
    svg = re.search(r"<svg class=\"timeline form-timeline\".*?</svg>", text, re.S).group(0)
    assert svg.count('class="instance instance-') == MAX_ROWS
    total = 1 + len(locals_) + len(strikes)
    more = re.findall(r'<a href="\.\./((\w+)/by_form_industrial-union\.html)">(\d+) more (\w+)</a>', text)
    assert sum(int(n) for _, _, n, _ in more) == total - MAX_ROWS
    for target, folder, n, _ in more:
        listed = sum(len(re.findall(rf'<li><a href="\.\./{folder}/(?!index)', p.read_text(encoding="utf-8")))
                     for p in site.glob(target.replace(".html", "*.html")))
        assert listed == (len(locals_) + 1 if folder == "organizations" else len(strikes)), (target, n)
    # The USW's locals: more than a page may list, so the lineage is cut and says so.
    usw = (site / "organizations" / "usw.html").read_text(encoding="utf-8")
    assert len(linked(section(site / "organizations" / "usw.html", "Led to"))) == MAX_SHOWN
    assert "The lineage goes further than shown here" in usw


@pytest.fixture
def alarm() -> Iterator[None]:
    """Fail instead of hanging."""
    def stop(*_: object) -> None:
        raise TimeoutError("the lineage walk did not finish")
    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def test_a_cycle_in_the_records_does_not_hang(archive: Archive, engine, write, alarm) -> None:
    # A data-entry slip: each federation recorded as the other's successor, and one as its own.
    cycle = """
- {type: organization, slug: afl, title: American Federation of Labor, succeeded_by: [cio (1938), afl]}
- {type: organization, slug: cio, title: Congress of Industrial Organizations, succeeded_by: [afl-cio (1955)]}
- {type: organization, slug: afl-cio, title: AFL-CIO, succeeded_by: [afl (1886)], split_from: [cio]}
- {type: form, slug: craft-union, title: Craft union, variant_of: [industrial-union]}
- {type: form, slug: industrial-union, title: Industrial union, variant_of: [craft-union]}
"""
    run(archive.root, "ingest", "--set", "visibility=public", str(write("cycle.yaml", cycle)))
    data = gather(engine, TODAY)
    index = LineageIndex(data)
    afl = data.items["organization"]["afl"]
    lineage = index.lineage(afl)
    assert [s.item.slug for s in lineage.descendants] == ["cio"]
    assert [s.item.slug for s in lineage.descendants[0].children] == ["afl-cio"]
    assert [s.item.slug for s in lineage.ancestors] == ["afl-cio"]
    assert [s.item.slug for s in lineage.ancestors[0].children] == ["cio"]  # the AFL-CIO "split from" the CIO
    assert not lineage.truncated and lineage.count == 4
    craft = index.lineage(data.items["form"]["craft-union"])
    assert [s.item.slug for s in craft.ancestors] == [s.item.slug for s in craft.descendants] == ["industrial-union"]
    build(archive, engine, today=TODAY)
    assert "Lineage across waves" in (archive.public_dir / "organizations" / "afl.html").read_text(encoding="utf-8")


def test_an_undated_instance_gets_a_row_without_a_bar() -> None:
    from archive.publish.model import Item

    def item(id_: int, record_type: str, slug: str, **fields: str) -> Item:
        return Item(id_, record_type, slug, slug.upper(), "", None, False, fields)

    svg = instances_svg([item(1, "organization", "a", founded="1900"), item(2, "struggle", "b <x>"),
                         item(3, "organization", "c", dissolved="1910")], [], "../", 1920)
    assert svg.count('class="instance instance-') == 3
    assert "date unknown" in svg and "B &lt;X&gt;" in svg and "<x>" not in svg
    assert svg.count('class="instance-bar open"') == 1 and svg.count('class="instance-bar"') == 1
    assert instances_svg([item(2, "struggle", "b")], [], "../", None) == ""


# Search


def site_ranking(data: SiteData, word: str) -> list[tuple[str, float]]:
    """What the site's search shards rank for one word (the sums the browser makes)."""
    docs = documents(data, BuildCache())
    scores = term_scores(docs)
    totals: dict[int, float] = defaultdict(float)
    for terms in analysis.query_alternatives(word, {d.item.language or "en" for d in docs}):
        for term in terms:
            for number, score in scores.get(term, {}).items():
                totals[number] += score
    ranked = sorted(totals.items(), key=lambda p: (-p[1], p[0]))
    return [(docs[number].item.key, score) for number, score in ranked]


def cli_ranking(root: Path, word: str, *options: str) -> list[tuple[str, float]]:
    hits = json.loads(run(root, "search", word, "--json", "--limit", "1000", *options).output)
    return [(f"{h['type']}/{h['slug']}", h["score"]) for h in hits]


def same(site: list[tuple[str, float]], cli: list[tuple[str, float]]) -> None:
    assert [k for k, _ in site[:10]] == [k for k, _ in cli[:10]]
    assert [s for _, s in site[:10]] == pytest.approx([s for _, s in cli[:10]], abs=1e-4)


def test_search_finds_organizations_by_their_lineage_names(history: Archive, engine) -> None:
    root = history.root
    found = [k for k, _ in cli_ranking(root, "AFL", "--public")]
    assert "organization/cio" in found  # split from the AFL: "AFL" is in no field of its own
    assert "organization/change-to-win" in found  # split from the AFL-CIO
    assert "organization/strategic-organizing-center" not in found
    assert "form/industrial-union" in [k for k, _ in cli_ranking(root, "craft", "--public")]
    assert "organization/swoc" in [k for k, _ in cli_ranking(root, "Steelworkers", "--public")]
    data = gather(engine)
    for word in ("AFL", "craft", "Steelworkers", "Congress", "federation", "SECRETMARKERLINEAGE", "EMBARGOPASSED"):
        same(site_ranking(data, word), cli_ranking(root, word, "--public"))
    # Neither a private name nor a name public only since its embargo reaches another record's document.
    assert cli_ranking(root, "SECRETMARKERLINEAGE", "--public") == []
    assert [k for k, _ in cli_ranking(root, "SECRETMARKERLINEAGE")] == ["organization/secret-caucus"]
    assert [k for k, _ in cli_ranking(root, "EMBARGOPASSED", "--public")] == ["organization/embargo-passed"]
    assert "The index agrees with the store" in run(root, "verify").output


def test_renaming_an_ancestor_updates_its_descendants_documents(history: Archive, write) -> None:
    root = history.root
    renamed = LINEAGE.replace("title: American Federation of Labor (AFL)", "title: Federation of Organized Trades")
    run(root, "ingest", "--set", "visibility=public", str(write("lineage.yaml", renamed)))
    assert "The index agrees with the store" in run(root, "verify").output
    assert "organization/cio" in [k for k, _ in cli_ranking(root, "Trades", "--public")]
    # Made private, the AFL's name leaves the CIO's document at once.
    private = renamed.replace("founded: 1886, dissolved: 1955,", "founded: 1886, dissolved: 1955, visibility: private,")
    run(root, "ingest", "--set", "visibility=public", str(write("lineage.yaml", private)))
    assert "The index agrees with the store" in run(root, "verify").output
    assert [k for k, _ in cli_ranking(root, "Trades", "--public") if k.startswith("organization/")] == []


def test_planner_builds_the_lineage_index_once(history: Archive, engine, monkeypatch) -> None:
    data = gather(engine, TODAY)
    calls = []
    original = LineageIndex.__init__

    def counting(self: LineageIndex, *args: Any) -> None:
        calls.append(1)
        original(self, *args)

    monkeypatch.setattr(LineageIndex, "__init__", counting)
    planner = Planner(data)
    pages = list(planner.pages())
    assert calls == [1] and len(pages) > 20
    assert Planner(data, continuity=False).lineage is None and calls == [1]
