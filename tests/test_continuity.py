"""Earlier struggles like this one: only from earlier waves, each with its reasons and lessons."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from archive.cli import cli
from archive.continuity.earlier import ContinuityError, Profile, compare, earlier_struggles, rarity
from archive.search.index import rebuild_index
from archive.store.ingest import ingest
from tests.helpers import PUBLIC

RECORDS = """
- {type: wave, slug: thirties, title: The 1930s upsurge, start: 1933, end: 1939}
- {type: wave, slug: sixties, title: The long 1960s, start: 1965, end: 1975}
- {type: wave, slug: twenties-now, title: The 2020s, start: 2020}
- {type: wave, slug: later, title: A later wave, start: 2030}
- {type: form, slug: sit-down-occupation, title: Sit-down occupation}
- {type: form, slug: tenant-union, title: Tenant union}
- {type: organization, slug: uaw, title: United Auto Workers, form: industrial-union}
- {type: struggle, slug: flint-sit-down, title: Flint sit-down strike, start: 1936-12-30, waves: [thirties],
   forms: [sit-down-occupation], organizations: [uaw], tags: [speed-up, recognition], places: [flint],
   body: "Auto workers occupied the Fisher Body plants for 44 days until General Motors recognised the union."}
- {type: struggle, slug: bronx-rent-strike, title: Bronx rent strike, start: 1932, waves: [thirties],
   forms: [tenant-union], tags: [rent], places: [bronx]}
- {type: struggle, slug: lordstown-1972, title: Lordstown strike, start: 1972-03, waves: [sixties],
   organizations: [uaw], tags: [speed-up], places: [lordstown],
   body: "Young workers at the Vega plant struck against the speed-up of the assembly line."}
- {type: struggle, slug: unassigned-1950, title: A strike with no wave, start: 1950, tags: [speed-up],
   forms: [sit-down-occupation]}
- {type: struggle, slug: warehouse-occupation-2022, title: Warehouse occupation, start: 2022-05,
   waves: [twenties-now], forms: [sit-down-occupation], tags: [speed-up, heat], places: [flint],
   demands: [Recognition of the union], body: "Warehouse workers occupied the plant floor against the speed-up."}
- {type: struggle, slug: same-wave-2021, title: Another 2020s occupation, start: 2021, waves: [twenties-now],
   forms: [sit-down-occupation], tags: [speed-up]}
- {type: struggle, slug: future-2031, title: A later occupation, start: 2031, waves: [later],
   forms: [sit-down-occupation], tags: [speed-up]}
- {type: balance_sheet, slug: flint-assessed, title: What Flint won, struggle: flint-sit-down, author: A veteran,
   date: 1966, won: Recognition, limits: [the sit-down was outlawed in 1939],
   lessons: [Occupy the choke point of production, Hold the plant together with the community]}
"""


@pytest.fixture
def indexed(archive, engine, write):
    assert ingest(engine, [write("records.yaml", RECORDS)], defaults=PUBLIC).errors == []
    rebuild_index(archive.index_dir, engine)
    return archive, engine


def test_only_earlier_waves_with_reasons_and_lessons(indexed):
    archive, engine = indexed
    result = earlier_struggles(engine, archive.index_dir, "warehouse-occupation-2022")
    assert result.cutoff == "2020"
    slugs = [e.slug for e in result.earlier]
    assert slugs[0] == "flint-sit-down"
    assert set(slugs) <= {"flint-sit-down", "lordstown-1972", "bronx-rent-strike"}
    assert "same-wave-2021" not in slugs and "future-2031" not in slugs and "unassigned-1950" not in slugs
    flint = result.earlier[0]
    assert "same organizational form: sit-down-occupation" in flint.reasons
    assert "same grievance: speed-up" in flint.reasons
    assert "same place: flint" in flint.reasons
    assert ("flint-assessed", "lesson", "Occupy the choke point of production") in flint.lessons
    assert ("flint-assessed", "limit", "the sit-down was outlawed in 1939") in flint.lessons
    assert all(e.reasons for e in result.earlier)


def test_the_first_wave_has_nothing_before_it(indexed):
    archive, engine = indexed
    assert earlier_struggles(engine, archive.index_dir, "flint-sit-down").earlier == []


def test_organization_form_counts_as_a_shared_form(indexed):
    archive, engine = indexed
    result = earlier_struggles(engine, archive.index_dir, "lordstown-1972")
    flint = next(e for e in result.earlier if e.slug == "flint-sit-down")
    assert "same organization: uaw" in flint.reasons
    assert any(r.startswith("same organizational form") and "industrial-union" in r for r in flint.reasons)


def test_unknown_struggle(indexed):
    archive, engine = indexed
    with pytest.raises(ContinuityError, match="no struggle 'nope'"):
        earlier_struggles(engine, archive.index_dir, "nope")


def test_cli(indexed):
    archive, _ = indexed
    result = CliRunner().invoke(cli, ["--archive", str(archive.root), "continuity", "warehouse-occupation-2022",
                                      "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["earlier"][0]["slug"] == "flint-sit-down"
    text = CliRunner().invoke(cli, ["--archive", str(archive.root), "continuity", "warehouse-occupation-2022"]).output
    assert "because: same organizational form: sit-down-occupation" in text
    assert "lesson (flint-assessed): Occupy the choke point of production" in text


def test_public_cli_is_the_sites_list_named_by_titles(indexed):
    archive, _ = indexed
    result = CliRunner().invoke(cli, ["--archive", str(archive.root), "continuity", "warehouse-occupation-2022",
                                      "--public", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["before"] == "2020"
    flint = data["earlier"][0]
    assert flint["slug"] == "flint-sit-down"
    assert flint["reasons"][:3] == ["same organizational form: Sit-down occupation", "same grievance: speed-up",
                                    "same place: flint"]
    limit = {"balance_sheet": "flint-assessed", "kind": "limit", "text": "the sit-down was outlawed in 1939"}
    assert limit in flint["lessons"]
    assert {e["slug"] for e in data["earlier"]} <= {"flint-sit-down", "lordstown-1972", "bronx-rent-strike"}


def test_rarer_shared_features_weigh_more_and_demands_match_by_key():
    def profile(slug, **features):
        return Profile(slug, slug, "1930", frozenset(), {(k, v): v for k, vs in features.items() for v in vs},
                       {"recognition-of-the-union": "won"})

    union = ("demand", "recognition-of-the-union")
    target = Profile("t", "t", "2020", frozenset(), {("grievance", "pay"): "pay", ("place", "flint"): "flint",
                                                     union: "recognition of the Union"})
    common = profile("a", grievance=["pay"])
    rare = profile("b", place=["flint"])
    counts = {("grievance", "pay"): 900, ("place", "flint"): 2, ("demand", "recognition-of-the-union"): 2}
    weight = lambda f: rarity(1000, counts[f])  # noqa: E731
    assert compare(target, rare, weight)[0] > compare(target, common, weight)[0]
    demand = Profile("c", "c", "1930", frozenset(), {union: "Recognition of the union"},
                     {"recognition-of-the-union": "won"})
    assert compare(target, demand, weight)[1] == ["same demand: Recognition of the union (won there)"]
    assert compare(target, demand, weight, text=0.1)[1] == compare(target, demand, weight)[1]
    assert "similar text" in compare(target, demand, weight, text=0.9)[1]
