"""Engines and sessions for SQLite and PostgreSQL (``archive.store.dbapi``: a plain read path without
SQLAlchemy, for ``archive search``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where an engine is made: a search reads through archive.store.dbapi
    from sqlalchemy import Connection, Engine
    from sqlalchemy.orm import Session


def make_engine(url: str, *, writer: bool = False) -> Engine:
    """Create an engine; SQLite gets WAL, ``synchronous=FULL``, foreign keys and a busy timeout.

    A ``writer`` engine on SQLite starts each transaction with ``BEGIN IMMEDIATE``, so that two writers
    queue on the busy timeout instead of failing when a read lock cannot be upgraded.
    """
    from sqlalchemy import create_engine, event

    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _configure_sqlite)
        begin = "BEGIN IMMEDIATE" if writer else "BEGIN"
        # Emit BEGIN ourselves so that savepoints and rollbacks behave (a pysqlite quirk).
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql(begin))
        return engine
    return create_engine(url, pool_pre_ping=True)


def _configure_sqlite(dbapi_connection, _record) -> None:  # noqa: ANN001 - DBAPI types
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers go on while one writer writes; FULL makes every commit durable on power loss.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


# Rows ANALYZE samples per index on SQLite: the planner needs the shape of the data, not exact counts,
# and a bounded sample keeps the statistics cheap to refresh at any size.
ANALYSIS_LIMIT = 1000
# Refresh the statistics after a write that changed at least this many records (see refresh_statistics).
LARGE_CHANGE = 1000


def refresh_statistics(conn: Connection) -> None:
    """Give the query planner up-to-date statistics (``ANALYZE``); call after a large write or a migration.

    Without them SQLite guesses that any indexed equality (``visibility = 'public'``) selects about ten
    rows, and may drive a join from the wrong table. The hot queries are written so that their plan does
    not depend on statistics (``tests/test_query_plans.py``), but every other query benefits.
    """
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        conn.exec_driver_sql("ANALYZE")
        conn.exec_driver_sql("PRAGMA optimize")
    else:
        conn.exec_driver_sql("ANALYZE")


def has_statistics(conn: Connection) -> bool:
    """Whether the planner has statistics for the store's tables (SQLite; PostgreSQL keeps its own)."""
    if conn.dialect.name != "sqlite":
        return True
    found = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'").first()
    if found is None:
        return False
    return conn.exec_driver_sql("SELECT 1 FROM sqlite_stat1 WHERE tbl = 'records'").first() is not None


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    from sqlalchemy.orm import sessionmaker

    factory = sessionmaker(engine, expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
