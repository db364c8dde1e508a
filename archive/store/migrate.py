"""Schema changes go through Alembic; its configuration is built here, with no URL in an ini file.

Alembic is imported only by the functions that migrate or compare: checking that a database is current,
which every command does, reads the version table and the migration files' own headers, so an ordinary
command does not pay for importing Alembic and Mako.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from archive.errors import ArchiveError
from archive.resources import resource_dir
from archive.store.db import refresh_statistics

if TYPE_CHECKING:
    from alembic.config import Config

_REVISION = re.compile(r"^revision(?:\s*:[^=]*)?=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision(?:\s*:[^=]*)?=\s*(?:None|['\"]([^'\"]*)['\"])\s*$", re.MULTILINE)


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


def _head_from_headers() -> str | None:
    """The one revision no other migration names as its ``down_revision``; None when that is not clear."""
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


def schema_differences(engine: Engine) -> list:
    """What differs between the models and the database; empty when they agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from archive.store.models import Base

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


class SchemaOutOfDate(ArchiveError):
    """The database is not at the latest migration."""


class MigrationError(ArchiveError):
    """Alembic cannot run the migration asked for (an unknown revision)."""


def ensure_current(engine: Engine) -> None:
    """Refuse to work on a database whose schema is behind or ahead of this code."""
    current, head = current_revision(engine), head_revision(engine)
    if current != head:
        raise SchemaOutOfDate(
            f"the database schema is at {current or 'nothing'} but this version of Living Archive "
            f"needs {head}; run 'archive db upgrade' (back up first with 'archive backup')"
        )
