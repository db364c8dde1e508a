"""Papercuts a new archivist meets in the first hour (issue 18): each one, as the archivist meets it."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from archive.cli import cli


def run(root: Path, *args: str, **kwargs: object):
    return CliRunner().invoke(cli, ["--archive", str(root), *args], **kwargs)


def test_search_on_a_fresh_archive_finds_nothing_rather_than_no_index(tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    assert CliRunner().invoke(cli, ["init", str(root), "--default-visibility", "restricted"]).exit_code == 0
    result = run(root, "search", "strike")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "No records match."
    assert run(root, "verify").exit_code == 0
