"""The command line: thin commands over the library, with help and examples, and no tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from archive.cli import cli

README = Path(__file__).resolve().parent.parent / "README.md"


def all_commands(group: click.Group = cli, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    context = click.Context(group)
    for name in sorted(group.list_commands(context)):  # loads each lazy subcommand
        command = group.get_command(context, name)
        found.append((f"{prefix}{name}", command))
        if isinstance(command, click.Group):
            found.extend(all_commands(command, f"{prefix}{name} "))
    return found


@pytest.mark.parametrize(("name", "command"), all_commands(), ids=[n for n, _ in all_commands()])
def test_every_command_has_help_with_an_example_and_is_documented(name, command):
    result = CliRunner().invoke(cli, [*name.split(), "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output, f"'archive {name} --help' has no example"
    assert f"archive {name}" in README.read_text(encoding="utf-8"), f"README does not mention 'archive {name}'"


def run(archive_root: Path, *args: str) -> click.testing.Result:
    return CliRunner().invoke(cli, ["--archive", str(archive_root), *args], catch_exceptions=False)


def test_init_ingest_stats_show(tmp_path, write):
    root = tmp_path / "a"
    assert CliRunner().invoke(cli, ["init", str(root), "--title", "Dockers"]).exit_code == 0
    path = write("a.md", "---\ntitle: Picket line\nvisibility: public\nstruggles: [Port strike]\ntags: [wages]\n"
                         "---\nCold morning.\n")
    result = run(root, "ingest", "-v", str(path))
    assert result.exit_code == 0
    assert "added     account/picket-line" in result.output
    assert "1 added, 0 updated, 0 unchanged, 1 stub(s) created, 0 error(s)" in result.output
    data = json.loads(run(root, "stats", "--json").output)
    assert data["records"]["account"] == {"total": 1, "public": 1}
    assert [s["slug"] for s in data["stubs"]["to_describe"]] == ["port-strike"]
    shown = run(root, "show", "picket-line").output
    assert "-> struggles: struggle/port-strike  Port strike" in shown
    assert "tags: wages" in shown
    assert "Cold morning." in shown
    assert "<- account/picket-line (struggles)" in run(root, "show", "struggle/port-strike").output


def test_ingest_errors_exit_non_zero_without_traceback(tmp_path, write):
    root = tmp_path / "a"
    CliRunner().invoke(cli, ["init", str(root)])
    bad = write("bad.md", "---\ntitle: X\ndate: someday\n---\n")
    result = CliRunner().invoke(cli, ["--archive", str(root), "ingest", str(bad)])
    assert result.exit_code == 1
    assert f"error: {bad}:3: field 'date': not a date: 'someday'" in result.output
    assert "Traceback" not in result.output


def test_missing_archive_is_a_message(tmp_path, monkeypatch):
    monkeypatch.delenv("ARCHIVE_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["stats"])
    assert result.exit_code == 1
    assert "no archive found" in result.output


def test_bad_database_url_is_a_message(tmp_path):
    root = tmp_path / "a"
    CliRunner().invoke(cli, ["init", str(root)])
    result = CliRunner().invoke(cli, ["--archive", str(root), "--db", "postgresql+psycopg://nobody@127.0.0.1:1/x",
                                      "stats"])
    assert result.exit_code == 1
    assert "cannot open the database" in result.output


def test_bad_mapping_is_a_message(tmp_path, write):
    root = tmp_path / "a"
    CliRunner().invoke(cli, ["init", str(root)])
    mapping = write("m.yaml", "colums: {A: title}\n")
    data = write("d.csv", "A\nx\n")
    result = CliRunner().invoke(cli, ["--archive", str(root), "ingest", "--map", str(mapping), str(data)])
    assert result.exit_code == 1
    assert "unknown key 'colums'" in result.output


def test_db_commands(tmp_path):
    root = tmp_path / "a"
    CliRunner().invoke(cli, ["init", str(root)])
    assert "up to date" in run(root, "db", "current").output
    assert run(root, "db", "check").exit_code == 0
    assert run(root, "db", "upgrade").exit_code == 0
