"""Every file format reads into the same record format."""

from __future__ import annotations

import json

from archive.store.ingest import ingest
from tests.helpers import count, get, links


def test_markdown_with_front_matter(engine, write):
    path = write("walkout.md", """---
title: The night shift walked out
date: 2018-11
recorded: 2019-02-03
kind: testimony
narrator: "R."
source: Interview with the tenants' committee
language: en
struggles: [Warehouse walkout]
places: Oakland; California
tags: [heat, pay]
shift: night
---
We walked out at **noon**.

Then the night shift joined.
""")
    report = ingest(engine, [path])
    assert (report.added, report.errors) == (1, [])
    account = get(engine, "account", "the-night-shift-walked-out")
    assert account.date == "2018-11"
    assert account.recorded == "2019-02-03"
    assert account.narrator == "R."
    assert account.body.startswith("We walked out at **noon**.")
    assert account.extra == {"shift": "night"}
    assert links(engine, "account", account.slug) == [
        ("places", "place", "oakland"), ("places", "place", "california"),
        ("struggles", "struggle", "warehouse-walkout"),
    ]


def test_markdown_without_front_matter_takes_heading_then_file_name(engine, write):
    with_heading = write("a.md", "Intro line\n\n# Minutes of the general assembly\n\nVoted to strike.\n")
    without = write("strike-diary.md", "Day one. We held the line.\n")
    ingest(engine, [with_heading, without])
    assert get(engine, "account", "minutes-of-the-general-assembly").body.endswith("Voted to strike.")
    assert get(engine, "account", "strike-diary").title == "strike-diary"


def test_plain_text_title_is_first_line(engine, write):
    path = write("leaflet.txt", "All out on Monday!\nThe bosses cut our pay again.\n")
    ingest(engine, [path])
    account = get(engine, "account", "all-out-on-monday")
    assert account.body == "The bosses cut our pay again."


def test_csv_rows_with_list_cells(engine, write):
    path = write("struggles.csv",
                 "type,slug,title,start,end,places,tags,waves\n"
                 "struggle,rent-strike-1932,Bronx rent strike,1932-01,1932-03,"
                 "Bronx;New York,rent;eviction,depression-wave\n"
                 "struggle,ford-hunger-march,Ford Hunger March,1932-03-07,1932-03-07,Dearborn,unemployment,\n")
    report = ingest(engine, [path])
    assert report.added == 2
    assert links(engine, "struggle", "rent-strike-1932") == [
        ("places", "place", "bronx"), ("places", "place", "new-york"), ("waves", "wave", "depression-wave"),
    ]
    assert get(engine, "struggle", "ford-hunger-march").start == "1932-03-07"


def test_jsonl_json_and_yaml(engine, write):
    jsonl = write("forms.jsonl", "\n".join(json.dumps(r) for r in [
        {"type": "form", "slug": "workers-council", "title": "Workers' council"},
        {"type": "form", "slug": "tenant-union", "title": "Tenant union"},
    ]))
    single = write("org.json", json.dumps({"type": "organization", "slug": "acorn", "title": "ACORN",
                                          "form": "tenant-union", "founded": 1970}))
    array = write("places.json", json.dumps([
        {"type": "place", "slug": "usa", "title": "United States"},
        {"type": "place", "slug": "chicago", "title": "Chicago", "parent": "usa", "lat": 41.88, "lon": -87.63},
    ], indent=2))
    yaml_file = write("waves.yaml", """
- type: wave
  slug: wave-1968
  title: The long 1968
  start: 1968
  end: 1973
- type: balance_sheet
  slug: lessons-1968
  title: What 1968 taught us
  wave: wave-1968
  author: A committee
  date: 1980
  won: A rent freeze in two boroughs
  limits: [lost momentum, repression]
  lessons:
    - Build before the peak
""")
    report = ingest(engine, [jsonl, single, array, yaml_file])
    assert report.errors == [], report.errors
    assert report.added == 7
    assert get(engine, "organization", "acorn").founded == "1970"
    assert links(engine, "organization", "acorn") == [("form", "form", "tenant-union")]
    chicago = get(engine, "place", "chicago")
    assert (chicago.lat, chicago.lon) == (41.88, -87.63)
    assert links(engine, "place", "chicago") == [("parent", "place", "usa")]
    sheet = get(engine, "balance_sheet", "lessons-1968")
    assert sheet.limits == ["lost momentum", "repression"]
    assert sheet.lessons == ["Build before the peak"]


def test_yaml_multiple_documents_and_norwegian_is_not_false(engine, write):
    path = write("accounts.yaml", "title: Første\nlanguage: no\n---\ntitle: Second\nlanguage: nl\n")
    report = ingest(engine, [path])
    assert report.added == 2, report.errors
    assert get(engine, "account", "forste").language == "no"


def test_articulation_between_two_records(engine, write):
    path = write("art.yaml", """
type: articulation
slug: dockers-and-nurses
title: Dockers and nurses
kind: Solidarity action
between: [struggle/port-strike, organization/nurses-union]
start: 2021-05
""")
    ingest(engine, [path])
    assert get(engine, "articulation", "dockers-and-nurses").kind == "solidarity"
    assert links(engine, "articulation", "dockers-and-nurses") == [
        ("between", "struggle", "port-strike"), ("between", "organization", "nurses-union"),
    ]


def test_folders_are_walked_recursively_skipping_hidden_and_unknown(engine, write):
    write("box/one.md", "---\ntitle: One\n---\n")
    write("box/deeper/two.txt", "Two\nbody\n")
    write("box/.git/three.md", "---\ntitle: Hidden\n---\n")
    write("box/photo.jpg", b"\xff\xd8\xff")
    report = ingest(engine, [write("box/one.md", "---\ntitle: One\n---\n").parent])
    assert report.files == 2
    assert count(engine, "account") == 2


def test_bom_and_crlf_are_accepted(engine, write):
    path = write("bom.md", b"\xef\xbb\xbf---\r\ntitle: With BOM\r\n---\r\nLine one\r\nLine two\r\n")
    report = ingest(engine, [path])
    assert report.errors == [] and report.warnings == []
    assert get(engine, "account", "with-bom").body == "Line one\nLine two"


def test_legacy_8bit_file_is_decoded_with_a_warning(engine, write):
    text = "Grève générale à Saint-Étienne\nLes mineurs ont cessé le travail après la réduction des salaires.\n"
    path = write("greve.txt", text.encode("cp1252"))
    report = ingest(engine, [path])
    assert report.errors == []
    assert len(report.warnings) == 1 and "not UTF-8" in str(report.warnings[0])
    assert str(path) in str(report.warnings[0])
    assert get(engine, "account", "greve-generale-a-saint-etienne").title == "Grève générale à Saint-Étienne"


def test_real_gutenberg_text_with_bom_and_crlf(engine, shared_data):
    path = shared_data / "gutenberg_movement_texts" / "pg23_douglass_narrative.txt"
    report = ingest(engine, [path])
    assert report.added == 1 and report.errors == []
    with engine.connect() as conn:
        from sqlalchemy import text
        body = conn.execute(text("SELECT body FROM records WHERE type = 'account'")).scalar_one()
    assert "\r" not in body
    assert "Frederick Douglass" in body

