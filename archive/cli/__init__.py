"""The ``archive`` command. Each command parses its options, calls one library function and reports."""

from __future__ import annotations

from pathlib import Path

import click

from archive import __version__
from archive.cli.build import build_command
from archive.cli.clean import clean_group
from archive.cli.common import Context
from archive.cli.continuity import continuity_command
from archive.cli.crosswave import demands_command, lessons_command, lineage_command
from archive.cli.db import db_group
from archive.cli.delete import delete_command
from archive.cli.demo import demo_command
from archive.cli.index import reindex_command, verify_command
from archive.cli.ingest import ingest_command
from archive.cli.init import init_command
from archive.cli.search import search_command
from archive.cli.serve import serve_command
from archive.cli.show import show_command, stats_command
from archive.cli.trust import backup_command, export_command, import_command
from archive.cli.waves import waves_group


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--archive", "archive_path", type=click.Path(file_okay=False, path_type=Path),
              help="The archive folder. Default: $ARCHIVE_DIR, else the nearest folder above with archive.toml.")
@click.option("--db", "db_url", metavar="URL",
              help="Database URL, overriding archive.toml (e.g. postgresql+psycopg://user@host/db).")
@click.version_option(__version__, prog_name="archive")
@click.pass_context
def cli(ctx: click.Context, archive_path: Path | None, db_url: str | None) -> None:
    """Living Archive: keep the memory of social movements and publish it as a static site.

    \b
    Example:
      archive init my-archive && cd my-archive
      archive ingest ~/accounts/
      archive stats
    """
    ctx.obj = Context(archive_path, db_url)


for command in (init_command, ingest_command, stats_command, show_command, demo_command, db_group,
                build_command, serve_command, backup_command, export_command, import_command, waves_group,
                delete_command, continuity_command, demands_command, lessons_command, lineage_command,
                search_command, reindex_command, verify_command, clean_group):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="archive")
