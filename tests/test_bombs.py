"""Small files built to hang ingest get a clear error naming the file and line, and nothing is stored.

Before the fixes these ran for minutes (a YAML alias bomb grew past 950 MB; a 100,000-column header was
checked for duplicates in quadratic time) or ended in a raw RecursionError. Speed is measured by
``benchmarks/bombs.py``; here an alarm only turns a hang into a failure instead of a stuck run.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest

from archive.ingest.formats import MAX_CSV_COLUMNS, MAX_NESTING
from archive.store.canonical import iter_stored_records
from archive.store.ingest import ingest
from tests.helpers import count


class Hung(Exception):
    pass


@pytest.fixture(autouse=True)
def hang_guard() -> Iterator[None]:
    def _hung(signum, frame):  # noqa: ANN001
        raise Hung("ingest hung for 60 s")

    previous = signal.signal(signal.SIGALRM, _hung)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def billion_laughs() -> str:
    """The classic: nine levels of nine aliases each, 9**9 (387 million) strings once expanded."""
    lines = ['title: laughs', 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    previous = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
        previous = name
    return "\n".join(lines) + "\n"


def only_error(report) -> str:
    assert len(report.errors) == 1, report.errors
    return str(report.errors[0])


def test_yaml_alias_bomb_is_refused(engine, write):
    text = billion_laughs()
    assert len(text.encode()) < 400
    path = write("laughs.yaml", text)
    message = only_error(ingest(engine, [path]))
    assert message.startswith(f"{path}:")
    assert "YAML aliases expand this record past 100,000 values" in message
    assert count(engine) == 0


def test_yaml_alias_bomb_in_front_matter_is_refused(engine, write):
    path = write("laughs.md", "---\n" + billion_laughs() + "---\nbody\n")
    assert "an alias bomb?" in only_error(ingest(engine, [path]))
    assert count(engine) == 0


def test_recursive_yaml_alias_is_refused(engine, write):
    path = write("loop.yaml", "title: loop\nextra_field: &loop [1, *loop]\n")
    assert only_error(ingest(engine, [path])) == (
        f"{path}:2: a YAML alias refers to a value that contains it (a recursive alias)")


def test_ordinary_aliases_still_work(engine, write):
    path = write("shared.yaml", "- {type: struggle, title: One, tags: &tags [rent, repairs]}\n"
                                "- {type: struggle, title: Two, tags: *tags}\n")
    report = ingest(engine, [path])
    assert report.errors == []
    assert count(engine, "struggle") == 2
    with engine.connect() as conn:
        two = next(r for r in iter_stored_records(conn) if r.slug == "two")
    assert two.content["tags"] == ["rent", "repairs"]


def test_csv_with_100000_columns_is_refused_at_once(engine, write):
    header = ",".join(f"c{i}" for i in range(100_000))
    path = write("wide.csv", header + "\n" + ",".join("x" * 100_000) + "\n")
    assert only_error(ingest(engine, [path])) == (
        f"{path}:1: the header has 100,000 columns, more than the {MAX_CSV_COLUMNS:,} a record can hold; "
        "split the file or drop columns")
    assert count(engine) == 0


def test_wide_csv_duplicate_header_is_found_in_linear_time(engine, write):
    # Under the column limit, a duplicate at the far end of a wide header is still named.
    names = [f"c{i}" for i in range(MAX_CSV_COLUMNS - 1)] + ["c5"]
    path = write("wide.csv", "title," + ",".join(names[1:]) + "\nx\n")
    assert only_error(ingest(engine, [path])) == f"{path}:1: column 'c5' appears more than once in the header"


@pytest.mark.parametrize("name", ["deep.json", "deep.jsonl"])
def test_json_nested_100000_deep_gets_a_clear_error(engine, write, name):
    path = write(name, '\n{"title": "deep", "x": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    assert only_error(ingest(engine, [path])) == (
        f"{path}:2: invalid JSON: arrays or objects nested too deeply (a record needs a few levels)")
    assert count(engine) == 0


def test_json_array_of_records_names_the_deep_one(engine, write):
    path = write("rows.json", '[{"title": "fine"},\n{"title": "deep", "x": ' + "[" * 100_000 + "]" * 100_000 + "}]")
    assert "rows.json:2: invalid JSON: arrays or objects nested too deeply" in only_error(ingest(engine, [path]))


@pytest.mark.parametrize(("name", "text"), [
    ("deep.json", '{"title": "deep", "x": ' + "[" * 900 + "]" * 900 + "}"),
    ("deep.yaml", "title: deep\nx: " + "[" * 900 + "]" * 900 + "\n"),
])
def test_nesting_the_parser_accepts_is_still_refused_before_validation(engine, write, name, text):
    # Deep enough to pass the parser but to exhaust the stack of the stages after it.
    path = write(name, text)
    message = only_error(ingest(engine, [path]))
    assert message.startswith(f"{path}:")
    assert "nested" in message
    assert count(engine) == 0


def test_nesting_within_the_limit_is_kept(engine, write):
    depth = MAX_NESTING - 1
    path = write("ok.json", '{"title": "ok", "x": ' + "[" * depth + "1" + "]" * depth + "}")
    assert ingest(engine, [path]).errors == []
    assert count(engine) == 1


def test_alias_bomb_in_a_mapping_file_is_refused(engine, write):
    from archive.ingest.mapping import MappingError, load_mapping

    path = write("bomb.map.yaml", billion_laughs())
    with pytest.raises(MappingError, match=r"bomb\.map\.yaml:7: YAML aliases expand this record past 100,000"):
        load_mapping(path)


def test_alias_bomb_in_redactions_yaml_stops_the_build_with_a_message(archive, engine, tmp_path):
    from archive.publish import SiteError, build

    (archive.root / "redactions.yaml").write_text(billion_laughs(), encoding="utf-8")
    with pytest.raises(SiteError, match=r"redactions\.yaml:7: YAML aliases expand this record past"):
        build(archive, engine, tmp_path / "site")
    assert not (tmp_path / "site").exists()



@pytest.mark.parametrize("name", ["lessons.yaml", "demands.yaml"])
def test_alias_bomb_in_an_editorial_file_stops_the_build_with_a_message(archive, engine, tmp_path, name):
    from archive.publish import SiteError, build

    (archive.root / name).write_text(billion_laughs(), encoding="utf-8")
    with pytest.raises(SiteError, match=rf"{name.replace('.', '[.]')}:7: YAML aliases expand this record past"):
        build(archive, engine, tmp_path / "site")
    assert not (tmp_path / "site").exists()

def test_deep_value_inside_a_json_array_or_jsonl_line_is_refused(engine, write):
    deep = '{"title": "deep", "x": ' + "[" * 900 + "]" * 900 + "}"
    cases = (("rows.json", '[{"title": "fine"},\n' + deep + "]"), ("rows.jsonl", '{"title": "fine"}\n' + deep))
    for name, text in cases:
        path = write(name, text)
        assert only_error(ingest(engine, [path])) == (
            f"{path}:2: values nested more than {MAX_NESTING} levels deep; a record needs a few")
    assert count(engine) == 0
