"""Consistent backups while writes may be running.

SQLite: the online backup API copies a consistent snapshot page by page, never a file copy of a live
database (which can tear across the WAL). PostgreSQL: ``pg_dump`` in its custom format, which reads one
consistent snapshot; restore it with ``pg_restore``.

Beside every backup, ``DEST.anchor.json`` keeps the fixity log's length and head as the backup holds
them, so that ``archive verify --anchor DEST.anchor.json`` later shows a log cut short since. The
archive's signing key (``ARCHIVE/keys/``) is a file, not in the store: a backup carries it only when
asked (``--with-key``), beside it as ``DEST.signing_key``. Attached files are not in the store either:
those the backed-up store names are copied beside it into ``DEST.files/`` (same layout as the archive's
``files/``; hard links where the backup is on the same file system, since kept files never change).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url

from archive.errors import ArchiveError
from archive.store.db import make_engine
from archive.store.files import FileStore
from archive.store.models import StoredFile
from archive.trust.fixity import GENESIS, LogAnchor, current_anchor, write_anchor


class BackupError(ArchiveError):
    """The backup could not be made; nothing was left at the destination."""


def backup(database_url: str, dest: Path, signing_key: Path | None = None, files_root: Path | None = None) -> Path:
    """Copy the store to ``dest`` (a SQLite file, or a pg_dump archive) and return it.

    Only when asked (``signing_key``) is the archive's private key copied too, to ``DEST.signing_key``,
    readable by its owner only."""
    if dest.exists():
        raise BackupError(f"{dest} exists; choose a new file name")
    if not dest.parent.is_dir():
        raise BackupError(f"{dest.parent} is not a folder; make it first, or choose another place for the backup")
    url = make_url(database_url)
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    anchor_path = anchor_beside(dest)
    try:
        if url.get_backend_name() == "sqlite":
            _backup_sqlite(Path(url.database or ""), partial)
            anchor = _sqlite_anchor(partial)
            hashes = _sqlite_file_hashes(partial)
        elif url.get_backend_name() == "postgresql":
            anchor = _store_anchor(database_url)  # read first: the log only grows, so the dump holds at least this
            _backup_postgresql(url, partial)
            hashes = _store_file_hashes(database_url)
        else:
            raise BackupError(f"no backup method for {url.get_backend_name()}")
        write_anchor(anchor_path, anchor)
        if files_root is not None and hashes:
            _copy_files(FileStore(files_root), hashes, files_beside(dest))
    except BaseException:
        partial.unlink(missing_ok=True)
        anchor_path.unlink(missing_ok=True)
        shutil.rmtree(files_beside(dest), ignore_errors=True)
        raise
    partial.rename(dest)
    if signing_key is not None:
        _copy_key(signing_key, key_beside(dest))
    return dest


def files_beside(dest: Path) -> Path:
    return dest.with_name(dest.name + ".files")


def _sqlite_file_hashes(copy: Path) -> list[str]:
    conn = sqlite3.connect(copy)
    try:
        return [row[0] for row in conn.execute("SELECT sha256 FROM files ORDER BY sha256")]
    finally:
        conn.close()


def _store_file_hashes(database_url: str) -> list[str]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(StoredFile.sha256).order_by(StoredFile.sha256)).scalars())
    finally:
        engine.dispose()


def _copy_files(store: FileStore, hashes: list[str], target: Path) -> None:
    if target.exists():
        raise BackupError(f"{target} exists; choose a new file name")
    for sha in hashes:
        source, copy = store.path(sha), target / sha[:2] / sha
        copy.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, copy)
        except FileNotFoundError:
            raise BackupError(f"attached file {sha} is missing from {store.root} (deleted during the backup? "
                              "run it again; 'archive verify' checks every kept file)") from None
        except OSError:
            shutil.copyfile(source, copy)


def key_beside(dest: Path) -> Path:
    return dest.with_name(dest.name + ".signing_key")


def _copy_key(source: Path, target: Path) -> None:
    try:
        data = source.read_bytes()
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
    except OSError as exc:
        raise BackupError(f"the store was backed up, but the key was not copied to {target}: "
                          f"{exc.strerror}") from None


def anchor_beside(dest: Path) -> Path:
    return dest.with_name(dest.name + ".anchor.json")


def _sqlite_anchor(copy: Path) -> LogAnchor:
    conn = sqlite3.connect(copy)
    try:
        count = conn.execute("SELECT count(*) FROM fixity_log").fetchone()[0]
        head = conn.execute("SELECT entry_sha256 FROM fixity_log ORDER BY id DESC LIMIT 1").fetchone()
    finally:
        conn.close()
    return LogAnchor(count, head[0] if head else GENESIS)


def _store_anchor(database_url: str) -> LogAnchor:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return current_anchor(conn)
    finally:
        engine.dispose()


def _backup_sqlite(source: Path, partial: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        if dst.execute("PRAGMA integrity_check").fetchone() != ("ok",):
            raise BackupError(f"the copy in {partial} failed its integrity check")
    finally:
        dst.close()
        src.close()


def _backup_postgresql(url, partial: Path) -> None:  # noqa: ANN001 - a SQLAlchemy URL
    if shutil.which("pg_dump") is None:
        raise BackupError("pg_dump is not installed; install the PostgreSQL client tools")
    options = str(url.query.get("options", ""))
    libpq = url.set(drivername="postgresql", query={})
    command = ["pg_dump", "--format=custom", f"--file={partial}",
               f"--dbname={libpq.render_as_string(hide_password=False)}"]
    if "search_path=" in options:  # an archive kept in its own schema
        command.append(f"--schema={options.split('search_path=', 1)[1].split()[0]}")
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
