from __future__ import annotations

import click

from archive.cli.common import Context, pass_context
from archive.store.migrate import current_revision, head_revision, schema_differences, upgrade


@click.group("db")
def db_group() -> None:
    """Manage the database schema (Alembic migrations).

    \b
    Example:
      archive db current
      archive db upgrade
    """


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@pass_context
def db_upgrade(ctx: Context, revision: str) -> None:
    """Upgrade the schema to the latest migration. Back up first.

    \b
    Example:
      archive backup before-upgrade.sqlite && archive db upgrade
    """
    engine = ctx.engine(writer=True, check_schema=False)
    before = current_revision(engine)
    upgrade(engine, revision)
    click.echo(f"Database at {current_revision(engine)} (was {before or 'empty'}).")


@db_group.command("current")
@pass_context
def db_current(ctx: Context) -> None:
    """Print the schema revision of the database and of this code.

    \b
    Example:
      archive db current
    """
    engine = ctx.engine(check_schema=False)
    current, head = current_revision(engine), head_revision(engine)
    state = "up to date" if current == head else "needs 'archive db upgrade'"
    click.echo(f"database: {current or 'empty'}  code: {head}  ({state})")


@db_group.command("check")
@pass_context
def db_check(ctx: Context) -> None:
    """Fail if the database schema differs from the models (a missing migration).

    \b
    Example:
      archive db check
    """
    engine = ctx.engine(check_schema=False)
    current, head = current_revision(engine), head_revision(engine)
    if current != head:
        raise click.ClickException(f"database is at {current or 'nothing'}, migrations at {head}")
    differences = schema_differences(engine)
    if differences:
        lines = "\n".join(f"  {d}" for d in differences)
        raise click.ClickException(f"the models and the migrations differ:\n{lines}")
    click.echo("Schema matches the models.")
