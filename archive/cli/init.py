from __future__ import annotations

import sys
from pathlib import Path

import click

from archive.cli.common import Context, pass_context
from archive.ingest.record_rules import DEFAULT_VISIBILITY, RecordRules
from archive.store.models import VISIBILITIES
from archive.trust.create import init_archive


@click.command("init")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--title", default="Living Archive", show_default=True, help="The archive's title.")
@click.option("--description", default="", help="One line about what the archive holds.")
@click.option("--language", default="en", show_default=True, help="Default language code of records.")
@click.option("--default-visibility", type=click.Choice(VISIBILITIES),
              help="What a record that says nothing about its visibility gets (asked on a terminal; "
                   f"otherwise {DEFAULT_VISIBILITY}).")
@pass_context
def init_command(ctx: Context, path: Path, title: str, description: str, language: str,
                 default_visibility: str | None) -> None:
    """Create an archive in PATH (default: the current folder).

    Writes archive.toml, creates the database (SQLite in the folder, or the database given with the
    global --db option) and the index folder. Records that do not give their visibility are
    restricted (kept out of the public site) unless --default-visibility says otherwise; a record,
    or a batch (archive ingest --set visibility=public), can always say.

    \b
    Example:
      archive init tenant-union-archive --title "Tenant Union Archive"
      archive init published-leaflets --default-visibility public
      archive --db postgresql+psycopg://archivist@db.example/archive init shared-archive
    """
    if default_visibility is None:
        default_visibility = DEFAULT_VISIBILITY
        if sys.stdin.isatty() and sys.stdout.isatty():
            default_visibility = click.prompt(
                "Visibility of records that do not say (public ones go on the published site)",
                type=click.Choice(VISIBILITIES), default=DEFAULT_VISIBILITY)
    archive = init_archive(path, title=title, description=description, language=language,
                           database_url=ctx.db_url or "", records=RecordRules(default_visibility=default_visibility))
    click.echo(f"Created archive '{archive.title}' in {archive.root}")
    click.echo(f"Records that do not give their visibility will be {default_visibility} "
               f"(change it in {archive.config_path.name}, [records] default_visibility).")
    here = Path.cwd().resolve()
    prefix = "archive" if archive.root == here else f"archive --archive {archive.root}"
    click.echo("Next:")
    click.echo(f"  add records:   {prefix} ingest FILES-OR-FOLDERS   (see docs/record-format.md)")
    click.echo(f"  publish:       {prefix} build")
    click.echo(f"  preview:       {prefix} serve")
