"""Deleting a record removes it, its history and its bytes, and the fixity log records why."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from archive.cli import cli
from archive.store.ingest import ingest
from archive.trust.delete import NothingToDelete, delete_permanently
from archive.trust.fixity import verify_fixity
from tests.helpers import count, links


@pytest.fixture
def stored(engine, write):
    path = write("t.md", "---\ntitle: Testimony of a striker\nstruggles: [mill-strike]\nplaces: [Lowell]\n---\n"
                         "I was fourteen when we walked out.\n")
    ingest(engine, [path])
    path.write_text(path.read_text(encoding="utf-8") + "Second version.\n", encoding="utf-8")
    ingest(engine, [path, write("s.yaml", "type: struggle\nslug: mill-strike\ntitle: Mill strike\n")])
    verify_fixity(engine)
    return engine


def test_delete_removes_record_history_links_and_bytes(stored):
    before_sources = count_rows(stored, "sources")
    result = delete_permanently(stored, [("account", "testimony-of-a-striker")], reason="consent withdrawn")
    assert result.deleted == ["account/testimony-of-a-striker"]
    assert result.sources_purged == 2 and count_rows(stored, "sources") == before_sources - 2
    assert count(stored, "account") == 0
    assert count_rows(stored, "revisions") == 1  # the struggle's
    assert count_rows(stored, "links") == 0
    assert links(stored, "struggle", "mill-strike") == []
    report = verify_fixity(stored)
    assert report.ok, report  # the log knows about the deletion: nothing "missing"


def test_an_unexplained_disappearance_is_still_missing(stored):
    with stored.begin() as conn:
        conn.execute(text("DELETE FROM links"))
        conn.execute(text("DELETE FROM revisions WHERE record_id IN (SELECT id FROM records WHERE type='account')"))
        conn.execute(text("DELETE FROM records WHERE type = 'account'"))
    assert verify_fixity(stored).missing == ["account/testimony-of-a-striker: checked before, now gone"]


def test_nothing_to_delete(stored):
    with pytest.raises(NothingToDelete, match="account/nope"):
        delete_permanently(stored, [("account", "nope")])


def test_cli_delete_updates_the_index(archive, stored):
    run = CliRunner().invoke
    assert run(cli, ["--archive", str(archive.root), "reindex"]).exit_code == 0
    assert "testimony-of-a-striker" in run(cli, ["--archive", str(archive.root), "search", "fourteen", "--json"]).output
    result = run(cli, ["--archive", str(archive.root), "delete", "account/testimony-of-a-striker", "--yes",
                       "--reason", "consent withdrawn"])
    assert result.exit_code == 0, result.output
    assert "deleted   account/testimony-of-a-striker" in result.output
    assert run(cli, ["--archive", str(archive.root), "search", "fourteen", "--json"]).output.strip() == "[]"
    assert run(cli, ["--archive", str(archive.root), "verify"]).exit_code == 0
    bad = run(cli, ["--archive", str(archive.root), "delete", "testimony", "--yes"])
    assert bad.exit_code == 2 and "write TYPE/SLUG" in bad.output


def count_rows(engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_cli_delete_of_a_missing_record_says_so_before_asking(archive, stored):
    # No "y" on stdin: had the command asked, it would abort with "Aborted!" instead of naming the record.
    result = CliRunner().invoke(cli, ["--archive", str(archive.root), "delete", "account/nope"], input="")
    assert result.exit_code == 1
    assert "no such record: account/nope" in result.output
    assert "for good?" not in result.output


def test_cli_delete_asks_only_about_the_records_that_exist(archive, stored):
    result = CliRunner().invoke(cli, ["--archive", str(archive.root), "delete", "account/nope",
                                      "account/testimony-of-a-striker"], input="n\n")
    assert result.exit_code == 1  # answered no
    assert "not found account/nope" in result.output
    assert "account/testimony-of-a-striker  Testimony of a striker" in result.output
    assert "Delete these 1 record(s) and their history for good?" in result.output
    assert count(stored, "account") == 1
    result = CliRunner().invoke(cli, ["--archive", str(archive.root), "delete", "account/nope",
                                      "account/testimony-of-a-striker"], input="y\n")
    assert result.exit_code == 0, result.output
    assert result.output.count("not found account/nope") == 1
    assert count(stored, "account") == 0
