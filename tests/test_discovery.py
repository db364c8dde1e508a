"""Commands find the archive: --archive, then $ARCHIVE_DIR, then walking up from the current folder."""

from __future__ import annotations

import pytest

from archive.store.config import ArchiveNotFound, ConfigError, find_archive, load_archive
from archive.trust.create import ArchiveExists, init_archive


def test_init_writes_settings_database_and_index(tmp_path):
    archive = init_archive(tmp_path / "a", title="Tenant Union", description="Rent strikes", language="nl")
    assert (tmp_path / "a" / "archive.toml").is_file()
    assert (tmp_path / "a" / "archive.sqlite").is_file()
    assert (tmp_path / "a" / "index").is_dir()
    loaded = load_archive(tmp_path / "a")
    assert (loaded.title, loaded.description, loaded.language) == ("Tenant Union", "Rent strikes", "nl")
    assert archive.db_url() == f"sqlite:///{(tmp_path / 'a' / 'archive.sqlite').as_posix()}"


def test_init_refuses_an_existing_archive(tmp_path):
    init_archive(tmp_path)
    with pytest.raises(ArchiveExists):
        init_archive(tmp_path)


def test_sqlite_is_in_wal_mode(tmp_path):
    import sqlite3

    init_archive(tmp_path)
    conn = sqlite3.connect(tmp_path / "archive.sqlite")
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()


def test_order_explicit_then_environment_then_walk_up(tmp_path, monkeypatch):
    one = init_archive(tmp_path / "one").root
    two = init_archive(tmp_path / "two").root
    deep = one / "accounts" / "1970s"
    deep.mkdir(parents=True)
    monkeypatch.delenv("ARCHIVE_DIR", raising=False)
    assert find_archive(cwd=deep).root == one
    monkeypatch.setenv("ARCHIVE_DIR", str(two))
    assert find_archive(cwd=deep).root == two
    assert find_archive(one, cwd=deep).root == one


def test_no_archive_found_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.delenv("ARCHIVE_DIR", raising=False)
    with pytest.raises(ArchiveNotFound, match="run 'archive init PATH'"):
        find_archive(cwd=tmp_path)


def test_broken_settings_are_reported(tmp_path):
    (tmp_path / "archive.toml").write_text("[archive\ntitle = 1", encoding="utf-8")
    with pytest.raises(ConfigError, match="archive.toml"):
        load_archive(tmp_path)
