"""Demands that mean the same group together (issue 13): normalization, containment, near-duplicates and
the archivist's synonyms in demands.yaml; the demands page shows the variants under one heading."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli import cli
from archive.ingest.demands import SynonymsError, demand_key, group_demands, load_synonyms
from archive.publish import build
from archive.store.ingest import ingest


def grouped(texts: list[str], synonyms: dict[str, str] | None = None) -> dict[str, str]:
    groups = group_demands(texts, synonyms)
    return {text: groups[demand_key(text)] for text in texts}


def test_normalization_sets_aside_case_articles_punctuation_and_plurals() -> None:
    assert demand_key("A living wage!") == demand_key("living wages") == demand_key("The Living Wage") == \
        "living-wage"
    assert demand_key("Un salaire décent") == demand_key("salaires decents")
    assert demand_key("Het recht op staken") == demand_key("recht staken")
    assert demand_key("Recognition of the union") != demand_key("Recognition of the association")


def test_a_demand_joins_the_longest_demand_it_contains() -> None:
    groups = grouped(["living wage", "A living wage for all campus workers", "Pay equity",
                      "pay equity for women in the warehouse", "pay"])
    assert groups["A living wage for all campus workers"] == groups["living wage"] == "living-wage"
    assert groups["pay equity for women in the warehouse"] == "pay-equity"
    assert groups["pay"] == "pay"  # one word does not swallow every demand about pay


def test_a_demand_holding_two_demands_glues_neither() -> None:
    groups = grouped(["living wage", "Pay equity", "A living wage and pay equity"])
    assert groups["living wage"] != groups["Pay equity"]
    assert groups["A living wage and pay equity"] not in (groups["living wage"], groups["Pay equity"])


def test_near_duplicates_are_one_demand() -> None:
    groups = grouped(["Recognition of the union", "recognition of the unoin", "An end to forced arbitration",
                      "End forced arbitrations"])
    assert groups["recognition of the unoin"] == groups["Recognition of the union"]
    assert groups["End forced arbitrations"] == groups["An end to forced arbitration"]


def test_synonyms_from_demands_yaml(tmp_path: Path) -> None:
    (tmp_path / "demands.yaml").write_text(
        "Living wage:\n  - $15 an hour\n  - salaire minimum vital\nEnd forced arbitration: no more arbitration\n",
        encoding="utf-8")
    synonyms = load_synonyms(tmp_path)
    groups = grouped(["$15 an hour", "salaire minimum vital", "A living wage for all campus workers",
                      "no more arbitration"], synonyms)
    assert groups["$15 an hour"] == groups["salaire minimum vital"] == groups[
        "A living wage for all campus workers"] == "living-wage"
    assert groups["no more arbitration"] == "end-forced-arbitration"


@pytest.mark.parametrize(("text", "message"), [
    ("- a\n- b\n", "expected a mapping"),
    ("Living wage: {a: b}\n", "heading 'Living wage': give a list of wordings"),
    ("Living wage: [pay]\nFair pay: [pay]\n", "'pay' is under both 'Living wage' and 'Fair pay'"),
    ("Living wage: [a\n", "demands.yaml:2: not valid YAML"),
])
def test_a_bad_demands_yaml_names_the_file(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "demands.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(SynonymsError, match=message.replace("[", r"\[").replace("(", r"\(")):
        load_synonyms(tmp_path)


RECORDS = """
- {type: struggle, slug: campus-1999, title: Campus living wage campaign, start: 1999, visibility: public,
   demands: ["A living wage for all campus workers (won)"]}
- {type: struggle, slug: city-2012, title: City fight for fifteen, start: 2012, visibility: public,
   demands: ["$15 an hour (partly won)", "Union recognition (lost)"]}
- {type: struggle, slug: depot-2015, title: Depot strike, start: 2015, visibility: public,
   demands: ["Living wages! (pending)", "union recognition"]}
"""


def test_the_demands_page_and_command_show_variants_under_one_heading(archive, engine, write, tmp_path) -> None:
    assert ingest(engine, [write("r.yaml", RECORDS)]).errors == []
    (archive.root / "demands.yaml").write_text("Living wage: [$15 an hour]\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--archive", str(archive.root), "demands", "--recurring", "--json"])
    assert result.exit_code == 0, result.output
    records = {d["demand"]: d for d in json.loads(result.output)}
    assert set(records) == {"Living wage", "Union recognition"}
    living = records["Living wage"]
    assert [s["slug"] for s in living["struggles"]] == ["campus-1999", "city-2012", "depot-2015"]
    assert living["variants"] == ["$15 an hour", "A living wage for all campus workers", "Living wages!"]
    assert living["outcomes"] == {"won": 1, "partly won": 1, "pending": 1}
    text = CliRunner().invoke(cli, ["--archive", str(archive.root), "demands"]).output
    assert "also worded: $15 an hour; A living wage for all campus workers; Living wages!" in text
    build(archive, engine, tmp_path / "site", today=dt.date(2026, 1, 1))
    page = (tmp_path / "site" / "demands" / "index.html").read_text(encoding="utf-8")
    heading = page.index(">Living wage</a></h2>")
    assert page.index("Also worded: <q>$15 an hour</q>", heading) < page.index("</li>", heading + 200)
    struggle = (tmp_path / "site" / "struggles" / "depot-2015.html").read_text(encoding="utf-8")
    assert 'href="../demands/living-wage.html"' in struggle  # each wording links to its group's page
