from __future__ import annotations

from pathlib import Path

import click

from archive.cli.common import Context, pass_context
from archive.create import ArchiveExists, init_archive


@click.command("init")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--title", default="Living Archive", show_default=True, help="The archive's title.")
@click.option("--description", default="", help="One line about what the archive holds.")
@click.option("--language", default="en", show_default=True, help="Default language code of records.")
@pass_context
def init_command(ctx: Context, path: Path, title: str, description: str, language: str) -> None:
    """Create an archive in PATH (default: the current folder).

    Writes archive.toml, creates the database (SQLite in the folder, or the database given with the
    global --db option) and the index folder.

    \b
    Example:
      archive init tenant-union-archive --title "Tenant Union Archive"
      archive --db postgresql+psycopg://archivist@db.example/archive init shared-archive
    """
    try:
        archive = init_archive(path, title=title, description=description, language=language,
                               database_url=ctx.db_url or "")
    except ArchiveExists as exc:
        raise click.ClickException(str(exc)) from None
    except Exception as exc:
        raise click.ClickException(f"cannot create the archive in {path}: {exc}") from None
    click.echo(f"Created archive '{archive.title}' in {archive.root}")
