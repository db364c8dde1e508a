"""Schema changes go through Alembic; its configuration is built here, with no URL in an ini file.

Alembic is imported only by the functions that migrate or compare: checking that a database is current,
which every command does, reads the version table and the migration files' own headers, so an ordinary
command does not pay for importing Alembic and Mako.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from archive.errors import ArchiveError
from archive.resources import resource_dir
from archive.store.db import refresh_statistics
from archive.store.dbapi import SchemaOutOfDate
from archive.store.dbapi import head_from_headers as _head_from_headers

if TYPE_CHECKING:
    from alembic.config import Config



def alembic_config(engine: Engine, output: io.StringIO | None = None) -> Config:
    from alembic.config import Config

    cfg = Config(stdout=output or io.StringIO())
    cfg.set_main_option("script_location", str(resource_dir("migrations")))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision``, then refresh the planner's statistics (a migration may have
    rebuilt a table, and SQLite drops a rebuilt table's statistics)."""
    from alembic import command
    from alembic.util import CommandError

    try:
        command.upgrade(alembic_config(engine), revision)
    except CommandError as exc:  # a revision that does not exist, or one behind the database
        raise MigrationError(f"cannot upgrade to {revision!r}: {exc}") from None
    with engine.begin() as conn:
        refresh_statistics(conn)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None before the first migration), read from Alembic's table."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(versions) > 1:  # several heads: let Alembic say what that means
        from alembic.migration import MigrationContext

        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    return versions[0] if versions else None


def head_revision(engine: Engine) -> str | None:
    """The latest migration: read from the migration files' headers, or by Alembic if they are unusual."""
    head = _head_from_headers()
    if head is not None:
        return head
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def schema_differences(engine: Engine) -> list:
    """What differs between the models and the database; empty when they agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from archive.store.models import Base

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


class MigrationError(ArchiveError):
    """Alembic cannot run the migration asked for (an unknown revision)."""


def ensure_current(engine: Engine) -> None:
    """Refuse to work on a database whose schema is behind or ahead of this code."""
    current, head = current_revision(engine), head_revision(engine)
    if current != head:
        raise SchemaOutOfDate(current, head)
