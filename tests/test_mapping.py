"""Spreadsheet mappings: columns to fields, list splitting, constants, nulls and stable slugs."""

from __future__ import annotations

import pytest

from archive.ingest.mapping import MappingError, load_mapping
from archive.store.ingest import ingest
from tests.helpers import count, get, links, revisions

SHEET = (
    "Employer,Union,Case Number,\"City, State\",Start Date,End Date,Issues\n"
    "Acme Mills,UE Local 1,1984AA001,\"Lowell, MA\",1984-02-01,1984-03-01,\"['wages', 'safety']\"\n"
    "Bolt Works,None,1984AA002,\"Erie, PA\",1984-05-01,,None\n"
)
MAPPING = """
columns:
  Employer: organizations
  Union: organizations
  "City, State": places
  Start Date: start
  End Date: end
  Issues: tags
split:
  places: "|"
  tags: python
null: ["None"]
constants:
  type: struggle
  visibility: public
slug: "fmcs-{Case Number}"
title: "{Employer} strike"
"""


def test_mapping_turns_rows_into_struggles(engine, write):
    mapping = load_mapping(write("m.yaml", MAPPING))
    report = ingest(engine, [write("sheet.csv", SHEET)], mapping=mapping)
    assert report.errors == [] and report.added == 2
    acme = get(engine, "struggle", "fmcs-1984aa001")
    assert (acme.title, acme.start, acme.end) == ("Acme Mills strike", "1984-02-01", "1984-03-01")
    assert links(engine, "struggle", "fmcs-1984aa001") == [
        ("organizations", "organization", "acme-mills"), ("organizations", "organization", "ue-local-1"),
        ("places", "place", "lowell-ma"),
    ]
    assert links(engine, "struggle", "fmcs-1984aa002") == [
        ("organizations", "organization", "bolt-works"), ("places", "place", "erie-pa")]


def test_reimport_updates_rows_instead_of_duplicating(engine, write):
    mapping = load_mapping(write("m.yaml", MAPPING))
    sheet = write("sheet.csv", SHEET)
    ingest(engine, [sheet], mapping=mapping)
    assert ingest(engine, [sheet], mapping=mapping).unchanged == 2
    sheet.write_text(SHEET.replace("1984-05-01,,None", "1984-05-01,1984-06-30,None"), encoding="utf-8")
    report = ingest(engine, [sheet], mapping=mapping)
    assert (report.updated, report.unchanged, report.added) == (1, 1, 0)
    assert count(engine, "struggle") == 2
    assert get(engine, "struggle", "fmcs-1984aa002").end == "1984-06-30"
    assert len(revisions(engine, "struggle", "fmcs-1984aa002")) == 2


def test_template_naming_a_missing_column(engine, write):
    mapping = load_mapping(write("m.yaml", "slug: '{Case No}'\ncolumns: {Employer: title}\n"))
    path = write("sheet.csv", "Employer\nAcme\n")
    report = ingest(engine, [path], mapping=mapping)
    assert str(report.errors[0]) == f"{path}:2: field 'slug': column 'Case No' from the mapping is not in this file"


@pytest.mark.parametrize(("text", "message"), [
    ("- a\n- b\n", "a mapping file holds keys"),
    ("columns: [a]\n", "'columns' must be a mapping"),
    ("null: None\n", "'null' must be a list"),
    ("slug: 3\n", "'slug' must be a template"),
    ("columns: {a: [3]}\n", "write a field name, or a mapping"),
])
def test_bad_mapping_files(write, text, message):
    path = write("m.yaml", text)
    with pytest.raises(MappingError, match=message) as info:
        load_mapping(path)
    assert str(path) in str(info.value)
