"""The typed record classes: each type's own columns live on the one ``records`` table, and loading a record
through the ORM gives the class of its type, with those columns as typed attributes."""

from __future__ import annotations

from sqlalchemy import Table

from archive.ingest.record_rules import RECORD_TYPES
from archive.search.lookup import show
from archive.store.ingest import ingest
from archive.store.models import Articulation, BalanceSheet, Link, Organization, Place, Record, Struggle, Wave, table_of

RECORDS = """\
- {type: wave, slug: thirties, title: The 1930s upsurge, start: 1933, end: 1939}
- {type: place, slug: flint, title: Flint, lat: 43.01, lon: -83.69}
- {type: organization, slug: uaw, title: United Auto Workers, founded: 1935}
- type: struggle
  slug: flint-sit-down
  title: Flint sit-down strike
  start: 1936-12-30
  end: 1937-02-11
  waves: [thirties]
  places: [flint]
  demands: [recognition of the union]
- type: balance_sheet
  slug: flint-lessons
  title: What Flint taught
  author: a striker
  struggle: flint-sit-down
  lessons: [occupation protects the strikers]
"""


def test_every_type_has_its_class() -> None:
    identities = {mapper.polymorphic_identity: mapper.class_ for mapper in Record.__mapper__.self_and_descendants}
    assert set(RECORD_TYPES) <= set(identities)
    assert identities["wave"] is Wave and identities["balance_sheet"] is BalanceSheet
    assert identities["articulation"] is Articulation


def test_the_classes_declare_the_type_columns_of_the_one_table() -> None:
    records = table_of(Record)
    assert isinstance(records, Table) and records.name == "records"
    assert Wave.__table__ is records and Struggle.__table__ is records
    columns = set(records.c.keys())
    assert {"start", "end", "demands", "outcome", "author", "lessons", "founded", "lat", "lon", "kind"} <= columns
    assert isinstance(table_of(Link), Table) and table_of(Link).name == "links"


def test_a_record_loads_as_its_typed_class(engine, write) -> None:
    report = ingest(engine, [write("records.yaml", RECORDS)], defaults={"visibility": "public"})
    assert report.errors == [] and report.added == 5
    loaded = {view.record.slug: view.record for slug in ("thirties", "flint", "uaw", "flint-sit-down",
                                                         "flint-lessons") for view in show(engine, slug)}
    wave, place, union = loaded["thirties"], loaded["flint"], loaded["uaw"]
    struggle, sheet = loaded["flint-sit-down"], loaded["flint-lessons"]
    assert isinstance(wave, Wave) and (wave.start, wave.end) == ("1933", "1939")
    assert isinstance(place, Place) and (place.lat, place.lon) == (43.01, -83.69)
    assert isinstance(union, Organization) and union.founded == "1935"
    assert isinstance(struggle, Struggle) and struggle.start == "1936-12-30"
    assert struggle.demands == ["recognition of the union"]
    assert isinstance(sheet, BalanceSheet) and sheet.author == "a striker"
    assert sheet.lessons == ["occupation protects the strikers"]
