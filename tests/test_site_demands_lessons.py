"""Demands with their outcomes, balance sheets side by side, and the lessons pages.

The struggles are real actions from the collective-action-in-tech data set (their ids are in ``source``);
the demands, outcomes and balance sheets are written for the test from the actions' own descriptions.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from html import unescape
from pathlib import Path

import pytest
import yaml

from archive.publish import build
from archive.publish.conversation import categorize
from archive.store.ingest import ingest
from tests.helpers import PUBLIC

TODAY = dt.date(2026, 1, 1)
ACTIONS = {"382": "computer-people-for-peace", "103": "google-walkout", "135": "google-may-day-sit-in",
           "138": "google-open-letter-to-larry-page", "107": "google-dragonfly-letter"}


def tech_struggles(shared_data: Path) -> list[dict]:
    with (shared_data / "collective_action_in_tech" / "actions.csv").open(encoding="utf-8") as handle:
        rows = {r["id"]: r for r in csv.DictReader(handle)}
    struggles = []
    for action_id, slug in ACTIONS.items():
        row = rows[action_id]
        year = int(row["date"][:4])
        struggles.append({"type": "struggle", "slug": slug, "title": row["description"].split(".")[0][:90],
                          "start": row["date"], "body": row["description"],
                          "waves": ["vietnam-era" if year < 1980 else "tech-2018"],
                          "tags": yaml.safe_load(row["struggles"].replace("'", '"'))})
    return struggles


DEMANDS = {
    "computer-people-for-peace": ["An anti-war position for the ACM (lost)"],
    "google-walkout": ["An end to forced arbitration in cases of harassment and discrimination (won)",
                       {"demand": "An employee representative on the board of directors", "outcome": "lost"},
                       "A commitment to end pay and opportunity inequity (partly won)"],
    "google-may-day-sit-in": ["An end to retaliation against walkout organizers (lost)"],
    "google-open-letter-to-larry-page": ["An end to retaliation against Walkout organizers! (pending)",
                                         "An end to forced arbitration in cases of harassment and discrimination"],
}

EXTRA = """
- {type: wave, slug: vietnam-era, title: Computing against the war, start: 1968, end: 1972}
- {type: wave, slug: tech-2018, title: The tech worker wave, start: 2018, end: 2021}
- type: struggle
  slug: secret-arbitration-fight
  title: A private fight over arbitration
  visibility: private
  start: 2019
  waves: [tech-2018]
  demands: [An end to forced arbitration in cases of harassment and discrimination (lost)]
- type: balance_sheet
  slug: walkout-organizers-look-back
  title: The walkout organizers look back
  struggle: google-walkout
  author: Walkout organizers
  position: organizers inside the company
  date: 2019-11
  won: An end to forced arbitration
  limits: ["repression: two organizers, Claire Stapleton and a colleague, faced retaliation",
           "the energy of the walkout day could not be sustained; momentum was lost within months"]
  lessons: ["Build a standing organization before the next flashpoint"]
- type: balance_sheet
  slug: a-reply-from-contractors
  title: A reply from the contractors
  struggle: google-walkout
  author: TVC workers
  position: temps, vendors and contractors
  date: 2019-12
  replies_to: [walkout-organizers-look-back]
  limits: ["internal-tensions: full-time staff's demands came first"]
  lessons: ["Solidarity: contractors must be in the demands from the start"]
- type: balance_sheet
  slug: hidden-assessment
  title: A private assessment
  struggle: google-walkout
  visibility: private
  lessons: ["repression: SECRETLESSON the security team watched us"]
"""


@pytest.fixture
def site(archive, engine, shared_data, write):
    struggles = tech_struggles(shared_data)
    for struggle in struggles:
        if struggle["slug"] in DEMANDS:
            struggle["demands"] = DEMANDS[struggle["slug"]]
    files = [write("struggles.yaml", yaml.safe_dump(struggles, allow_unicode=True)), write("extra.yaml", EXTRA)]
    report = ingest(engine, files, defaults=PUBLIC)
    assert report.errors == []
    (archive.root / "redactions.yaml").write_text("Claire Stapleton: C.S.\n", encoding="utf-8")
    build(archive, engine, today=TODAY)
    return archive.public_dir


def text_of(path: Path) -> str:
    html = path.read_text(encoding="utf-8")
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def test_recurring_demand_page_gives_each_struggle_and_outcome(site):
    page = site / "demands" / "end-forced-arbitration-case-harassment-discrimination.html"
    text = text_of(page)
    assert "Raised by 2 struggles: won 1 · not recorded 1" in text
    assert "Google employees publish an open letter" in text and "The tech worker wave" in text
    assert "private fight" not in text.lower()  # a private struggle's demand is not counted
    retaliation = text_of(site / "demands" / "end-retaliation-against-walkout-organizer.html")
    # Worded differently ("Walkout", "!"), still the same demand, with both outcomes.
    assert "Raised by 2 struggles: lost 1 · pending 1" in retaliation
    assert "“An end to retaliation against Walkout organizers!”" in retaliation


def test_demands_index_lists_recurring_first_with_tallies(site):
    text = text_of(site / "demands" / "index.html")
    assert "5 demands; 2 raised by more than one struggle." in text
    first = text.index("An end to forced arbitration")
    assert first < text.index("An anti-war position for the ACM") and first < text.index("board of directors")
    assert "Raised by 1 struggle: lost 1" in text
    assert "Computing against the war" in text  # the demand's waves


def test_struggle_page_shows_demands_with_outcomes_and_sheets_side_by_side(site):
    html = (site / "struggles" / "google-walkout.html").read_text(encoding="utf-8")
    assert 'class="outcome outcome-partly-won">partly won</span>' in html
    assert 'href="../demands/end-forced-arbitration-case-harassment-discrimination.html"' in html
    sheets = html[html.index('<div class="sheets">'):]
    organizers, contractors = sheets.index("organizers inside the company"), sheets.index("temps, vendors")
    assert organizers < contractors  # date order
    assert "Replies to" in sheets[contractors:] and "Answered by" in sheets[organizers:contractors]
    assert "SECRETLESSON" not in html and "private assessment" not in html.lower()


def test_balance_sheet_page_shows_position_and_the_reply(site):
    text = text_of(site / "balance-sheets" / "walkout-organizers-look-back.html")
    assert "Position organizers inside the company" in text
    assert "Answered by A reply from the contractors" in text
    reply = text_of(site / "balance-sheets" / "a-reply-from-contractors.html")
    assert "Replies to The walkout organizers look back" in reply


def test_lessons_page_groups_by_category_and_links_sources(site):
    index = (site / "lessons" / "index.html").read_text(encoding="utf-8")
    text = text_of(site / "lessons" / "index.html")
    order = [text.index(f"{name} (") for name in ("Repression", "Lost momentum", "Internal tensions")]
    assert order == sorted(order)
    assert "Solidarity (1)" in text  # a category the records use themselves
    assert 'href="../balance-sheets/a-reply-from-contractors.html"' in index
    repression = text_of(site / "lessons" / "repression.html")
    assert "two organizers, C.S. and a colleague, faced retaliation" in repression
    assert "Claire Stapleton" not in repression and "SECRETLESSON" not in repression
    momentum = text_of(site / "lessons" / "lost-momentum.html")
    assert "momentum was lost within months" in momentum and "Walkout organizers" in momentum


def test_every_page_of_the_site_leaves_out_private_findings(site):
    for path in site.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert b"SECRETLESSON" not in data and b"Claire Stapleton" not in data, path


def test_categories():
    assert categorize("Co-optation: the union absorbed the committee") == \
        ("co-optation", "the union absorbed the committee")
    assert categorize("The police broke the picket") == ("repression", "The police broke the picket")
    assert categorize("Win the small fights first") == ("strategy", "Win the small fights first")
    assert categorize("Keep a diary of every meeting") == ("other", "Keep a diary of every meeting")
    assert categorize("Lost Momentum: turnout fell")[0] == "lost momentum"


def test_without_the_continuity_views_there_are_no_such_pages(archive, engine, shared_data, write):
    assert ingest(engine, [write("extra.yaml", EXTRA)], defaults=PUBLIC).errors == []
    build(archive, engine, today=TODAY, continuity=False)
    assert not (archive.public_dir / "demands").exists() and not (archive.public_dir / "lessons").exists()
    assert "lessons/index.html" not in (archive.public_dir / "index.html").read_text(encoding="utf-8")


def test_demands_and_lessons_are_searchable_in_the_cli_and_the_site(archive, engine, shared_data, write):
    import json

    from click.testing import CliRunner

    from archive.cli import cli
    from archive.publish.cache import BuildCache
    from archive.publish.model import gather
    from archive.publish.searchindex import documents, term_scores
    from archive.search.analysis import analyze

    struggles = tech_struggles(shared_data)
    for struggle in struggles:
        struggle["demands"] = DEMANDS.get(struggle["slug"], [])
    files = [write("struggles.yaml", yaml.safe_dump(struggles, allow_unicode=True)), write("extra.yaml", EXTRA)]
    result = CliRunner().invoke(cli, ["--archive", str(archive.root), "ingest", "--set", "visibility=public",
                                      *map(str, files)])
    assert result.exit_code == 0, result.output

    def search(query: str) -> list[str]:
        out = CliRunner().invoke(cli, ["--archive", str(archive.root), "search", query, "--public", "--json"])
        assert out.exit_code == 0, out.output
        return [f"{hit['type']}/{hit['slug']}" for hit in json.loads(out.output)]

    assert "struggle/google-walkout" in search('"forced arbitration"')  # a demand
    assert search('"standing organization"') == ["balance_sheet/walkout-organizers-look-back"]  # a lesson
    assert search("SECRETLESSON") == []
    docs = documents(gather(engine, TODAY), BuildCache())
    scores = term_scores(docs)
    numbers = {doc.item.slug: n for n, doc in enumerate(docs)}
    (term,) = analyze("arbitration", "en")
    assert numbers["google-walkout"] in scores[term]
    (term,) = analyze("standing", "en")
    assert numbers["walkout-organizers-look-back"] in scores[term]


def test_demands_and_lessons_on_the_command_line(archive, engine, shared_data, write):
    import json

    from click.testing import CliRunner

    from archive.cli import cli

    struggles = tech_struggles(shared_data)
    for struggle in struggles:
        struggle["demands"] = DEMANDS.get(struggle["slug"], [])
    assert ingest(engine, [write("s.yaml", yaml.safe_dump(struggles, allow_unicode=True)),
                           write("extra.yaml", EXTRA)], defaults=PUBLIC).errors == []
    (archive.root / "redactions.yaml").write_text("Claire Stapleton: C.S.\n", encoding="utf-8")

    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, ["--archive", str(archive.root), *args])
        assert result.exit_code == 0, result.output
        return result.output

    everything = json.loads(run("demands", "--recurring", "--json"))
    arbitration = next(d for d in everything if d["key"].startswith("end-forced-arbitration"))
    # The archivist sees the private struggle's demand too; the public view does not.
    assert arbitration["outcomes"] == {"won": 1, "lost": 1, "not recorded": 1}
    public = json.loads(run("demands", "--recurring", "--public", "--json"))
    arbitration = next(d for d in public if d["key"].startswith("end-forced-arbitration"))
    assert arbitration["outcomes"] == {"won": 1, "not recorded": 1}
    assert [s["slug"] for s in arbitration["struggles"]] == ["google-walkout", "google-open-letter-to-larry-page"]
    text = run("lessons", "--category", "repression", "--public")
    assert text.startswith("repression (1)") and "C.S. and a colleague" in text and "SECRETLESSON" not in text
    assert "SECRETLESSON" in run("lessons", "--category", "repression")


def test_category_names_that_share_a_slug_get_their_own_pages(tmp_path):
    from archive.continuity.lessons import load_vocabulary
    from archive.publish.conversation import lesson_categories
    from archive.publish.model import Item, SiteData

    def sheet(number: int, lessons: list[str]) -> Item:
        return Item(number, "balance_sheet", f"s-{number}", f"Sheet {number}", "", None, False, {"lessons": lessons})

    # Declared categories whose names differ but whose slugs would not: "grève" and "greve" (kept apart by
    # their accents), and one named "index", which must not take the lessons index's page.
    (tmp_path / "lessons.yaml").write_text("categories:\n  co op: [cooperative]\n  index: [catalogue]\n"
                                           "  grève: [walkout]\n  greve: [stoppage]\n", encoding="utf-8")
    vocabulary = load_vocabulary(tmp_path)
    data = SiteData({"balance_sheet": {"s-1": sheet(1, ["Co op: one", "Index: two", "https://example.org: three"]),
                                       "s-2": sheet(2, ["co-op: four", "co_op: five", "Grève: six", "Greve: seven"])}},
                    {})
    categories = lesson_categories(data, vocabulary)
    slugs = [c.slug for c in categories]
    assert len(slugs) == len(set(slugs)) and "index" not in slugs
    assert {c.name for c in categories} == {"co op", "index", "other", "grève"}  # "greve" spells "grève"
    assert [len(c.findings) for c in categories if c.name == "co op"] == [3]
    assert [f.text for c in categories if c.name == "other" for f in c.findings] == ["https://example.org: three"]
