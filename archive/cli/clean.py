from __future__ import annotations

import click

from archive.cli.common import Context, pass_context
from archive.ingest.placeholders import archive_placeholders
from archive.search.index import update_after_ingest
from archive.trust.clean import clean_placeholder_stubs
from archive.trust.clean_files import clean_unused_files


@click.group("clean")
def clean_group() -> None:
    """Clean up what earlier ingests left behind.

    \b
    Example:
      archive clean placeholders --dry-run
    """


@clean_group.command("placeholders")
@click.option("--dry-run", is_flag=True, help="List what would be removed and change nothing.")
@click.option("--reason", default="placeholder values are no value", help="Why, for the fixity log.")
@pass_context
def placeholders_command(ctx: Context, dry_run: bool, reason: str) -> None:
    """Remove stubs named by a placeholder ("Not known", "n/a", "onbekend", ...) and every link to them.

    Each record that named one gets a new revision without it; the change is written to the fixity log.
    The list is the built-in one with archive.toml's [placeholders] add and remove (docs/mapping.md).

    \b
    Example:
      archive clean placeholders --dry-run
      archive clean placeholders
    """
    archive = ctx.archive()
    placeholders = archive_placeholders(archive)
    engine = ctx.engine(writer=True)
    result = clean_placeholder_stubs(engine, placeholders, dry_run=dry_run, reason=reason)
    verb = "would remove" if dry_run else "removed"
    for stub in result.stubs_removed:
        click.echo(f"{verb:12} {stub}")
    for record in result.records_updated:
        click.echo(f"{'would update' if dry_run else 'updated':12} {record}")
    for kept in result.kept:
        click.echo(f"kept         {kept}", err=True)
    for described in result.described:
        click.echo(f"described    {described} (a described record named like a placeholder: left alone)", err=True)
    prefix = "Dry run, nothing written: would have " if dry_run else ""
    click.echo(f"{prefix}removed {len(result.stubs_removed)} placeholder stub(s), "
               f"updated {len(result.records_updated)} record(s) that named them, kept {len(result.kept)}.")
    if not dry_run and (result.changed_ids or result.deleted_ids):
        click.echo(update_after_ingest(archive.index_dir, engine, result.changed_ids + result.deleted_ids))


@clean_group.command("files")
@click.option("--dry-run", is_flag=True, help="List what would be removed and change nothing.")
@pass_context
def files_command(ctx: Context, dry_run: bool) -> None:
    """Remove kept files no attachment names, and interrupted copies, older than an hour.

    A crash between keeping an attached file and committing its row leaves such files; they are never
    published or read. Younger ones are left alone: they may belong to an attach still running.

    \b
    Example:
      archive clean files --dry-run
    """
    archive = ctx.archive()
    engine = ctx.engine()
    result = clean_unused_files(archive.root, engine, dry_run=dry_run)
    engine.dispose()
    verb = "would remove" if dry_run else "removed"
    for sha in result.unused:
        click.echo(f"{verb} unused file {sha}")
    for path in result.partial:
        click.echo(f"{verb} interrupted copy {path.name}")
    click.echo(f"{len(result.unused)} unused file(s) and {len(result.partial)} interrupted copy(ies), "
               f"{result.bytes} bytes: {verb}.")
