"""CSV and JSON Lines are streamed: read and decoded a chunk at a time, never held whole, with the same
records, line numbers, sources, errors and all-or-nothing guarantee as a file read whole.

The chunk is made tiny here, so that line breaks (CRLF split across two chunks), multi-byte characters
and quoted cells spanning lines all fall on chunk borders."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from archive.ingest import formats
from archive.store.ingest import ingest
from tests.helpers import count, get


@pytest.fixture
def tiny_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(formats, "READ_CHUNK", 7)


@pytest.fixture
def never_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail if a CSV or JSON Lines file is read whole."""
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.suffix in (".csv", ".jsonl"):
            raise AssertionError(f"{self.name} was read whole")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)


def whole_and_streamed(path: Path, fmt: str) -> tuple[list, list]:
    data = path.read_bytes()
    whole = list(formats.read_records(path, data, fmt, formats.decode(data).text))
    streamed = list(formats.open_records(path, fmt).records)
    return ([(r.fields, r.line, r.source, r.error, r.header) for r in whole],
            [(r.fields, r.line, r.source, r.error, r.header) for r in streamed])


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_streamed_records_equal_those_of_the_whole_file(tmp_path, tiny_chunks, fmt):
    """Random files of awkward pieces: every record, line, source and error as from the whole text."""
    rng = random.Random(11)
    pieces = {"csv": ['a', 'é', '€', ',', '"', '""', '\r\n', '\n', '\r', ' ', 'x,y'],
              "jsonl": ['{"title": "é€"}', '{"a": ', '1}', '\r\n', '\n', '\r', ' ', '[1]', '{"b": "\\u00e9"}']}[fmt]
    path = tmp_path / f"f.{fmt}"
    for trial in range(300):
        header = "title,body\r\n" if fmt == "csv" else ""
        text = header + "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        path.write_bytes((b"\xef\xbb\xbf" if trial % 5 == 0 else b"") + text.encode("utf-8"))
        whole, streamed = whole_and_streamed(path, fmt)
        assert streamed == whole, text


def test_a_csv_streams_with_its_lines_sources_and_rejects(engine, write, tmp_path, tiny_chunks, never_whole):
    rows = "".join(f'"Account {i}","Line one of {i}\r\nline two: é€ {i}",public\r\n' for i in range(40))
    path = write("sheet.csv", "\ufefftitle,body,visibility\r\n" + rows + '"Broken",only two\r\n'
                 + '"Last","after the broken row",public\r\n')
    report = ingest(engine, [path], skip_invalid=True, rejects=tmp_path / "rejects")
    assert (report.added, report.refused) == (41, 1)
    assert [(e.line, e.message) for e in report.errors] == [(82, "row has 2 fields, the header has 3")]
    assert get(engine, "account", "account-39").body == "Line one of 39\nline two: é€ 39"
    assert get(engine, "account", "last").origin.endswith("sheet.csv:83")
    # The refused row, as written (with the header above it), in a rejects file of the same format.
    [rejected] = report.rejects
    assert rejected.read_text(encoding="utf-8") == "title,body,visibility\n\"Broken\",only two\n"


def test_a_jsonl_file_streams_and_goes_in_whole_or_not_at_all(engine, write, tiny_chunks, never_whole):
    lines = [json.dumps({"title": f"Note {i}", "body": f"é€ {i}", "visibility": "public"}, ensure_ascii=False)
             for i in range(1200)]  # more than one write chunk: the first chunks are written before the error
    good = write("notes.jsonl", "\r".join(lines) + "\r")
    assert ingest(engine, [good]).added == 1200
    bad = write("more.jsonl", "\n".join(lines[:5] + ['{"title": "Later", "visibility": "shown"}'] +
                                        [line.replace("Note", "More") for line in lines]) + "\n")
    report = ingest(engine, [bad])
    assert report.files_failed == 1 and report.added == 0
    assert [(e.line, e.field) for e in report.errors] == [(6, "visibility")]
    assert count(engine) == 1200  # nothing of the second file went in
    assert ingest(engine, [good]).unchanged == 1200  # ingesting again changes nothing


def test_bytes_that_are_not_utf8_deep_in_a_large_file_leave_it_out_before_anything_is_written(engine, write,
                                                                                              tiny_chunks):
    lines = b"".join(b'{"title": "Note %d"}\n' % i for i in range(1500))
    path = write("late-error.jsonl", lines + b'{"title": "caf\xc3"}\n' + b'{"title": "\xff"}\n')
    report = ingest(engine, [path], encoding="utf-8")  # as given: no other encoding is guessed
    assert report.files_failed == 1 and count(engine) == 0
    [error] = report.errors
    assert error.line == 1501 and "not valid utf-8" in error.message


def test_a_legacy_8bit_csv_is_read_whole_to_guess_its_encoding(engine, write, tiny_chunks):
    path = write("old.csv", "title,body\nCaf\u00e9 workers,\u201cWe stayed\u201d \u2013 all night\n".encode("cp1252"))
    report = ingest(engine, [path])
    assert report.added == 1
    assert "decoded as cp1252" in str(report.warnings[0])
    assert get(engine, "account", "cafe-workers").body == "\u201cWe stayed\u201d \u2013 all night"


def test_a_given_encoding_is_streamed(engine, write, tiny_chunks, never_whole):
    path = write("given.csv", "title,body\nCaf\u00e9 workers,\u00e9t\u00e9\n".encode("latin-1"))
    report = ingest(engine, [path], encoding="latin-1")
    assert (report.added, report.warnings) == (1, [])
    assert get(engine, "account", "cafe-workers").body == "\u00e9t\u00e9"


def test_progress_counts_every_byte_read(engine, write, tiny_chunks):
    path = write("sheet.csv", "title,body\n" + "".join(f"Row {i},text {i}\n" for i in range(30)))
    read: list[int] = []
    ingest(engine, [path], on_progress=lambda step, amount: read.append(amount) if step == "read" else None)
    assert sum(read) == path.stat().st_size and len(read) > 10  # as the chunks came, not once at the end
