"""--skip-invalid: the valid records of a file go in, every refused record goes, unchanged, to a rejects file
that can be fixed and ingested again; every error is counted; a ragged CSV row says so."""

from __future__ import annotations

import csv
import io
import json

import pytest

from archive.ingest.mapping import load_mapping
from archive.ingest.rejects import LOG_SUFFIX
from archive.store.ingest import ingest
from tests.helpers import count, get, snapshot


def csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def test_one_bad_row_in_four_thousand_keeps_the_rest_and_round_trips(engine, write, tmp_path):
    rows = [["type", "slug", "title", "start"]]
    rows += [["struggle", f"s{i}", f"Strike {i}", f"{1900 + i % 100}"] for i in range(4000)]
    rows[2717][3] = "19x7"  # line 2718 of the file
    path = write("strikes.csv", csv_text(rows))
    rejects = tmp_path / "rejects"

    report = ingest(engine, [path], skip_invalid=True, rejects=rejects)
    assert (report.added, report.refused, report.files_failed) == (3999, 1, 0)
    assert count(engine, "struggle") == 3999
    [error] = report.errors
    assert str(error) == f"{path}:2718: field 'start': not a date: '19x7' (write 1933, 1933-04 or 1933-04-01)"
    [outcome] = report.outcomes
    assert (outcome.records_in, outcome.refused, outcome.left_out) == (3999, 1, False)
    # The rejects file is the header and the refused row, as written; its log gives both lines and why.
    assert report.rejects == [rejects / "strikes.csv"] and outcome.rejects == rejects / "strikes.csv"
    assert (rejects / "strikes.csv").read_text() == "type,slug,title,start\nstruggle,s2716,Strike 2716,19x7\n"
    log = (rejects / f"strikes.csv{LOG_SUFFIX}").read_text()
    assert f"line 2: {path}:2718: field 'start': not a date: '19x7'" in log

    # Fixed where it lies, the rejects file goes in like any other.
    fixed = rejects / "strikes.csv"
    fixed.write_text(fixed.read_text().replace("19x7", "1917"))
    again = ingest(engine, [fixed], skip_invalid=True, rejects=tmp_path / "rejects-2")
    assert (again.added, again.refused, again.errors) == (1, 0, [])
    assert get(engine, "struggle", "s2716").start == "1917"
    assert count(engine, "struggle") == 4000
    assert not (tmp_path / "rejects-2").exists()  # nothing refused, nothing written


def test_without_the_flag_the_file_stays_atomic_and_every_error_is_counted(engine, write):
    rows = [["title", "date"]] + [[f"Account {i}", "someday" if i % 40 == 0 else "2020"] for i in range(2000)]
    path = write("accounts.csv", csv_text(rows))
    before = snapshot(engine)
    report = ingest(engine, [path])
    assert len(report.errors) == 50  # no cap: every bad row is reported
    assert [e.line for e in report.errors] == [2 + i for i in range(0, 2000, 40)]
    assert (report.files_failed, report.added, report.refused) == (1, 0, 0)
    assert snapshot(engine) == before


def test_a_ragged_row_is_named_as_such_and_its_two_halves_round_trip(engine, write, tmp_path):
    # A stray line break inside an unquoted cell splits one row of three fields into two short rows.
    short = write("short.csv", "title,date,tags\nFirst,2020,a\nSecond,20\n21,b\nThird,2022,c\n")
    report = ingest(engine, [short], skip_invalid=True, rejects=tmp_path / "rejects")
    assert [str(e) for e in report.errors] == [f"{short}:3: row has 2 fields, the header has 3",
                                               f"{short}:4: row has 2 fields, the header has 3"]
    assert (report.added, report.refused) == (2, 2)
    rejected = tmp_path / "rejects" / "short.csv"
    assert rejected.read_text() == "title,date,tags\nSecond,20\n21,b\n"
    rejected.write_text("title,date,tags\nSecond,2021,b\n")  # the two halves joined again
    again = ingest(engine, [rejected], skip_invalid=True, rejects=tmp_path / "rejects-2")
    assert (again.added, again.refused) == (1, 0)
    assert get(engine, "account", "second").date == "2021"


@pytest.mark.parametrize(
    ("name", "content", "expected_rejects", "bad_lines", "fix"),
    [
        ("rows.jsonl",
         '{"title": "One", "date": "2020"}\n{"title": "Two", "date": "20x0"}\n{"title": "Three"\n'
         '{"title": "Four"}\n',
         '{"title": "Two", "date": "20x0"}\n{"title": "Three"\n', [2, 3],
         lambda text: text.replace("20x0", "2020").replace('"Three"', '"Three"}')),
        ("rows.json",
         '[\n  {"title": "One"},\n  {"title": "Two",\n   "date": "20x0"},\n  "not a record",\n  {"title": "Four"}\n]\n',
         '[\n{"title": "Two",\n   "date": "20x0"},\n"not a record"\n]\n', [3, 5],
         lambda text: text.replace("20x0", "2020").replace('"not a record"', '{"title": "Three"}')),
        ("rows.yaml",
         "title: One\n---\ntitle: Two\ndate: 20x0\n---\n- a list\n---\ntitle: Four\n",
         "---\ntitle: Two\ndate: 20x0\n---\n- a list\n", [4, 6],
         lambda text: text.replace("20x0", "2020").replace("- a list", "title: Three")),
    ],
)
def test_rejects_round_trip_for_jsonl_json_array_and_yaml_stream(engine, write, tmp_path, name, content,
                                                                 expected_rejects, bad_lines, fix):
    path = write(name, content)
    report = ingest(engine, [path], skip_invalid=True, rejects=tmp_path / "rejects")
    assert [e.line for e in report.errors] == bad_lines
    assert (report.added, report.refused) == (2, 2)
    rejected = tmp_path / "rejects" / name
    assert rejected.read_text() == expected_rejects
    log = (tmp_path / "rejects" / f"{name}{LOG_SUFFIX}").read_text()
    assert all(f"{path}:{line}:" in log for line in bad_lines)

    rejected.write_text(fix(rejected.read_text()))
    again = ingest(engine, [rejected], skip_invalid=True, rejects=tmp_path / "rejects-2")
    assert (again.added, again.refused, again.errors) == (2, 0, [])
    assert count(engine, "account") == 4
    assert get(engine, "account", "two").date == "2020"


def test_a_yaml_list_is_a_stream_of_records_too(engine, write, tmp_path):
    path = write("list.yaml", "- title: One\n- title: Two\n  date: 20x0\n- title: Three\n")
    report = ingest(engine, [path], skip_invalid=True, rejects=tmp_path / "rejects")
    assert (report.added, report.refused) == (2, 1)
    rejected = tmp_path / "rejects" / "list.yaml"
    assert rejected.read_text() == "- title: Two\n  date: 20x0\n"
    rejected.write_text("- title: Two\n  date: 2020\n")
    assert ingest(engine, [rejected]).added == 1


def test_a_file_left_out_whole_is_copied_whole_and_the_folder_can_be_ingested_again(engine, write, tmp_path):
    good = write("batch/good.md", "---\ntitle: Good\n---\nKept.\n")
    bad = write("batch/bad.md", "---\ntitle: Bad\ndate: someday\n---\nBody kept as written.\n")
    broken = write("batch/broken.json", '[{"title": "A"}, {"title": ]')
    rejects = tmp_path / "rejects"
    report = ingest(engine, [good.parent], skip_invalid=True, rejects=rejects)
    assert report.added == 1 and report.refused == 1 and report.files_failed == 1
    assert (rejects / "bad.md").read_bytes() == bad.read_bytes()
    assert (rejects / "broken.json").read_bytes() == broken.read_bytes()  # unreadable: left out, copied
    assert "field 'date': not a date" in (rejects / f"bad.md{LOG_SUFFIX}").read_text()
    # Fix both; the log files beside them are not read as records.
    (rejects / "bad.md").write_text((rejects / "bad.md").read_text().replace("someday", "2019"))
    (rejects / "broken.json").write_text('[{"title": "A"}, {"title": "B"}]')
    again = ingest(engine, [rejects])
    assert (again.files, again.added, again.errors) == (2, 3, [])
    assert get(engine, "account", "bad").body == "Body kept as written."


def test_two_files_with_one_name_get_two_rejects_files(engine, write, tmp_path):
    first = write("a/rows.jsonl", '{"title": "A", "date": "x"}\n')
    second = write("b/rows.jsonl", '{"title": "B", "date": "y"}\n')
    report = ingest(engine, [first, second], skip_invalid=True, rejects=tmp_path / "rejects")
    assert report.rejects == [tmp_path / "rejects" / "rows.jsonl", tmp_path / "rejects" / "rows-2.jsonl"]
    assert (tmp_path / "rejects" / "rows-2.jsonl").read_text() == '{"title": "B", "date": "y"}\n'


def test_a_mapped_csv_refuses_rows_and_its_rejects_go_in_with_the_same_mapping(engine, write, tmp_path):
    mapping = load_mapping(write("m.map.yaml", "columns:\n  Name: title\n  Began: start\n"
                                               "constants:\n  type: struggle\nslug: \"case-{Case}\"\n"))
    path = write("cases.csv", "Case,Name,Began\n1,Dock strike,1934\n2,Mill strike,19x3\n3,Rent strike,1915\n"
                              "4,Bus boycott,1955\n5,Sit-in,196O\n")
    report = ingest(engine, [path], mapping=mapping, skip_invalid=True, rejects=tmp_path / "rejects")
    assert [(e.line, e.field) for e in report.errors] == [(3, "start"), (6, "start")]
    assert len({str(e) for e in report.errors}) == 2  # each bad row reported once
    rejected = tmp_path / "rejects" / "cases.csv"
    assert rejected.read_text() == "Case,Name,Began\n2,Mill strike,19x3\n5,Sit-in,196O\n"
    rejected.write_text(rejected.read_text().replace("19x3", "1923").replace("196O", "1960"))
    again = ingest(engine, [rejected], mapping=mapping)
    assert (again.added, again.errors) == (2, [])
    assert count(engine, "struggle") == 5 and get(engine, "struggle", "case-5").start == "1960"


def test_a_dry_run_writes_rejects_only_where_told(engine, write, tmp_path):
    path = write("rows.jsonl", '{"title": "A"}\n{"title": "B", "date": "x"}\n')
    report = ingest(engine, [path], skip_invalid=True, dry_run=True, rejects=tmp_path / "rejects")
    assert (report.added, report.refused, count(engine)) == (1, 1, 0)
    assert (tmp_path / "rejects" / "rows.jsonl").read_text() == '{"title": "B", "date": "x"}\n'


def test_strict_and_skip_invalid_exclude_each_other(engine, write):
    with pytest.raises(ValueError, match="strict"):
        ingest(engine, [write("a.md", "# A\n")], strict=True, skip_invalid=True)


def test_stubs_filled_by_later_files_are_counted_apart_in_dry_and_real_runs(engine, write):
    accounts = write("1-accounts.jsonl", json.dumps({"title": "Picket", "struggles": ["Dock strike"]}) + "\n"
                     + json.dumps({"title": "March", "struggles": ["Dock strike", "Rent strike"]}) + "\n")
    struggles = write("2-struggles.yaml", "type: struggle\nslug: dock-strike\ntitle: Dock strike\nstart: 1934\n")
    for dry_run in (True, False):
        report = ingest(engine, [accounts, struggles], dry_run=dry_run)
        assert (report.added, report.updated, report.filled, report.stubs) == (2, 0, 1, 2), dry_run
    assert not get(engine, "struggle", "dock-strike").is_stub
    assert get(engine, "struggle", "rent-strike").is_stub


def test_a_refused_csv_row_with_a_quoted_line_break_is_kept_whole(engine, write, tmp_path):
    path = write("notes.csv", 'title,body,date\r\nOne,"first\r\nsecond",2020\r\nTwo,"third\r\nfourth",20x0\r\n')
    report = ingest(engine, [path], skip_invalid=True, rejects=tmp_path / "rejects")
    assert [(e.line, e.field) for e in report.errors] == [(4, "date")]
    rejected = tmp_path / "rejects" / "notes.csv"
    assert rejected.read_text() == 'title,body,date\nTwo,"third\nfourth",20x0\n'
    rejected.write_text(rejected.read_text().replace("20x0", "2020"))
    assert ingest(engine, [rejected]).added == 1
    assert get(engine, "account", "two").body == "third\nfourth"


def test_a_yaml_document_that_does_not_parse_is_one_bad_record_of_its_stream(engine, write, tmp_path):
    path = write("stream.yaml", "title: One\n---\ntitle: [Two\ndate: 2020\n---\n# a comment\ntitle: Three\n"
                                "--- \ntitle: Four: five\n")
    report = ingest(engine, [path])  # without the flag: the file is left out, each bad document named
    assert [(e.line, e.message.split(":")[0]) for e in report.errors] == [(4, "invalid YAML"),
                                                                           (9, "invalid YAML")]
    assert count(engine) == 0
    report = ingest(engine, [path], skip_invalid=True, rejects=tmp_path / "rejects")
    assert (report.added, report.refused) == (2, 2)
    rejected = tmp_path / "rejects" / "stream.yaml"
    assert rejected.read_text() == "---\ntitle: [Two\ndate: 2020\n---\ntitle: Four: five\n"
    rejected.write_text("---\ntitle: Two\ndate: 2020\n---\ntitle: 'Four: five'\n")
    assert ingest(engine, [rejected]).added == 2
    assert count(engine, "account") == 4
