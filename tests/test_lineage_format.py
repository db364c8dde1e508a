"""The record format for continuity: demand outcomes, dated lineage links, replies between balance sheets."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from archive.ingest.demands import Demand, parse_demand, stored_demands
from archive.ingest.records import RecordError, normalize
from archive.store.canonical import iter_stored_records
from archive.store.db import make_engine
from archive.store.ingest import ingest
from archive.store.models import Link, Record
from archive.trust.bag import export_bag, import_bag
from archive.trust.create import init_archive
from archive.trust.fixity import verify_fixity
from tests.helpers import PUBLIC, get

# Real history: the AFL and the CIO, their split and their merger.
LINEAGE = """
- {type: form, slug: craft-union, title: Craft union}
- {type: form, slug: industrial-union, title: Industrial union, variant_of: [craft-union (1935)]}
- {type: organization, slug: afl, title: American Federation of Labor, founded: 1886, dissolved: 1955,
   form: craft-union, merged_into: [afl-cio (1955-12-05)]}
- {type: organization, slug: cio, title: Congress of Industrial Organizations, founded: 1935, dissolved: 1955,
   form: industrial-union, split_from: [{slug: afl, date: 1938}],
   merged_into: "AFL-CIO (1955-12-05)"}
- {type: organization, slug: afl-cio, title: AFL-CIO, founded: 1955}
- {type: organization, slug: change-to-win, title: Change to Win Federation, founded: 2005,
   split_from: [afl-cio (2005-09)]}
- {type: organization, slug: cio-unions, title: Congress of Industrial Organizations (CIO) affiliates,
   grew_out_of: [Congress of Industrial Organizations (CIO)]}
"""

# Google walkout of 1 November 2018 (collective action in tech, id 186): its five demands and what came of them.
WALKOUT = """
- type: struggle
  slug: google-walkout-for-real-change
  title: Google Walkout for Real Change
  start: 2018-11-01
  demands:
    - An end to forced arbitration in cases of harassment and discrimination (won)
    - {demand: A commitment to end pay and opportunity inequity, outcome: partially won}
    - A publicly disclosed sexual harassment transparency report (Partly-Won)
    - A clear, uniform, globally inclusive process for reporting sexual misconduct safely and anonymously
    - {demand: An employee representative on the board of directors, outcome: lost}
- type: balance_sheet
  slug: walkout-one-year-on
  title: The walkout, one year on
  struggle: google-walkout-for-real-change
  author: Walkout organizers
  position: organizers inside the company
  date: 2019-11
  lessons: ["internal tensions: organizers faced retaliation"]
- type: balance_sheet
  slug: walkout-reply
  title: A reply from the rank and file
  struggle: google-walkout-for-real-change
  author: Tech Workers Coalition
  position: rank-and-file network
  replies_to: [walkout-one-year-on]
  lessons: ["co-optation: the company absorbed the demands it could"]
"""


def test_demand_outcomes_are_read_in_every_spelling():
    assert parse_demand("Recognition of the union (won)") == Demand("Recognition of the union", "won")
    assert parse_demand({"demand": " Higher  pay ", "outcome": "Partially won"}) == Demand("Higher pay", "partly won")
    assert parse_demand("Rehire the Flint Five (CIO)") == Demand("Rehire the Flint Five (CIO)", None)
    assert parse_demand("Shorter hours").stored() == "Shorter hours"
    assert Demand("Recognition of the Union!", None).key == Demand("recognition of the union", "lost").key


def test_bad_outcome_names_the_field_and_the_choices():
    with pytest.raises(RecordError) as caught:
        normalize({"type": "struggle", "title": "x", "demands": [{"demand": "Pay", "outcome": "maybe"}]})
    assert caught.value.field == "demands"
    assert "won, partly won, lost, pending" in caught.value.message
    with pytest.raises(RecordError) as caught:
        normalize({"type": "struggle", "title": "x", "demands": [{"demand": "Pay", "result": "won"}]})
    assert "result" in caught.value.message


def test_bad_lineage_date_is_a_field_error(engine, write):
    path = write("bad.yaml", "type: organization\nslug: cio\nsplit_from:\n  - {slug: afl, date: 1938-13}\n")
    report = ingest(engine, [path])
    assert len(report.errors) == 1
    message = str(report.errors[0])
    assert "bad.yaml" in message and "split_from" in message and "month 13" in message
    with engine.connect() as conn:
        assert conn.execute(select(Record.id)).first() is None


def test_lineage_links_keep_their_dates(engine, write):
    assert ingest(engine, [write("lineage.yaml", LINEAGE)]).errors == []
    with engine.connect() as conn:
        rows = conn.execute(
            select(Record.slug, Link.relation, Link.date).join(Link, Link.source_id == Record.id)
            .where(Link.relation.in_(["merged_into", "split_from", "variant_of", "grew_out_of"]))
            ).all()
    assert sorted(tuple(r) for r in rows) == [
        ("afl", "merged_into", "1955-12-05"),
        ("change-to-win", "split_from", "2005-09"),
        ("cio", "merged_into", "1955-12-05"),
        ("cio", "split_from", "1938"),
        ("cio-unions", "grew_out_of", None),
        ("industrial-union", "variant_of", "1935"),
    ]
    # "(CIO)" is not a date: it stays part of the name, and the stub is titled with it.
    assert get(engine, "organization", "congress-of-industrial-organizations-cio").title == \
        "Congress of Industrial Organizations (CIO)"


def test_content_round_trips_through_fixity_and_bags(engine, write, tmp_path):
    assert ingest(engine, [write("lineage.yaml", LINEAGE), write("walkout.yaml", WALKOUT)]).errors == []
    with engine.connect() as conn:
        stored = {r.slug: r for r in iter_stored_records(conn)}
    assert stored["cio"].content["split_from"] == ["afl (1938)"]
    assert stored["walkout-reply"].content["replies_to"] == ["walkout-one-year-on"]
    assert stored["walkout-reply"].content["position"] == "rank-and-file network"
    demands = stored_demands(stored["google-walkout-for-real-change"].content["demands"])
    assert [d.outcome for d in demands] == ["won", "partly won", "partly won", None, "lost"]
    assert all(r.recomputed_sha256() == r.content_sha256 for r in stored.values())
    report = verify_fixity(engine)
    assert report.ok and report.checked == len(stored)
    export_bag(engine, tmp_path / "bag")
    copy = make_engine(init_archive(tmp_path / "copy").db_url(), writer=True)
    import_bag(copy, tmp_path / "bag")
    with copy.connect() as conn:
        again = {r.slug: r.content_sha256 for r in iter_stored_records(conn)}
    assert again == {slug: r.content_sha256 for slug, r in stored.items()}


def test_lineage_on_the_command_line_both_ways(archive, engine, write):
    import json

    from click.testing import CliRunner

    from archive.cli import cli

    assert ingest(engine, [write("lineage.yaml", LINEAGE + "- {type: organization, slug: secret-caucus, "
                                 "title: A caucus kept private, visibility: private, split_from: [cio (1950)]}\n")
                           ], defaults=PUBLIC).errors == []

    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, ["--archive", str(archive.root), "lineage", *args])
        assert result.exit_code == 0, result.output
        return result.output

    cio = json.loads(run("cio", "--public", "--json"))
    assert [a["slug"] for a in cio["ancestors"]] == ["afl"]
    assert cio["ancestors"][0]["date"] == "1938" and cio["ancestors"][0]["link"] == "cio split_from afl"
    assert [d["slug"] for d in cio["descendants"]] == ["afl-cio"]
    assert [d["slug"] for d in cio["descendants"][0]["children"]] == ["change-to-win"]
    text = run("afl-cio", "--public")
    assert "Came from:" in text and "American Federation of Labor" in text and "Change to Win" in text
    assert "secret-caucus" not in run("cio", "--public") and "secret-caucus" in run("cio")
    assert "Craft union" in run("form/industrial-union")
    result = CliRunner().invoke(cli, ["--archive", str(archive.root), "lineage", "secret-caucus", "--public"])
    assert result.exit_code != 0 and "no public organization or form 'secret-caucus'" in result.output
