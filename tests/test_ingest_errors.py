"""Bad input gets an error naming the file, the line and the field, and nothing half-written."""

from __future__ import annotations

import json

import pytest

from archive.store.ingest import ingest
from tests.helpers import count, snapshot


def only_error(report) -> str:
    assert len(report.errors) == 1, report.errors
    return str(report.errors[0])


@pytest.mark.parametrize(
    ("content", "line", "field", "message"),
    [
        ("---\ntitle: A\ndate: 2019-02-30\n---\n", 3, "date", "day 30 does not exist"),
        ("---\ntitle: A\ndate: yesterday\n---\n", 3, "date", "not a date: 'yesterday'"),
        ("---\ntitle: A\nvisibility: secret\n---\n", 3, "visibility", "must be one of public, restricted, private"),
        ("---\ntitle: A\ntype: manifesto\n---\n", 3, "type", "unknown type 'manifesto'"),
        ("---\ntype: struggle\nstart: 2020\nend: 2019\n---\n", 4, "end", "end 2019 is before start 2020"),
        ("---\ntitle: A\nconsent: maybe\n---\n", 3, "consent", "must be one of given, withdrawn, unknown"),
        ("---\ntitle: A\nlanguage: English!\n---\n", 3, "language", "not a language code"),
        ("---\ntitle: A\nembargo_until: soon\n---\n", 3, "embargo_until", "not a date"),
        ("---\ntype: place\ntitle: P\nlat: 123\n---\n", 4, "lat", "latitude must be between -90 and 90"),
        ("---\ntype: balance_sheet\ntitle: B\n---\n", None, "struggle", "assesses a struggle or a wave"),
        ("---\ntype: articulation\ntitle: X\nbetween: [struggle/a]\n---\n", 4, "between", "exactly two"),
        ("---\ntype: articulation\ntitle: X\nbetween: [city/a, struggle/b]\n---\n", 4, "between", "type/slug"),
        ("---\ntype: organization\ntitle: O\nform: [union, council]\n---\n", 4, "form", "takes one form slug"),
        ("---\ntitle: A\ntags: {a: 1}\n---\n", 3, "tags", "expected a list"),
        (f"---\ntitle: A\ntags: [{'x' * 201}]\n---\n", 3, "tags", "a tag may be at most 200 characters"),
        (f"---\ntitle: A\nkind: {'k' * 65}\n---\n", 3, "kind", "at most 64 characters"),
        ("---\ntitle: A\nlanguage: en-aaaa-bbbb-cccc\n---\n", 3, "language", "not a language code"),
    ],
)
def test_field_errors_name_file_line_and_field(engine, write, content, line, field, message):
    path = write("bad.md", content)
    report = ingest(engine, [path])
    error = report.errors[0]
    assert (error.path, error.line, error.field) == (path, line, field)
    assert message in error.message
    where = f"{path}:{line}" if line else str(path)
    assert str(error).startswith(f"{where}: field '{field}': ")
    assert count(engine) == 0


def test_missing_title_and_slug(engine, write):
    path = write("rows.csv", "type,title,start\nstruggle,Fine,2020\nstruggle,,2021\n")
    assert only_error(ingest(engine, [path])) == f"{path}:3: field 'title': required: give a title or a slug"


def test_csv_row_error_names_the_row_line_even_with_multiline_cells(engine, write):
    path = write("rows.csv", 'type,title,body,start\nstruggle,A,"two\nlines",2020\nstruggle,B,x,20x1\n')
    assert only_error(ingest(engine, [path])).startswith(f"{path}:4: field 'start': not a date")


def test_malformed_files(engine, write):
    cases = {
        "broken.yaml": ("title: [unclosed\n", "invalid YAML"),
        "broken.jsonl": ('{"title": "ok"}\n{"title": \n', "invalid JSON"),
        "broken.json": ('[{"title": "a"},\n {"title": }]', "invalid JSON"),
        "scalar.json": ("[1, 2]", "expected a record"),
        "extra.csv": ("title,date\nA,2020,surplus\n", "row has 3 fields, the header has 2"),
        "dupe.csv": ("title,title\nA,B\n", "column 'title' appears more than once"),
        "front.md": ("---\ntitle: [oops\n---\nbody\n", "invalid YAML"),
    }
    paths = [write(name, content) for name, (content, _) in cases.items()]
    report = ingest(engine, paths)
    assert report.files_failed == len(cases)
    messages = {e.path.name: str(e) for e in report.errors}
    for name, (_, expected) in cases.items():
        assert expected in messages[name], messages[name]
    assert messages["broken.jsonl"].startswith(f"{paths[1]}:2: invalid JSON")
    assert messages["broken.json"].startswith(f"{paths[2]}:2: invalid JSON")


def test_not_utf8_and_undecodable(engine, write):
    path = write("binary.md", bytes(range(256)) * 4)
    report = ingest(engine, [path])
    assert report.files_failed == 1


def test_duplicate_slug_in_one_file(engine, write):
    path = write("dupes.jsonl", "\n".join(json.dumps(r) for r in [
        {"type": "struggle", "slug": "s", "title": "One"},
        {"type": "struggle", "slug": "s", "title": "Two"},
    ]))
    assert only_error(ingest(engine, [path])) == (
        f"{path}:2: field 'slug': struggle 's' appears twice in this file (first at line 1)")


def test_missing_path_and_unknown_type(engine, tmp_path, write):
    odd = write("notes.docx", b"PK")
    report = ingest(engine, [tmp_path / "nope", odd])
    assert [e.message for e in report.errors] == [
        "no such file or folder", "unknown file type; use .md, .txt, .csv, .jsonl, .json or .yaml"]


def test_one_bad_record_leaves_the_database_exactly_as_before(engine, write):
    ingest(engine, [write("seed.yaml", "type: struggle\nslug: seed\ntitle: Seed\nplaces: [Lyon]\n")])
    before = snapshot(engine)
    rows = [{"type": "struggle", "slug": f"s{i}", "title": f"S {i}", "places": [f"Place {i}"],
             "tags": [f"t{i}"]} for i in range(1200)]
    rows[1100]["start"] = "not-a-date"
    rows.append({"type": "struggle", "slug": "seed", "title": "Seed changed"})
    path = write("big.jsonl", "\n".join(json.dumps(r) for r in rows))
    report = ingest(engine, [path])
    assert [str(e) for e in report.errors] == [f"{path}:1101: field 'start': not a date: 'not-a-date' "
                                               "(write 1933, 1933-04 or 1933-04-01)"]
    assert snapshot(engine) == before


def test_other_files_still_go_in(engine, write):
    good = write("a/good.md", "---\ntitle: Good\n---\n")
    bad = write("a/bad.md", "---\ntitle: Bad\ndate: never\n---\n")
    report = ingest(engine, [good.parent])
    assert (report.added, report.files_failed) == (1, 1)
    assert report.errors[0].path == bad


def test_strict_stops_at_first_error_and_changes_nothing(engine, write):
    ingest(engine, [write("seed.md", "---\ntitle: Seed\n---\n")])
    before = snapshot(engine)
    write("batch/1-good.md", "---\ntitle: Good\n---\n")
    write("batch/2-bad.md", "---\ntitle: Bad\ndate: never\n---\n")
    write("batch/3-bad.md", "---\ntitle: Also bad\ndate: never\n---\n")
    report = ingest(engine, [write("batch/4-good.md", "---\ntitle: Later\n---\n").parent], strict=True)
    assert report.aborted and len(report.errors) == 1
    assert snapshot(engine) == before


def test_dry_run_validates_and_writes_nothing(engine, write):
    before = snapshot(engine)
    good = write("good.md", "---\ntitle: Good\nplaces: [Turin]\n---\n")
    bad = write("bad.md", "---\ntitle: Bad\ndate: never\n---\n")
    report = ingest(engine, [good, bad], dry_run=True)
    assert (report.added, report.stubs, len(report.errors)) == (1, 1, 1)
    assert snapshot(engine) == before
