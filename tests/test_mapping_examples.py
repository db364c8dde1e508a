"""Every mapping in examples/ imports the data set it names: an excerpt always, the whole file when slow.

The excerpts in tests/data/mapping_examples/ (with their licences) run in every test run. The full data sets
live in ../shared/data (or $ARCHIVE_SHARED_DATA); the slow tests ingest each of them whole and check which
rows are refused and why. Without the data sets those tests are skipped, with the reason, never silently.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pytest

from archive.ingest.mapping import load_mapping
from archive.store.ingest import ingest
from tests.conftest import REPO_ROOT
from tests.helpers import count, get, links
from tests.test_real_data import tag_names

EXAMPLES = REPO_ROOT / "examples"
EXCERPTS = REPO_ROOT / "tests" / "data" / "mapping_examples"


@dataclass(frozen=True)
class DataSet:
    mapping: str
    path: str  # under the shared data folder
    rows: int
    records: int  # once the refused rows are left out
    refused: tuple[tuple[int, str, str], ...]  # (line, field, the start of the message)


END_BEFORE_START = "is before start"
DATA_SETS = [
    DataSet("fmcs", "fmcs_work_stoppages/work_stoppages.csv", 14_317, 14_309,
            tuple((line, "end", END_BEFORE_START) for line in (323, 541, 586, 927, 1398, 2459, 4129, 9432))),
    DataSet("collective_action_in_tech", "collective_action_in_tech/actions.csv", 506, 506, ()),
    DataSet("bls_major_strikes", "bls_us_work_stoppages/bls_major_strikes_1993_2020_via_interactiveLabor.csv",
            830, 589, ()),
    DataSet("wikidata_strikes", "wikidata_protests_strikes/wikidata_strikes_raw_rows.csv", 752, 726,
            ((228, "end", "end 1903-01-01 is before start 1903-07-01"),)),
    DataSet("wikidata_strikes", "wikidata_protests_strikes/wikidata_protests_raw_rows.csv", 1_819, 1_453,
            ((1070, "end", "end 2021-01-01 is before start 2021-07-11"),)),
    DataSet("wikidata_strikes", "wikidata_protests_strikes/wikidata_rebellions_raw_rows.csv", 1_639, 1_603,
            ((1390, "end", "end 2019-01-01 is before start 2019-04-30"),)),
    DataSet("wikidata_strikes", "wikidata_protests_strikes/wikidata_revolutions_raw_rows.csv", 204, 187, ()),
]


def example(name: str):
    return load_mapping(EXAMPLES / f"{name}.map.yaml")


def without_lines(source: Path, lines: set[int], target: Path) -> Path:
    """The file without some rows (by the line they start on), written as CSV again."""
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        kept, start = [], reader.line_num + 1
        for row in reader:
            if start not in lines:
                kept.append(row)
            start = reader.line_num + 1
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(kept)
    return target


def test_every_example_is_tested():
    assert {p.name.removesuffix(".map.yaml") for p in EXAMPLES.glob("*.map.yaml")} == {
        d.mapping for d in DATA_SETS} | {"gutenberg_texts"}


def test_fmcs_excerpt(engine, tmp_path):
    source = EXCERPTS / "fmcs_work_stoppages.csv"
    report = ingest(engine, [source], mapping=example("fmcs"))
    # Spang & Co ends before it starts, as in the full file: refused (the whole file, until --skip-invalid).
    assert [(e.line, e.field, e.message) for e in report.errors] == [
        (17, "end", "end 1984-03-11 is before start 1984-07-16")]
    report = ingest(engine, [without_lines(source, {17}, tmp_path / "fmcs.csv")], mapping=example("fmcs"))
    assert report.errors == [] and report.added == count(engine, "struggle") == 23
    strike = get(engine, "struggle", "fmcs-1991ju003706-1994-06-21")
    assert (strike.title, strike.start, strike.end) == (
        "Caterpillar Inc work stoppage (UAW MULTI), Peoria, IL", "1994-06-21", "1995-12-04")
    assert (strike.extra["workers"], strike.extra["employer"]) == (11500, "Caterpillar Inc")
    # "USW Local N/A": the local is unknown, the union is not.
    assert links(engine, "struggle", "fmcs-2006008h037q-2007-06-01")[0] == ("organizations", "organization", "usw")
    # ", OH" is the place OH; "Not Provided" is no industry; an empty "# Idled" is no number.
    assert links(engine, "struggle", "fmcs-2007009b00pa-2007-02-27")[1] == ("places", "place", "oh")
    assert get(engine, "struggle", "fmcs-2007009b00pa-2007-02-27").title == (
        "Klosterman Baking Company work stoppage (BCTGM Local 57), OH")
    assert tag_names(engine, "struggle", "fmcs-201290150047-2014-06-23") == []
    assert "workers" not in get(engine, "struggle", "fmcs-1998gm001509-1998-06-01").extra
    mayo = get(engine, "struggle", "fmcs-2015n1203096-2017-12-19").extra
    assert (mayo["bargaining_unit"], mayo["naics"], mayo["duration_days"], mayo["workers"]) == (6, "62", 1, 6)


def test_collective_action_in_tech_excerpt(engine):
    report = ingest(engine, [EXCERPTS / "collective_action_in_tech.csv"], mapping=example("collective_action_in_tech"))
    assert report.errors == [] and report.added == 8
    walkout = get(engine, "struggle", "cait-103")
    assert (walkout.start, walkout.extra["companies"], walkout.extra["workers"]) == ("2018-11-01", ["google"], 20000)
    assert "online" in tag_names(engine, "struggle", "cait-4")  # the flag column "online" is True
    assert "online" not in tag_names(engine, "struggle", "cait-103")
    assert "workers" not in get(engine, "struggle", "cait-314").extra  # "None"


def test_bls_major_strikes_excerpt(engine):
    report = ingest(engine, [EXCERPTS / "bls_major_strikes.csv"], mapping=example("bls_major_strikes"))
    assert report.errors == []
    assert report.added == count(engine, "struggle") == 12  # 19 rows: one strike is listed in 4 cities, one in 4
    coal = "bls-1993-bituminous-coal-operators-association-united-mine-workers-of-america-103400-days"
    strike = get(engine, "struggle", coal)
    assert (strike.title, strike.start) == ("Bituminous Coal Operators Association strike, 1993", "1993")
    assert (strike.extra["workers"], strike.extra["days_idle"]) == (6700, 103400)
    assert strike.extra["lat"] == [38.1741, 38.4592, 38.4458, 37.7679]
    assert links(engine, "struggle", coal) == [
        ("organizations", "organization", "united-mine-workers-of-america"),
        ("places", "place", "montgomery-wv"), ("places", "place", "ashland-ky"), ("places", "place", "dubois-in"),
        ("places", "place", "murphysboro-il")]
    kaiser = get(engine, "struggle", next(slug for slug in _slugs(engine) if slug.startswith("bls-2012-kaiser")))
    assert kaiser.extra["scope"] == "Statewide" and kaiser.extra["workers"] == 21000
    charter = get(engine, "struggle", next(slug for slug in _slugs(engine) if slug.startswith("bls-2017-charter")))
    assert charter.extra["days_idle"] == -4 and "scope" not in charter.extra  # as published


def _slugs(engine) -> list[str]:
    from sqlalchemy import text

    with engine.connect() as conn:
        return list(conn.execute(text("SELECT slug FROM records WHERE type = 'struggle'")).scalars())


def test_wikidata_excerpts(engine, tmp_path):
    mapping = example("wikidata_strikes")
    source = EXCERPTS / "wikidata_strikes.csv"
    report = ingest(engine, [source], mapping=mapping)
    assert [(e.line, e.field, e.message) for e in report.errors] == [
        (8, "end", "end 1903-01-01 is before start 1903-07-01")]
    report = ingest(engine, [without_lines(source, {8}, tmp_path / "strikes.csv"),
                             EXCERPTS / "wikidata_rebellions.csv"], mapping=mapping)
    assert report.errors == [] and report.added == 8 + 13
    uk = get(engine, "struggle", "wikidata-q16244299")  # four rows: two starts and two ends
    assert (uk.title, uk.start, uk.end) == ("2013 UK higher education strike", "2013-10-31", "2013-12-04")
    assert links(engine, "struggle", "wikidata-q16244299") == [("places", "place", "united-kingdom")]
    azkoitia = get(engine, "struggle", "wikidata-q122956736")  # its end is Wikidata's "unknown value"
    assert (azkoitia.start, azkoitia.end) == ("1920-10-06", None)
    maccabees = get(engine, "struggle", "wikidata-q7930888")  # the rebellions file has no locationLabel
    assert (maccabees.start, maccabees.end) == ("-0166-01-01", "-0159-01-01")
    assert links(engine, "struggle", "wikidata-q7930888") == [("places", "place", "seleucid-empire")]


@pytest.mark.slow
@pytest.mark.parametrize("data_set", DATA_SETS, ids=lambda d: Path(d.path).name)
def test_example_imports_its_whole_data_set(engine, full_shared_data, tmp_path, data_set):
    source = full_shared_data / data_set.path
    mapping = example(data_set.mapping)
    with source.open(encoding="utf-8", newline="") as handle:
        assert sum(1 for _ in csv.DictReader(handle)) == data_set.rows
    report = ingest(engine, [source], mapping=mapping, dry_run=bool(data_set.refused))
    refused = [(e.line, e.field, e.message) for e in report.errors]
    assert len(refused) == len(data_set.refused)
    for (line, field, message), expected in zip(refused, data_set.refused, strict=True):
        assert (line, field) == expected[:2] and expected[2] in message, (line, field, message)
    if data_set.refused:  # the file stays atomic until --skip-invalid: the rest goes in once they are left out
        lines = {line for line, _, _ in data_set.refused}
        report = ingest(engine, [without_lines(source, lines, tmp_path / source.name)], mapping=mapping)
        assert report.errors == []
    assert report.added == count(engine, "struggle") == data_set.records


def test_gutenberg_excerpt(engine):
    """The first 80 and the last 37 lines of Douglass's Narrative, CRLF as published."""
    report = ingest(engine, [EXCERPTS / "pg23_douglass_narrative.txt"], mapping=example("gutenberg_texts"))
    assert report.errors == [] and report.added == 1
    book = get(engine, "account", "the-narrative-of-the-life-of-frederick-douglass-an-american-slave")
    assert (book.title, book.kind, book.language) == (
        "The Narrative of the Life of Frederick Douglass An American Slave", "book", "en")
    assert book.extra == {"author": "Frederick Douglass", "gutenberg_ebook": 23}
    assert book.body.startswith("Produced by An Anonymous Volunteer and David Widger")
    assert book.body.endswith("CHAPTER V") and "Gutenberg" not in book.body
    assert tag_names(engine, "account", book.slug) == ["project gutenberg"]


@pytest.mark.slow
def test_gutenberg_books_whole(engine, full_shared_data):
    folder = full_shared_data / "gutenberg_movement_texts"
    books = sorted(folder.glob("pg*.txt"))
    report = ingest(engine, books, mapping=example("gutenberg_texts"))
    assert report.errors == [] and report.added == count(engine, "account") == len(books) == 6
    reed = get(engine, "account", "ten-days-that-shook-the-world")  # UTF-8 with a BOM, CRLF
    assert reed.extra == {"author": "John Reed", "gutenberg_ebook": 3076}
    assert "Project Gutenberg" not in reed.body[-2000:] and len(reed.body) > 700_000
    # The folder's README.txt is not a book: its missing "Title:" line is an error naming it.
    report = ingest(engine, [folder / "README.txt"], mapping=example("gutenberg_texts"))
    assert [(e.field, e.message[:60]) for e in report.errors] == [
        (None, "field 'title': column 'body': '=============================")]


def test_the_readme_mapping_imports_the_fmcs_excerpt(engine, tmp_path):
    """The mapping shown in the README's "Map a real spreadsheet" works as written."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Map a real spreadsheet"):]
    snippet = section[section.index("```yaml\n") + 8:section.index("```\n", section.index("```yaml\n") + 8)]
    (tmp_path / "readme.map.yaml").write_text(snippet, encoding="utf-8")
    mapping = load_mapping(tmp_path / "readme.map.yaml")
    source = without_lines(EXCERPTS / "fmcs_work_stoppages.csv", {17}, tmp_path / "fmcs.csv")
    report = ingest(engine, [source], mapping=mapping)
    assert report.errors == [] and report.added == 23
    strike = get(engine, "struggle", "fmcs-1991ju003706-1994-06-21")
    assert (strike.title, strike.extra["workers"]) == ("Caterpillar Inc work stoppage (UAW MULTI), Peoria, IL", 11500)
