"""Mappings transform values on the way in: each case of docs/mapping.md on a synthetic sheet."""

from __future__ import annotations

import pytest

from archive.ingest.mapping import MappingError, load_mapping
from archive.ingest.mapping_values import DateFormat, read_number
from archive.store.ingest import ingest
from tests.helpers import count, get, links


def run(engine, write, mapping_text: str, sheet: str, name: str = "sheet.csv"):
    mapping = load_mapping(write("m.map.yaml", mapping_text))
    path = write(name, sheet)
    return ingest(engine, [path], mapping=mapping), path


@pytest.mark.parametrize(("spec", "text", "expected"), [
    ("month-name", "June 23, 2020", "2020-06-23"),
    ("month-name", "23 June 2020", "2020-06-23"),
    ("month-name", "Sept 3rd, 1936", None),  # "Sept" is not an English month abbreviation strptime knows
    ("month-name", "Jun 3rd, 1936", "1936-06-03"),
    ("month-name", "June 1936", "1936-06"),
    ("month-first", "12/09/1991", "1991-12-09"),
    ("day-first", "12/09/1991", "1991-09-12"),
    ("day-first", "12.09.1991", "1991-09-12"),
    ("day-first", "09/1991", "1991-09"),
    ("year", "2000.0", "2000"),
    ("year", "1936", "1936"),
    ("day-first", "1991-12-09", "1991-12-09"),  # ISO is always read
    ("%d.%m.%y", "12.09.91", "1991-09-12"),
    ("month-first", "13/09/1991", None),
    ("year", "2000.5", None),
])
def test_date_formats(spec, text, expected):
    date_format = DateFormat.parse(spec)
    if expected is None:
        with pytest.raises(ValueError, match="not a"):
            date_format.read(text)
    else:
        assert date_format.read(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("50501.0", 50501), ("1,200", 1200), ("1000s", 1000), ("50+", 50), ("~300", 300), ("2.5k", 2500),
    ("1 200", 1200), ("12.5", 12.5), ("about 40", 40), ("-4", -4),
])
def test_numbers(text, expected):
    value = read_number(text)
    assert value == expected and type(value) is type(expected)


def test_numbers_with_a_decimal_comma_and_refusals():
    assert read_number("1.200,5", decimal=",") == 1200.5
    for bad in ("100-200", "many", "1.2.3,4,5"):
        with pytest.raises(ValueError, match="not a number"):
            read_number(bad, decimal=",")


def test_dates_numbers_replace_regex_constants_and_one_column_two_fields(engine, write):
    report, _ = run(engine, write, """
columns:
  ID: case_id
  Date: {field: start, date: month-name}
  Ended: {field: end, date: month-first}
  Workers: {field: workers, number: true}
  Union: [organizations, {field: union_as_written}]
  Employer:
    - {field: organizations, replace: {"Inc.": "Inc", " & ": " and "}}
  Place: {field: places, regex: {'^,\\s*': '', '\\s+': ' '}}
constants: {type: struggle, dataset: test sheet}
slug: "case-{ID}"
title: "{Employer} strike"
""", 'ID,Date,Ended,Workers,Union,Employer,Place\n'
     '1,"June 23, 2020",07/01/2020,"1,200",UE Local 1,Smith & Sons Inc.,"Lowell,   MA"\n'
     '2,"July 4, 2021",,50+,,Bolt Works,", OH"\n')
    assert report.errors == [] and report.added == 2
    one = get(engine, "struggle", "case-1")
    assert (one.start, one.end, one.extra["workers"]) == ("2020-06-23", "2020-07-01", 1200)
    assert one.extra["union_as_written"] == "UE Local 1" and one.extra["dataset"] == "test sheet"
    assert links(engine, "struggle", "case-1") == [
        ("organizations", "organization", "ue-local-1"), ("organizations", "organization", "smith-and-sons-inc"),
        ("places", "place", "lowell-ma")]
    assert get(engine, "struggle", "case-2").extra["workers"] == 50
    assert links(engine, "struggle", "case-2") == [
        ("organizations", "organization", "bolt-works"), ("places", "place", "oh")]


def test_a_value_the_declared_format_cannot_read_is_an_error_for_that_row(engine, write):
    report, path = run(engine, write, """
columns: {Date: {field: start, date: day-first}, Count: {field: workers, number: true}}
constants: {type: struggle}
slug: "s-{ID}"
""", "ID,Date,Count\n1,12/09/1991,3\n2,31/02/1991,4\n3,1/1/1990,lots\n4,unknown,?\n")
    assert [str(e) for e in report.errors] == [
        f"{path}:3: field 'start': column 'Date': not a date in the format day-first: '31/02/1991'",
        f"{path}:4: field 'workers': column 'Count': not a number: 'lots'",
    ]
    assert count(engine) == 0  # without --skip-invalid the file stays atomic
    good = path.read_text(encoding="utf-8").replace("2,31/02/1991,4\n", "").replace("3,1/1/1990,lots\n", "")
    report = ingest(engine, [write("good.csv", good)], mapping=load_mapping(path.parent / "m.map.yaml"))
    assert report.errors == [] and report.added == 2
    unknown = get(engine, "struggle", "s-4")  # a placeholder in a date or number column is no value
    assert (unknown.start, "workers" in unknown.extra) == (None, False)


def test_extract_keeps_a_part_and_says_when_it_is_missing(engine, write):
    mapping = """
columns:
  union_and_days_idle:
    - {field: organizations, regex: {',\\s*-?[\\d,]+ days.*$': ''}}
    - {field: days_idle, extract: '(-?[\\d,]+) days', number: true}
    - {field: scope, extract: 'days;\\s*(.+)$', optional: true}
constants: {type: struggle}
slug: "s-{id}"
"""
    report, path = run(engine, write, mapping, 'id,union_and_days_idle\n'
                       '1,"United Steelworkers, 83,000 days"\n'
                       '2,"Service Employees International Union, 1,000 days; Statewide"\n')
    assert report.errors == []
    one, two = get(engine, "struggle", "s-1"), get(engine, "struggle", "s-2")
    assert (one.extra["days_idle"], "scope" in one.extra) == (83000, False)
    assert (two.extra["days_idle"], two.extra["scope"]) == (1000, "Statewide")
    assert links(engine, "struggle", "s-2") == [
        ("organizations", "organization", "service-employees-international-union")]
    report, path = run(engine, write, mapping, 'id,union_and_days_idle\n3,"United Steelworkers"\n', "b.csv")
    assert [str(e) for e in report.errors] == [
        f"{path}:2: field 'days_idle': column 'union_and_days_idle': 'United Steelworkers' does not match the "
        "extract pattern '(-?[\\\\d,]+) days' (add optional: true if it may be absent)"]


def test_flag_columns_become_list_values(engine, write):
    report, path = run(engine, write, """
columns:
  "demand_*": {field: demands, flag: true}
  violence: {field: tags, flag: state violence}
constants: {type: struggle}
slug: "e-{id}"
""", "id,demand_wages,demand_land_reform,violence\n1,1,0,1.0\n2,0,1,0\n3,0,0,\n")
    assert report.errors == []
    assert get(engine, "struggle", "e-1").demands == ["wages"]
    assert get(engine, "struggle", "e-2").demands == ["land reform"]
    assert get(engine, "struggle", "e-3").demands is None
    from tests.test_real_data import tag_names
    assert tag_names(engine, "struggle", "e-1") == ["state violence"]
    report, path = run(engine, write, """
columns: {"demand_*": {field: demands, flag: true}}
constants: {type: struggle}
slug: "f-{id}"
""", "id,demand_wages\n1,maybe\n", "bad.csv")
    assert [str(e) for e in report.errors] == [
        f"{path}:2: field 'demands': column 'demand_wages': a flag column holds 1 or 0 (or yes/no, true/false, "
        "x/empty), not 'maybe'"]


def test_repeated_columns_by_pattern(engine, write):
    header = ",".join(["id"] + [f"place_{i}" for i in range(1, 201)] + ["company_name_1", "company_name_2"])
    cells = ["Lowell", "", "Erie"] + [""] * 197
    report, _ = run(engine, write, """
columns:
  "place_*": places
  "company_name_*": organizations
  place_1: {field: first_place}       # a column named exactly takes precedence over a pattern
constants: {type: struggle}
slug: "r-{id}"
""", f"{header}\n" + ",".join(["1", *cells, "Acme", "Bolt"]) + "\n")
    assert report.errors == []
    assert get(engine, "struggle", "r-1").extra["first_place"] == "Lowell"
    assert links(engine, "struggle", "r-1") == [
        ("organizations", "organization", "acme"), ("organizations", "organization", "bolt"),
        ("places", "place", "erie")]


def test_an_empty_slug_placeholder_is_an_error_and_empty_title_parts_are_dropped(engine, write):
    report, path = run(engine, write, """
columns: {Employer: organizations}
null: ["None"]
constants: {type: struggle}
slug: "fmcs-{ID}"
title: "{Employer} work stoppage ({Union}), {City} - {State}"
templates: {places: "{City}, {State}"}
""", "ID,Employer,Union,City,State\n1,Acme,,Lowell,MA\n,Bolt,UE,Erie,PA\n2,Cog,None,,OH\n3,Dial,UAW,,\n"
     "n/a,Eve,UE,Troy,NY\n")
    assert [str(e) for e in report.errors] == [
        f"{path}:{line}: field 'slug': column 'ID' is empty on this row, so the slug would not tell this row from "
        "others" for line in (3, 6)]  # an empty cell, and a placeholder
    bad = path.read_text(encoding="utf-8").replace(",Bolt,UE,Erie,PA\n", "").replace("n/a,Eve,UE,Troy,NY\n", "")
    report = ingest(engine, [write("good.csv", bad)], mapping=load_mapping(path.parent / "m.map.yaml"))
    assert report.errors == [] and report.added == 3
    assert get(engine, "struggle", "fmcs-1").title == "Acme work stoppage, Lowell - MA"
    assert get(engine, "struggle", "fmcs-2").title == "Cog work stoppage, OH"
    assert get(engine, "struggle", "fmcs-3").title == "Dial work stoppage (UAW)"
    assert [slug for *_, slug in links(engine, "struggle", "fmcs-1")] == ["acme", "lowell-ma"]
    assert [slug for *_, slug in links(engine, "struggle", "fmcs-2")] == ["cog", "oh"]
    assert [slug for *_, slug in links(engine, "struggle", "fmcs-3")] == ["dial"]


def test_merge_rows_joins_an_item_repeated_once_per_country(engine, write):
    mapping = """
columns:
  label: title
  country: places
  start: start
  end: end
  qid: wikidata
constants: {type: struggle}
slug: "wikidata-{qid}"
merge_rows: {start: earliest, end: latest}
"""
    sheet = ("qid,label,country,start,end\n"
             "Q1,General strike,France,1936-05-26,1936-06-10\n"
             "Q2,Dock strike,UK,1889-08-14,\n"
             "Q1,General strike,Belgium,1936-06-02,1936-07-01\n")
    report, _ = run(engine, write, mapping, sheet)
    assert report.errors == [] and report.added == 2
    strike = get(engine, "struggle", "wikidata-q1")
    assert (strike.title, strike.start, strike.end) == ("General strike", "1936-05-26", "1936-07-01")
    assert links(engine, "struggle", "wikidata-q1") == [
        ("places", "place", "france"), ("places", "place", "belgium")]
    # A field whose rows differ and that has no rule is an error naming the values.
    report, path = run(engine, write, mapping.replace("{start: earliest, end: latest}", "true"), sheet, "b.csv")
    assert [str(e) for e in report.errors] == [
        f"{path}:2: field 'start': the merged rows give different values ('1936-05-26', '1936-06-02'); "
        "say under merge_rows how to combine them (earliest, latest, first, last)"]


@pytest.mark.parametrize(("text", "message"), [
    ("colums: {a: b}\n", "unknown key 'colums' (did you mean 'columns'?)"),
    ("nul: [x]\n", "unknown key 'nul' (did you mean 'null'?)"),
    ("columns: {a: {feild: b}}\n", "columns: 'a': unknown key 'feild' (did you mean 'field'?)"),
    ("columns: {a: {field: b, dat: iso}}\n", "unknown key 'dat' (did you mean 'date'?)"),
    ("columns: {a: {split: ';'}}\n", "say which field it feeds with 'field: NAME'"),
    ("columns: {a: {field: b, date: sometimes}}\n", "'date': use one of iso, year, month-first"),
    ("columns: {a: {field: b, regex: {'(': ''}}}\n", "'regex': not a regular expression: '('"),
    ("columns: {a: {field: b, number: always}}\n", "'number' is true"),
    ("columns: {a: {field: b, date: iso, number: true}}\n", "as a date or as a number, not both"),
    ("merge_rows: {start: earlest}\nslug: '{a}'\n", "not one of earliest, latest, first, last (did you mean"),
    ("merge_rows: true\n", "give a slug template"),
    ("keep_unmapped: sometimes\n", "'keep_unmapped' must be true or false"),
])
def test_mapping_file_errors_name_the_key(write, text, message):
    path = write("m.map.yaml", text)
    with pytest.raises(MappingError) as info:
        load_mapping(path)
    assert message in str(info.value) and str(info.value).startswith(f"{path}: ")
