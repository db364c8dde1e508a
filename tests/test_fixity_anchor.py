"""The fixity log's length and head are kept apart from it (beside the store, in the published manifest,
beside every backup), so that ``archive verify`` reports a log cut short at its end or deleted whole."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from archive.cli import cli
from archive.trust.fixity import ANCHOR_NAME, LogAnchor, check_anchors, read_anchor, seal_of, verify_fixity
from archive.trust.signing import key_path, load_key, seal_key

RECORDS = "- {type: struggle, slug: rent-strike, title: Rent strike, start: 1932, visibility: public}\n"


@pytest.fixture
def logged(archive, engine, write):
    """An archive whose log holds three runs of 'archive verify'."""
    path = write("records.yaml", RECORDS)
    assert CliRunner().invoke(cli, ["--archive", str(archive.root), "ingest", str(path)]).exit_code == 0
    for _ in range(3):
        result = verify(archive)
        assert result.exit_code == 0, result.output
    return archive


def verify(archive, *args: str):
    return CliRunner().invoke(cli, ["--archive", str(archive.root), "verify", *args])


def entries(engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT entry_sha256 FROM fixity_log ORDER BY id")).scalars())


def test_each_run_moves_the_anchor_beside_the_store(logged, engine):
    anchor = read_anchor(logged.root / ANCHOR_NAME)
    assert anchor == LogAnchor(3, entries(engine)[-1])


def test_deleting_the_last_entry_is_reported(logged, engine):
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM fixity_log WHERE id = (SELECT max(id) FROM fixity_log)"))
    result = verify(logged)
    assert result.exit_code == 1
    assert (f"fixity log: the fixity log has 2 entries, but {logged.root / ANCHOR_NAME} recorded 3 entries"
            in result.output)
    assert "entries were removed from its end" in result.output


def test_deleting_the_whole_log_is_reported_and_stays_reported(logged, engine):
    head = entries(engine)[-1]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM fixity_log"))
    result = verify(logged)
    assert result.exit_code == 1
    assert (f"the fixity log is empty, but {logged.root / ANCHOR_NAME} recorded 3 entries (head {head[:12]}): "
            "the log was deleted") in result.output
    # Later runs add entries to the new log but never move the anchor past the damage.
    for expected in ("entries were removed from its end", "entries were removed from its end",
                     "fixity log entry 3 is not the one", "fixity log entry 3 is not the one"):
        result = verify(logged)
        assert result.exit_code == 1 and expected in result.output, result.output
    assert read_anchor(logged.root / ANCHOR_NAME) == LogAnchor(3, head)


def test_the_published_manifest_anchors_the_log_when_the_file_beside_the_store_is_gone(logged, engine):
    result = CliRunner().invoke(cli, ["--archive", str(logged.root), "build"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((logged.public_dir / "manifest.json").read_text())
    # Sealed: readers learn neither the length nor the head (entries count runs over private records too).
    seal = seal_of(seal_key(load_key(key_path(logged.root))), 3, entries(engine)[-1])
    assert manifest["fixity_log"] == {"sealed": seal}
    assert str(3) not in json.dumps(manifest["fixity_log"]).replace(seal, "")
    assert entries(engine)[-1] not in (logged.public_dir / "manifest.json").read_text()
    (logged.root / ANCHOR_NAME).unlink()
    assert verify(logged).exit_code == 0  # a longer log still reaches the sealed entry
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM fixity_log WHERE id > 3"))
        conn.execute(text("DELETE FROM fixity_log WHERE id = (SELECT max(id) FROM fixity_log)"))
    result = verify(logged)
    assert result.exit_code == 1
    assert f"the fixity log no longer reaches the sealed anchor in {logged.public_dir}" in result.output
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM fixity_log"))
    result = verify(logged)
    assert result.exit_code == 1
    assert f"the fixity log no longer reaches the sealed anchor in {logged.public_dir}" in result.output


def test_a_sealed_anchor_without_the_key_is_reported(logged):
    assert CliRunner().invoke(cli, ["--archive", str(logged.root), "build"]).exit_code == 0
    key_path(logged.root).unlink()
    result = verify(logged)
    assert result.exit_code == 1
    assert "holds a sealed anchor, and the archive's signing key that opens it is missing" in result.output


def test_a_backup_keeps_an_anchor_that_verify_takes(logged, engine, tmp_path):
    if engine.dialect.name != "sqlite":
        pytest.skip("this test reads the anchor of a SQLite backup; PostgreSQL backups need pg_dump")
    result = CliRunner().invoke(cli, ["--archive", str(logged.root), "backup", str(tmp_path / "b.sqlite")])
    assert result.exit_code == 0, result.output
    sidecar = tmp_path / "b.sqlite.anchor.json"
    assert f"'archive verify --anchor {sidecar}'" in result.output
    assert read_anchor(sidecar) == LogAnchor(3, entries(engine)[-1])
    (logged.root / ANCHOR_NAME).unlink()
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM fixity_log WHERE id > 1"))
    assert verify(logged).exit_code == 0  # with no anchor left, the shortened log looks whole...
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM fixity_log WHERE id > 1"))
    result = verify(logged, "--anchor", str(sidecar))  # ...but the backup's anchor shows it
    assert result.exit_code == 1
    assert f"the fixity log has 1 entries, but {sidecar} recorded 3 entries" in result.output


def test_an_anchor_file_that_holds_none_is_a_clear_error(logged, tmp_path):
    other = tmp_path / "notes.json"
    other.write_text("{}")
    result = verify(logged, "--anchor", str(other))
    assert result.exit_code == 1 and result.output == f"Error: {other} holds no fixity log anchor\n"
    other.write_text("not json")
    result = verify(logged, "--anchor", str(other))
    assert result.exit_code == 1 and f"Error: {other}: cannot read a fixity anchor" in result.output


def test_an_intact_log_passes_every_anchor(logged, engine):
    hashes = entries(engine)
    assert check_anchors(hashes, [("a", LogAnchor(1, hashes[0])), ("b", LogAnchor(3, hashes[2])),
                                  ("new archive", LogAnchor(0, "0" * 64))]) == []
    assert verify_fixity(engine, record_run=False, anchors=[("a", LogAnchor(2, hashes[1]))]).ok
