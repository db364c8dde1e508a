"""Schema changes go through Alembic; its configuration is built here, with no URL in an ini file."""

from __future__ import annotations

import io

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from archive.db import refresh_statistics
from archive.models import Base
from archive.resources import resource_dir


def alembic_config(engine: Engine, output: io.StringIO | None = None) -> Config:
    cfg = Config(stdout=output or io.StringIO())
    cfg.set_main_option("script_location", str(resource_dir("migrations")))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision``, then refresh the planner's statistics (a migration may have
    rebuilt a table, and SQLite drops a rebuilt table's statistics)."""
    command.upgrade(alembic_config(engine), revision)
    with engine.begin() as conn:
        refresh_statistics(conn)


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def schema_differences(engine: Engine) -> list:
    """What differs between the models and the database; empty when they agree."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


class SchemaOutOfDate(Exception):
    """The database is not at the latest migration."""


def ensure_current(engine: Engine) -> None:
    """Refuse to work on a database whose schema is behind or ahead of this code."""
    current, head = current_revision(engine), head_revision(engine)
    if current != head:
        raise SchemaOutOfDate(
            f"the database schema is at {current or 'nothing'} but this version of Living Archive "
            f"needs {head}; run 'archive db upgrade' (back up first with 'archive backup')"
        )
