"""Papercuts of issue 18 (items 6, 8, 9): a search filter or lesson category that nothing could match is a
usage error naming the choices (never a non-public one with --public), a broken date range is named, and
a continuity finding carries one label."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from archive.cli import cli
from archive.search.index import make_schema, rebuild_index
from archive.search.query import QueryError, make_parser, parse
from archive.store.ingest import ingest
from tests.helpers import PUBLIC

RECORDS = """
- {type: wave, slug: thirties, title: The 1930s upsurge, start: 1933, end: 1939}
- {type: wave, slug: twenties-now, title: The 2020s, start: 2020}
- {type: wave, slug: quiet-wave, title: A wave nothing is filed under yet, start: 1900, end: 1901}
- {type: wave, slug: secret-wave, title: A wave kept private, start: 1950, visibility: private}
- {type: place, slug: secret-place, title: A place kept private, visibility: private}
- {type: form, slug: sit-down-occupation, title: Sit-down occupation}
- {type: struggle, slug: flint-sit-down, title: Flint sit-down strike, start: 1936-12-30, waves: [thirties],
   forms: [sit-down-occupation], tags: [speed-up], places: [flint],
   body: "Auto workers occupied the Fisher Body plants for 44 days until General Motors recognised the union."}
- {type: struggle, slug: warehouse-occupation-2022, title: Warehouse occupation strike, start: 2022-05,
   waves: [twenties-now], forms: [sit-down-occupation], tags: [speed-up], places: [flint],
   body: "Warehouse workers occupied the plant floor against the speed-up."}
- {type: struggle, slug: hidden-strike, title: A strike kept private, start: 1950, waves: [secret-wave],
   places: [secret-place], visibility: private, body: "A strike the archive keeps to itself."}
- {type: balance_sheet, slug: flint-assessed, title: What Flint won, struggle: flint-sit-down, author: A veteran,
   date: 1966, won: Recognition, limits: ["repression: the sit-down was outlawed in 1939"],
   lessons: [Occupy the choke point of production]}
"""


@pytest.fixture
def root(archive, engine, write):
    assert ingest(engine, [write("records.yaml", RECORDS)], defaults=PUBLIC).errors == []
    rebuild_index(archive.index_dir, engine)
    return archive.root


def run(root, *args: str):
    return CliRunner().invoke(cli, ["--archive", str(root), *args])


def usage_error(result, option: str) -> str:
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{option}'" in result.output
    assert "Traceback" not in result.output and "No records match" not in result.output
    return result.output


def test_an_unknown_type_names_the_types(root) -> None:
    out = usage_error(run(root, "search", "strike", "--type", "strugle"), "--type")
    assert "unknown type 'strugle'; did you mean 'struggle'?" in out
    assert "balance_sheet" in out and "articulation" in out
    spelled = run(root, "search", "strike", "--type", "Balance-Sheet", "--json")
    assert spelled.exit_code == 0, spelled.output
    assert json.loads(spelled.output) == []  # a known type that nothing matched is not an error


def test_an_unknown_wave_suggests_the_closest(root) -> None:
    out = usage_error(run(root, "search", "strike", "--wave", "thirtys"), "--wave")
    assert "unknown wave 'thirtys'; did you mean 'thirties'?" in out
    out = usage_error(run(root, "search", "strike", "--wave", "no-such-wave"), "--wave")
    assert "unknown wave 'no-such-wave'" in out
    assert "thirties" in out and "twenties-now" in out  # few waves: all listed
    found = json.loads(run(root, "search", "strike", "--wave", "thirties", "--json").output)
    assert [h["slug"] for h in found] == ["flint-sit-down"]
    # A wave record nothing is filed under yet exists: no records match it, and that is no error.
    quiet = run(root, "search", "strike", "--wave", "quiet-wave")
    assert quiet.exit_code == 0 and "No records match." in quiet.output


def test_an_unknown_place_suggests_the_closest(root) -> None:
    out = usage_error(run(root, "search", "strike", "--place", "flnt"), "--place")
    assert "unknown place 'flnt'; did you mean 'flint'?" in out
    out = usage_error(run(root, "search", "strike", "--place", "nowhere"), "--place")
    assert "unknown place 'nowhere'" in out
    found = json.loads(run(root, "search", "strike", "--place", "Flint", "--json").output)
    assert {h["slug"] for h in found} == {"flint-sit-down", "warehouse-occupation-2022"}


def test_public_search_never_lists_or_suggests_a_private_wave_or_place(root) -> None:
    # The archivist sees the private wave and place; the public search knows nothing of them.
    archivist = json.loads(run(root, "search", "strike", "--wave", "secret-wave", "--json").output)
    assert [h["slug"] for h in archivist] == ["hidden-strike"]
    for option, value in (("--wave", "secret-wave"), ("--wave", "secret-wav"), ("--wave", "no-such-wave"),
                          ("--place", "secret-place"), ("--place", "secret-plac"), ("--place", "nowhere")):
        out = usage_error(run(root, "search", "strike", option, value, "--public"), option)
        assert f"unknown public {option[2:]} {value!r}" in out
        assert "secret-wave" not in out.replace(repr(value), "") and "secret-place" not in out.replace(repr(value), "")
    out = usage_error(run(root, "search", "strike", "--wave", "no-such-wave", "--public"), "--wave")
    assert "thirties" in out and "twenties-now" in out
    public = json.loads(run(root, "search", "strike", "--place", "flint", "--public", "--json").output)
    assert {h["slug"] for h in public} == {"flint-sit-down", "warehouse-occupation-2022"}


@pytest.mark.parametrize(("query", "problem"), [
    ("date:[2020 to", "the range date:[2020 to is not closed"),
    ("strike start:{1930 to 1940", "the range start:{1930 to 1940 is not closed"),
    ("date:[1930 1940]", "the range date:[1930 1940] has no 'to' between its ends"),
])
def test_a_broken_date_range_is_named(root, query: str, problem: str) -> None:
    result = run(root, "search", query)
    assert result.exit_code == 2, result.output
    assert problem in result.output and "No records match" not in result.output
    with pytest.raises(QueryError, match="range"):
        parse(query, make_parser(make_schema()))


def test_open_ended_ranges_still_work(root) -> None:
    for query in ("date:[1930 to]", "start:[to 1940}"):
        found = json.loads(run(root, "search", query, "--json").output)
        assert "flint-sit-down" in {h["slug"] for h in found}, query


def test_an_unknown_lesson_category_lists_the_categories(root) -> None:
    out = usage_error(run(root, "lessons", "--category", "nonsense"), "--category")
    assert "unknown category 'nonsense'" in out
    assert "repression" in out and "lost momentum" in out and "gains" in out
    out = usage_error(run(root, "lessons", "--category", "represion", "--public"), "--category")
    assert "did you mean 'repression'?" in out
    found = run(root, "lessons", "--category", "Repressions")
    assert found.exit_code == 0 and "limit: the sit-down was outlawed in 1939" in found.output
    empty = run(root, "lessons", "--category", "solidarity")  # in the vocabulary, nothing filed under it
    assert empty.exit_code == 0 and "No limits or lessons in category 'solidarity'." in empty.output


@pytest.mark.parametrize("public", [False, True])
def test_a_continuity_finding_has_one_label(root, public: bool) -> None:
    extra = ["--public"] if public else []
    out = run(root, "continuity", "warehouse-occupation-2022", *extra)
    assert out.exit_code == 0, out.output
    assert "limit (flint-assessed): repression: the sit-down was outlawed in 1939" in out.output
    assert "lesson (flint-assessed): Occupy the choke point of production" in out.output
    assert "lesson (flint-assessed): limit:" not in out.output
    data = json.loads(run(root, "continuity", "warehouse-occupation-2022", "--json", *extra).output)
    assert data["earlier"][0]["lessons"] == [
        {"balance_sheet": "flint-assessed", "kind": "lesson", "text": "Occupy the choke point of production"},
        {"balance_sheet": "flint-assessed", "kind": "limit", "text": "repression: the sit-down was outlawed in 1939"}]


def test_many_places_are_counted_not_listed(archive, engine, write) -> None:
    places = [f"town-{n:02d}" for n in range(30)]
    records = "\n".join(f"- {{type: struggle, slug: strike-{p}, title: Strike in {p}, places: [{p}]}}" for p in places)
    assert ingest(engine, [write("many.yaml", records)], defaults=PUBLIC).errors == []
    rebuild_index(archive.index_dir, engine)
    out = usage_error(run(archive.root, "search", "strike", "--place", "town-7"), "--place")
    assert "'town-07'" in out and "30 places exist" in out and "town-29" not in out
    out = usage_error(run(archive.root, "search", "strike", "--place", "harbour", "--public"), "--place")
    assert "30 public places exist, none of them close to it" in out
