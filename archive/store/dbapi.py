"""A read-only way into the store without SQLAlchemy, for a command that must start fast.

``archive search`` needs from the store only a few rows (its hits' text and marks) and the schema check;
importing SQLAlchemy alone costs more CPU than the whole search. ``open_reader`` turns the archive's
database URL into a plain DB-API connection (``sqlite3``, or ``psycopg`` for PostgreSQL) and checks the
schema revision as ``archive.store.migrate.ensure_current`` does, from the same migration headers. A URL
it does not know how to open returns None, and the caller uses an engine (``archive.store.db``) instead.

Nothing here writes, and nothing here imports SQLAlchemy, Alembic or the models.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote

from archive.errors import ArchiveError
from archive.resources import resource_dir

BUSY_TIMEOUT_S = 30  # as archive.store.db.make_engine: wait for a writer's lock instead of failing

_REVISION = re.compile(r"^revision(?:\s*:[^=]*)?=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision(?:\s*:[^=]*)?=\s*(?:None|['\"]([^'\"]*)['\"])\s*$", re.MULTILINE)
_SQLITE_OPTIONS = {"timeout", "check_same_thread", "uri", "mode", "cache"}


class SchemaOutOfDate(ArchiveError):
    """The database is not at the latest migration."""

    def __init__(self, current: str | None, head: str | None) -> None:
        super().__init__(
            f"the database schema is at {current or 'nothing'} but this version of Living Archive "
            f"needs {head}; run 'archive db upgrade' (back up first with 'archive backup')"
        )
        self.current, self.head = current, head


class StoreUnavailable(ArchiveError):
    """The database cannot be opened (missing file, refused connection, missing driver)."""


def safe_url(url: str) -> str:
    """``url`` with its password hidden, for a message (as SQLAlchemy renders it)."""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not sep or not at or ":" not in credentials:
        return url
    return f"{scheme}://{credentials.split(':', 1)[0]}:***@{host}"


def head_from_headers() -> str | None:
    """The latest migration: the one revision no other migration names as its ``down_revision``, read from
    the migration files' headers; None when that is not clear (then ask Alembic)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (resource_dir("migrations") / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if revision is None or down is None:
            return None
        revisions.add(revision.group(1))
        if down.group(1):
            parents.add(down.group(1))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


@dataclass
class StoreReader:
    """A DB-API connection to the store, for reading; ``placeholder`` is its driver's parameter mark."""

    connection: Any
    placeholder: str
    dialect: str

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> StoreReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def read_transaction(store: Any) -> Iterator[tuple[Any, str]]:
    """(DB-API connection, its parameter mark) inside one read transaction, so that several reads see the
    same store. ``store``: a ``StoreReader``, or an SQLAlchemy engine (a pooled connection of its own)."""
    if isinstance(store, StoreReader):
        connection, placeholder, dialect, pooled = store.connection, store.placeholder, store.dialect, False
    else:
        connection, dialect, pooled = store.raw_connection(), store.dialect.name, True
        placeholder = "?" if store.dialect.paramstyle == "qmark" else "%s"
    try:
        if dialect == "sqlite":
            connection.execute("BEGIN")  # an engine's SQLite connections, as ours, are in autocommit mode
        try:
            yield connection, placeholder
        finally:
            connection.rollback() if dialect != "sqlite" else connection.execute("ROLLBACK")
    finally:
        if pooled:
            connection.close()  # back to the engine's pool


def select_rows(connection: Any, placeholder: str, table: str, key: str, ids: Sequence[Any]) -> list[dict[str, Any]]:
    """Every column of the rows of ``table`` whose ``key`` is in ``ids``, as dictionaries."""
    if not ids:
        return []
    marks = ", ".join([placeholder] * len(ids))
    cursor = connection.cursor()
    try:
        cursor.execute(f"SELECT * FROM {table} WHERE {key} IN ({marks})", list(ids))  # noqa: S608 - names are ours
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        cursor.close()


def open_reader(url: str) -> StoreReader | None:
    """A reader on the store at ``url`` whose schema is current, or None for a URL this module does not
    open (the caller then uses an engine). Raises ``StoreUnavailable`` or ``SchemaOutOfDate``."""
    reader = _connect(url)
    if reader is None:
        return None
    try:
        current = _current_revision(reader)
        head = head_from_headers()
        if current is _UNCLEAR or head is None:
            reader.close()
            return None  # several heads, or unusual migration files: Alembic must decide
        if current != head:
            raise SchemaOutOfDate(current, head)
    except BaseException:
        reader.close()
        raise
    return reader


_UNCLEAR = object()


def _current_revision(reader: StoreReader) -> Any:
    conn = reader.connection
    cursor = conn.cursor()
    try:
        cursor.execute("SELECT version_num FROM alembic_version")
        versions = [row[0] for row in cursor.fetchall()]
    except Exception as exc:  # noqa: BLE001 - each driver has its own "no such table"
        if not _missing_table(exc):
            raise StoreUnavailable(str(exc)) from None
        versions = []
    finally:
        cursor.close()
        if reader.dialect != "sqlite":
            conn.rollback()
    if len(versions) > 1:
        return _UNCLEAR
    return versions[0] if versions else None


def _missing_table(exc: Exception) -> bool:
    message = str(exc).lower()
    return "no such table" in message or "does not exist" in message


def _connect(url: str) -> StoreReader | None:
    scheme, _, rest = url.partition("://")
    dialect, _, driver = scheme.partition("+")
    if dialect == "sqlite" and driver in ("", "pysqlite"):
        return _connect_sqlite(rest)
    if dialect in ("postgresql", "postgres") and driver in ("", "psycopg"):
        return _connect_postgresql(url)
    return None


def _connect_sqlite(rest: str) -> StoreReader | None:
    import sqlite3

    if not rest.startswith("/"):
        return None  # sqlite:// (in memory) or a host part: nothing a reader could share
    path, _, query = rest[1:].partition("?")
    options = dict(parse_qsl(query))
    if not path or path == ":memory:" or path.startswith("file:") or set(options) - _SQLITE_OPTIONS:
        return None
    if not Path(path).exists():
        raise StoreUnavailable(f"no database file at {path}")
    try:
        # mode=rw: never create a file; autocommit mode, each read inside an explicit transaction.
        connection = sqlite3.connect(f"file:{_uri_path(path)}?mode=rw", uri=True, isolation_level=None,
                                     timeout=float(options.get("timeout", BUSY_TIMEOUT_S)))
        connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    except sqlite3.Error as exc:
        raise StoreUnavailable(str(exc)) from None
    return StoreReader(connection, "?", "sqlite")


def _uri_path(path: str) -> str:
    return quote(str(Path(path).resolve()))


def _connect_postgresql(url: str) -> StoreReader:
    try:
        import psycopg
    except ImportError as exc:
        raise StoreUnavailable(f"the PostgreSQL driver is missing: {exc}") from None
    # libpq reads the same URL as SQLAlchemy, less the driver name (it decodes %-escapes itself).
    conninfo = "postgresql://" + url.partition("://")[2]
    try:
        connection = psycopg.connect(conninfo)
    except psycopg.Error as exc:
        raise StoreUnavailable(str(exc)) from None
    connection.read_only = True
    return StoreReader(connection, "%s", "postgresql")
