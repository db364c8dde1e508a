"""``archive ingest`` on the command line: exit status, the summary per file, errors counted past those
printed, the rejects folder, one encoding warning per batch, and ``archive stats`` counting stubs by type."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli import cli
from archive.cli.ingest import ERRORS_SHOWN_PER_FILE, EXIT_REFUSED
from archive.store.ingest import ingest
from archive.trust.create import init_archive
from tests.helpers import get

MAPPING = "columns:\n  Name: title\n  Began: start\nconstants:\n  type: struggle\nslug: \"case-{Case}\"\n"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return init_archive(tmp_path / "archive").root


def run(root: Path, *args: str):
    return CliRunner().invoke(cli, ["--archive", str(root), *args], catch_exceptions=False)


def test_exit_status_tells_all_in_from_some_refused_from_errors(root, write):
    good = write("good.jsonl", '{"title": "A"}\n{"title": "B"}\n')
    mixed = write("mixed.jsonl", '{"title": "C"}\n{"title": "D", "date": "someday"}\n')
    assert run(root, "ingest", str(good)).exit_code == 0
    result = run(root, "ingest", "--skip-invalid", str(mixed))
    assert result.exit_code == EXIT_REFUSED == 3
    assert f"  {mixed}: 1 record(s) in, 1 refused" in result.output
    assert "1 added, 0 updated, 0 unchanged, 0 stub(s) created, 1 record(s) refused, 1 error(s)" in result.output
    # The default rejects folder is inside the archive, one per run, and the summary names it.
    [folder] = (root / "rejects").iterdir()
    assert re.fullmatch(r"\d{8}T\d{6}Z", folder.name)
    assert f"Refused records, unchanged, are in {folder}/" in result.output
    assert (folder / "mixed.jsonl").read_text() == '{"title": "D", "date": "someday"}\n'
    # Without the flag the file is atomic and the status is an error; so is a file left out whole.
    assert run(root, "ingest", str(write("again.jsonl", '{"title": "E", "date": "x"}\n'))).exit_code == 1
    broken = write("broken.json", "[{")
    assert run(root, "ingest", "--skip-invalid", str(mixed), str(broken)).exit_code == 1


def test_options_that_exclude_each_other_are_usage_errors(root, write):
    path = str(write("a.md", "# A\n"))
    assert "choose one" in run(root, "ingest", "--strict", "--skip-invalid", path).output
    assert run(root, "ingest", "--rejects", "x", path).exit_code == 2
    for name in ("klingon", "rot13", "base64"):
        result = run(root, "ingest", "--encoding", name, path)
        assert result.exit_code == 2 and f"unknown encoding {name!r}" in result.output


def test_errors_past_those_printed_are_counted_and_all_in_the_rejects(root, write, tmp_path):
    # More rows than one chunk, so the file is written as it is read (the path the two-line repeat was on).
    rows = "".join(f"{i},Strike {i},{'19x0' if i % 40 == 0 else 1950}\n" for i in range(1, 1201))
    data = write("cases.csv", "Case,Name,Began\n" + rows)
    mapping = write("m.map.yaml", MAPPING)
    result = run(root, "ingest", "--map", str(mapping), str(data))
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert len(errors) == ERRORS_SHOWN_PER_FILE + 1
    assert errors[-1] == f"error: {data}: and {30 - ERRORS_SHOWN_PER_FILE} more error(s) (-v prints them all)"
    assert len(set(errors)) == len(errors)  # no row reported twice
    assert "30 error(s) in 1 file(s) left out" in result.output
    verbose = run(root, "ingest", "-v", "--dry-run", "--map", str(mapping), str(data)).output
    assert len([line for line in verbose.splitlines() if line.startswith("error: ")]) == 30

    rejects = tmp_path / "fix"
    result = run(root, "ingest", "--skip-invalid", "--rejects", str(rejects), "--map", str(mapping), str(data))
    assert result.exit_code == EXIT_REFUSED
    assert f"and 10 more error(s) (all in {rejects / 'cases.csv'}.errors.log)" in result.output
    assert len((rejects / "cases.csv").read_text().splitlines()) == 31  # the header and all 30 rows
    fixed = (rejects / "cases.csv").read_text().replace("19x0", "1960")
    (rejects / "cases.csv").write_text(fixed)
    assert run(root, "ingest", "--map", str(mapping), str(rejects / "cases.csv")).exit_code == 0
    assert get_count(root) == 1200


def get_count(root: Path) -> int:
    data = json.loads(run(root, "stats", "--json").output)
    return data["records"]["struggle"]["total"]


ENGLISH = ("The strike committee\u2019s \u201cfinal offer\u201d \u2013 rejected by the rank and file \u2014 "
           "was read aloud\u2026 \u2018Not one step back,\u2019 they said.\n")


def test_english_cp1252_with_typographic_punctuation_is_cp1252(engine, write):
    path = write("minutes.txt", ("Strike minutes\n" + ENGLISH * 3).encode("cp1252"))
    report = ingest(engine, [path])
    assert report.errors == []
    [warning] = report.warnings
    assert "decoded as cp1252" in warning.message
    assert get(engine, "account", "strike-minutes").body == (ENGLISH * 3).strip("\n")


def test_the_encoding_warning_comes_once_per_batch_and_encoding_sets_it(root, write):
    paths = [str(write(f"batch/minutes-{i}.txt", (f"Minutes {i}\n" + ENGLISH).encode("cp1252")))
             for i in range(8)]
    result = run(root, "ingest", *paths)
    warnings = [line for line in result.output.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 1
    assert "decoded as cp1252, as were 7 other file(s) (minutes-1.txt, minutes-2.txt, minutes-3.txt, " \
           "minutes-4.txt, minutes-5.txt and 2 more)" in warnings[0]
    # Given for the batch, the encoding is used as told, with no warning: latin-1 reads 0x92 as a control.
    other = write("other/notes.txt", "Notes\nCaf\u00e9 \u2019\n".encode("cp1252"))
    result = run(root, "ingest", "--encoding", "latin-1", str(other))
    assert "warning" not in result.output and result.exit_code == 0
    shown = run(root, "show", "notes").output
    assert "Caf\u00e9 \x92" in shown
    # A file that is not in the encoding given is an error naming the byte's line.
    bad = write("other/bad.txt", b"Title\nline two \x81\n")
    result = run(root, "ingest", "--encoding", "cp1252", str(bad))
    assert result.exit_code == 1 and f"{bad}:2: not valid cp1252 (byte 15: 0x81)" in result.output


def test_czech_in_cp852_is_still_cp852(engine, write):
    text = "Příliš žluťoučký kůň úpěl ďábelské ódy\n" * 3
    path = write("kun.txt", ("Kun\n" + text).encode("cp852"))
    report = ingest(engine, [path])
    assert "decoded as cp852" in report.warnings[0].message
    assert get(engine, "account", "kun").body == text.strip("\n")


def test_stats_counts_stubs_by_type_and_lists_them_with_stubs(root, write):
    path = write("a.md", "---\ntitle: Picket\nstruggles: [Port strike, Mill strike]\nplaces: [Lyon]\n"
                         "organizations: [Dockers Union]\n---\n")
    run(root, "ingest", str(path))
    out = run(root, "stats").output
    assert "4 stub(s) to be described (1 organization, 1 place, 2 struggle); 'archive stats --stubs' lists " \
           "them" in out
    assert "struggle/port-strike" not in out
    listed = run(root, "stats", "--stubs").output
    for line in ("  organization/dockers-union  Dockers Union", "  place/lyon  Lyon",
                 "  struggle/mill-strike  Mill strike", "  struggle/port-strike  Port strike"):
        assert line in listed
    assert json.loads(run(root, "stats", "--json").output)["stubs"]["by_type"] == {
        "organization": 1, "place": 1, "struggle": 2}


def test_progress_is_reported_for_reading_validating_and_writing(engine, write):
    big = write("big.jsonl", "".join(json.dumps({"title": f"Account {i}"}) + "\n" for i in range(1200)))
    small = [write(f"small/{i}.md", f"# Note {i}\n") for i in range(30)]
    bad = write("bad.jsonl", '{"title": "Bad", "date": "x"}\n{"title": "Fine"}\n')
    seen: dict[str, int] = {}

    def on_progress(step: str, amount: int) -> None:
        seen[step] = seen.get(step, 0) + amount

    ingest(engine, [big, small[0].parent, bad], skip_invalid=True, on_progress=on_progress)
    total_bytes = sum(p.stat().st_size for p in [big, *small, bad])
    assert seen == {"read": total_bytes, "validated": 1200 + 30 + 2, "written": 1200 + 30 + 1}


def test_progress_bars_only_on_a_terminal(root, write):
    # CliRunner's stderr is not a terminal: no bar, no control characters in the output.
    result = run(root, "ingest", str(write("a.jsonl", '{"title": "A"}\n')))
    assert "\r" not in result.output and "\x1b" not in result.output


def test_a_terminal_gets_a_bar_per_step_and_one_for_indexing(monkeypatch):
    import io
    import sys
    import time

    from archive.cli import ingest as ingest_cli

    screen = io.StringIO()
    monkeypatch.setattr(sys, "stderr", screen)
    monkeypatch.setattr(ingest_cli, "PROGRESS_DELAY", 0)
    progress = ingest_cli._Progress(total_bytes=2048)
    for step, amount in (("read", 1024), ("validated", 10), ("written", 10), ("read", 1024)):
        progress.advance(step, amount)
    assert {step: (bar.n, bar.total) for step, bar in progress.bars.items()} == {
        "read": (2048, 2048), "validated": (10, None), "written": (10, None)}
    progress.close()
    with ingest_cli._ticking("indexing", enabled=True):
        time.sleep(0.7)
    shown = screen.getvalue()
    for label in ("reading", "validating: ", "writing: ", "indexing: "):
        assert label in shown, shown
