"""The spreadsheet mappings in examples/ on the real public data sets in ../shared/data.

FMCS (14,317 US work stoppages), Collective Action in Tech (506 actions, Python-repr list cells) and Wikidata
(strikes, revolutions; odd dates) are ingested through ``archive.store.ingest.ingest`` with the shipped mappings,
and the results are checked against facts in the data.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

from archive.ingest.mapping import load_mapping
from archive.publish.demo import DEMO_DATA
from archive.store.db import make_engine
from archive.store.ingest import ingest
from archive.store.models import Record, RecordTag, Tag
from archive.trust.create import init_archive
from tests.conftest import REPO_ROOT
from tests.helpers import count, get, links, revisions

EXAMPLES = REPO_ROOT / "examples"
FMCS_CASE = "fmcs-1991ju003706-1994-06-21"  # Caterpillar, Peoria: the UAW strike of 1994-1995
FMCS_BAD_LINES = [323, 541, 586, 927, 1398, 2459, 4129, 9432]  # rows whose end date is before their start


def tag_names(engine: Engine, record_type: str, slug: str) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(
            select(Tag.name).join(RecordTag, RecordTag.tag_id == Tag.id)
            .join(Record, Record.id == RecordTag.record_id)
            .where(Record.type == record_type, Record.slug == slug).order_by(RecordTag.position)
        ).scalars())


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_rows(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.mark.slow  # the whole FMCS file (14,317 rows), twice
def test_fmcs_work_stoppages(engine, full_shared_data, tmp_path):
    mapping = load_mapping(EXAMPLES / "fmcs.map.yaml")
    source = full_shared_data / "fmcs_work_stoppages" / "work_stoppages.csv"

    # The real file has 8 rows that end before they start: the file is refused whole, each row named.
    report = ingest(engine, [source], mapping=mapping)
    assert [(e.line, e.field) for e in report.errors] == [(line, "end") for line in FMCS_BAD_LINES]
    assert all(str(e).startswith(f"{source}:") and "is before start" in str(e) for e in report.errors)
    assert (report.added, count(engine)) == (0, 0)

    # Without those rows, every stoppage goes in, keyed by case number and start date.
    physical = source.read_text(encoding="utf-8").split("\n")
    fixed = tmp_path / "work_stoppages.csv"
    fixed.write_text("\n".join(line for number, line in enumerate(physical, start=1)
                               if number not in FMCS_BAD_LINES), encoding="utf-8")
    report = ingest(engine, [fixed], mapping=mapping)
    assert not report.errors
    assert report.added == count(engine, "struggle") == 14_317 - len(FMCS_BAD_LINES)
    strike = get(engine, "struggle", FMCS_CASE)
    assert strike.title == "Caterpillar Inc work stoppage (UAW MULTI), Peoria, IL"
    assert (strike.start, strike.end) == ("1994-06-21", "1995-12-04")
    assert strike.extra["employer"] == "Caterpillar Inc"
    assert strike.extra["workers"] == 11500
    assert links(engine, "struggle", FMCS_CASE) == [
        ("organizations", "organization", "uaw-multi"), ("places", "place", "peoria-il")]
    assert tag_names(engine, "struggle", FMCS_CASE) == ["Manufacturing"]
    # A case with two stoppages gives two struggles; an empty "City, State" (",") is no place.
    assert get(engine, "struggle", "fmcs-2004er000449-2005-05-18").extra["workers"] == 240
    assert get(engine, "struggle", "fmcs-2004er000449-2005-04-14").extra["workers"] == 250
    assert get(engine, "place", "peoria-il").is_stub

    # Re-importing rows changes nothing; a newer extract with one row changed updates that row and keeps its
    # earlier version. (A slice of the file, to keep the test short: the full file goes in once above.)
    header, *rows = fixed.read_text(encoding="utf-8").split("\n")
    [caterpillar] = [row for row in rows if '"Peoria, IL",11500.0,1994-06-21' in row]
    sliced = tmp_path / "slice.csv"
    sliced.write_text("\n".join([header, *rows[:499], caterpillar]), encoding="utf-8")
    report = ingest(engine, [sliced], mapping=mapping)
    assert (report.added, report.updated, report.unchanged, report.stubs) == (0, 0, 500, 0)
    sliced.write_text(sliced.read_text(encoding="utf-8").replace(
        '"Peoria, IL",11500.0,1994-06-21', '"Peoria, IL",12600.0,1994-06-21'), encoding="utf-8")
    report = ingest(engine, [sliced], mapping=mapping)
    assert (report.added, report.updated, report.unchanged, report.stubs) == (0, 1, 499, 0)
    assert count(engine, "struggle") == 14_317 - len(FMCS_BAD_LINES)
    history = revisions(engine, "struggle", FMCS_CASE)
    assert [r.number for r in history] == [1, 2]
    assert [json.loads(r.content)["extra"]["workers"] for r in history] == [11500, 12600]


def test_collective_action_in_tech_csv(engine, full_shared_data):
    mapping = load_mapping(EXAMPLES / "collective_action_in_tech.map.yaml")
    source = full_shared_data / "collective_action_in_tech" / "actions.csv"
    report = ingest(engine, [source], mapping=mapping)
    assert not report.errors
    assert report.added == count(engine, "struggle") == 506

    first = get(engine, "struggle", "cait-382")  # Computer People for Peace, 1969
    assert first.start == "1969-03-04"
    assert first.body.startswith("Computer People for Peace (established as Computer People for Peace")
    assert first.extra["actions"] == ["protest", "open letter"]
    assert first.extra["workers"] == 320
    assert "companies" not in first.extra  # "None" is no value
    assert len(first.extra["sources"]) == 3
    assert tag_names(engine, "struggle", "cait-382") == [
        "ethics", "academics", "military_contracts", "antiracism", "politics"]
    assert links(engine, "struggle", "cait-382") == [("places", "place", "new-york-city-new-york-usa")]

    walkout = get(engine, "struggle", "cait-103")  # the Google walkout of November 2018
    assert (walkout.start, walkout.extra["companies"], walkout.extra["workers"]) == ("2018-11-01", ["google"], 20000)
    assert [slug for _, _, slug in links(engine, "struggle", "cait-103")] == ["usa", "worldwide"]

    again = ingest(engine, [source], mapping=mapping)
    assert (again.added, again.updated, again.unchanged, again.stubs) == (0, 0, 506, 0)


WIKIDATA_HEADER = ["event", "description", "eventLabel", "countryLabel", "locationLabel", "startDate", "endDate",
                   "wikidata_qid"]


def test_wikidata_rows_of_one_item_are_merged(engine, full_shared_data, tmp_path):
    """SPARQL repeats an item once per country or location: merge_rows makes one struggle of them."""
    mapping = load_mapping(EXAMPLES / "wikidata_strikes.map.yaml")
    source = full_shared_data / "wikidata_protests_strikes" / "wikidata_strikes_raw_rows.csv"
    report = ingest(engine, [source], mapping=mapping)
    # One item ends (1903-01-01, a year-precision date as SPARQL writes it) before it starts (1903-07-01).
    assert [(e.line, e.field) for e in report.errors] == [(228, "end")]
    header, rows = read_rows(source)
    path = write_rows(tmp_path / "strikes.csv", header,
                      [row for number, row in enumerate(rows, start=2) if number != 228])
    report = ingest(engine, [path], mapping=mapping)
    assert report.errors == [] and report.added == count(engine, "struggle") == 726
    uk = get(engine, "struggle", "wikidata-q16244299")  # four rows: two starts and two ends
    assert (uk.title, uk.start, uk.end) == ("2013 UK higher education strike", "2013-10-31", "2013-12-04")


def test_wikidata_unknown_value_date(engine, shared_data, tmp_path):
    """An "unknown value" end date is a blank-node URI: the mapping reads it as no value."""
    mapping = load_mapping(EXAMPLES / "wikidata_strikes.map.yaml")
    header, rows = read_rows(shared_data / "wikidata_protests_strikes" / "wikidata_strikes_raw_rows.csv")
    gurindji = next(r for r in rows if r["wikidata_qid"] == "Q246080")
    azkoitia = next(r for r in rows if r["wikidata_qid"] == "Q122956736")
    assert azkoitia["endDate"].startswith("http://www.wikidata.org/.well-known/genid/")
    path = write_rows(tmp_path / "strikes.csv", header, [gurindji, azkoitia])
    report = ingest(engine, [path], mapping=mapping)
    assert (report.added, report.errors) == (2, [])
    strike = get(engine, "struggle", "wikidata-q122956736")
    assert (strike.title, strike.start, strike.end) == ("1920 Azkoitia strike", "1920-10-06", None)
    assert links(engine, "struggle", "wikidata-q122956736") == [
        ("places", "place", "spain"), ("places", "place", "azkoitia")]
    gurindji_strike = get(engine, "struggle", "wikidata-q246080")
    assert (gurindji_strike.start, gurindji_strike.end) == ("1966-08-26", "1971-04-01")


def test_wikidata_dates_before_the_common_era(engine, full_shared_data, tmp_path):
    """Revolutions and revolts from antiquity keep their BCE years, one row per Wikidata item."""
    mapping = load_mapping(EXAMPLES / "wikidata_strikes.map.yaml")
    header, rows = read_rows(full_shared_data / "wikidata_protests_strikes" / "wikidata_revolutions_raw_rows.csv")
    first_per_item: dict[str, dict[str, str]] = {}
    for row in rows:
        first_per_item.setdefault(row["wikidata_qid"], row)
    path = write_rows(tmp_path / "revolutions.csv", header, list(first_per_item.values()))
    report = ingest(engine, [path], mapping=mapping)
    assert not report.errors
    assert report.added == len(first_per_item) == 187
    rome = get(engine, "struggle", "wikidata-q16931679")
    assert (rome.title, rome.start, rome.end) == ("Overthrow of the Roman monarchy", "-0509-01-01", "-0508-01-01")
    athens = get(engine, "struggle", "wikidata-q85743519")  # no end date: still open in Wikidata
    assert (athens.start, athens.end) == ("-0507-01-01", None)


@pytest.mark.parametrize("name", ["fmcs", "collective_action_in_tech", "wikidata_strikes"])
def test_example_mappings_load(name):
    mapping = load_mapping(EXAMPLES / f"{name}.map.yaml")
    assert mapping.constants["type"] == "struggle"
    assert mapping.slug


def _state(engine: Engine) -> dict[str, list[tuple]]:
    """The store without ids and timestamps: records, links, tags and revisions by (type, slug)."""
    with engine.connect() as conn:
        def rows(sql: str) -> list[tuple]:
            return sorted(map(tuple, conn.execute(text(sql))), key=repr)

        return {
            "records": rows("SELECT type, slug, title, body, visibility, is_stub, content_sha256, source_sha256, "
                            'origin, start, "end", date FROM records'),
            "links": rows("SELECT s.type, s.slug, l.relation, t.type, t.slug, l.position FROM links l "
                          "JOIN records s ON s.id = l.source_id JOIN records t ON t.id = l.target_id"),
            "tags": rows("SELECT r.type, r.slug, t.name, rt.position FROM record_tags rt "
                         "JOIN records r ON r.id = rt.record_id JOIN tags t ON t.id = rt.tag_id"),
            "revisions": rows("SELECT r.type, r.slug, v.number, v.content_sha256 FROM revisions v "
                              "JOIN records r ON r.id = v.record_id"),
        }


def test_small_files_written_together_give_the_same_store_as_one_by_one(tmp_path, shared_data):
    """Ingest writes many small files in one batch; the result must be that of writing them in order."""
    folder = tmp_path / "in"
    for path in sorted(DEMO_DATA.rglob("*")):
        if path.is_file() and path.suffix:
            target = folder / path.relative_to(DEMO_DATA)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    extra = folder / "7-more"
    extra.mkdir()
    # A stub made by one file and described by the next; a private and a public file naming one stub; a file
    # without slugs; an update of a record from an earlier file; the same bytes twice.
    (extra / "a.md").write_text("---\nslug: a\nstruggles: [Later strike]\n---\nA.\n", encoding="utf-8")
    (extra / "b.yaml").write_text("type: struggle\nslug: later-strike\ntitle: Later strike\n", encoding="utf-8")
    (extra / "c.md").write_text("---\nslug: c\nvisibility: private\nplaces: [Hidden town]\n---\nC.\n",
                                encoding="utf-8")
    (extra / "d.md").write_text("---\nslug: d\nplaces: [Hidden town]\n---\nD.\n", encoding="utf-8")
    (extra / "e.md").write_text("# No slug here\n\nE.\n", encoding="utf-8")
    (extra / "f.yaml").write_text("type: place\nslug: usa\ntitle: USA\n", encoding="utf-8")
    (extra / "g.md").write_text("# No slug here\n\nE.\n", encoding="utf-8")

    states, totals = [], []
    for name, one_by_one in (("together", False), ("one-by-one", True)):
        archive = init_archive(tmp_path / name)
        engine = make_engine(archive.db_url(), writer=True)
        try:
            files = sorted(p for p in folder.rglob("*") if p.is_file())
            reports = [ingest(engine, [path]) for path in files] if one_by_one else [ingest(engine, [folder])]
            # A stub filled by a later file of the same run is counted apart from updates (report.filled).
            totals.append(tuple(sum(r.updated + r.filled if k == "updated" else getattr(r, k) for r in reports)
                                for k in ("files", "added", "updated", "unchanged", "stubs")))
            assert not any(r.errors for r in reports)
            states.append(_state(engine))
        finally:
            engine.dispose()
    assert totals[0] == totals[1]
    assert totals[0][2:] == (2, 1, 2)  # the stub and the place updated; g.md is e.md again; two stubs
    assert states[0] == states[1]
