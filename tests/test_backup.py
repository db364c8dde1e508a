"""Backups are consistent copies, made with the database's own tools, even while writes run."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from archive.store.db import make_engine
from archive.store.ingest import ingest
from archive.trust.backup import BackupError, backup
from tests.helpers import count


def test_backup_while_an_ingest_is_running(archive, engine, write, tmp_path):
    if engine.dialect.name != "sqlite":
        pytest.skip("the SQLite backup API; PostgreSQL is covered by test_pg_dump_backup")
    files = [write(f"batch/{i:04}.md", f"---\ntitle: Account {i}\n---\n{'text ' * 200}\n") for i in range(400)]
    ingest(engine, files[:50])
    worker = threading.Thread(target=ingest, args=(make_engine(archive.db_url(), writer=True), files[50:]))
    worker.start()
    copies = []
    for n in range(3):
        copies.append(backup(archive.db_url(), tmp_path / f"copy-{n}.sqlite"))
    worker.join()
    for copy in copies:
        conn = sqlite3.connect(copy)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        accounts = conn.execute("SELECT count(*) FROM records WHERE type = 'account'").fetchone()[0]
        revisions = conn.execute("SELECT count(*) FROM revisions").fetchone()[0]
        conn.close()
        assert 50 <= accounts <= 400 and accounts == revisions  # a snapshot between commits, never torn
    assert count(engine, "account") == 400


def test_backup_refuses_to_overwrite(archive, engine, tmp_path):
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite file backups")
    (tmp_path / "exists.sqlite").write_bytes(b"keep me")
    with pytest.raises(BackupError, match="exists"):
        backup(archive.db_url(), tmp_path / "exists.sqlite")
    assert (tmp_path / "exists.sqlite").read_bytes() == b"keep me"


def test_pg_dump_backup(archive, engine, write, tmp_path):
    if engine.dialect.name != "postgresql":
        pytest.skip("needs ARCHIVE_TEST_DATABASE_URL")
    ingest(engine, [write("a.md", "---\ntitle: A\n---\n")])
    dump = backup(archive.db_url(), tmp_path / "archive.dump")
    assert dump.read_bytes()[:5] == b"PGDMP"
