from __future__ import annotations

import os
from pathlib import Path

import click

from archive.cli.common import Context, pass_context
from archive.search.index import update_after_ingest
from archive.store.config import CONFIG_NAME, ENV_ARCHIVE_DIR
from archive.trust.backup import anchor_beside, backup, files_beside, key_beside
from archive.trust.bag import BagRejected, export_bag, import_bag, import_into_new_archive
from archive.trust.signing import key_path


@click.command("backup")
@click.argument("dest", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--with-key", is_flag=True,
              help="Also copy the archive's private signing key, to DEST.signing_key (keep it safe).")
@pass_context
def backup_command(ctx: Context, dest: Path, with_key: bool) -> None:
    """Make a consistent copy of the store while writes may be running.

    On SQLite this uses SQLite's online backup API and writes a database file. On PostgreSQL it runs
    pg_dump --format=custom; restore with pg_restore.

    \b
    Example:
      archive backup ~/backups/archive-2026-11-27.sqlite
    """
    archive = ctx.archive()
    made = backup(archive.db_url(ctx.db_url), dest, key_path(archive.root) if with_key else None,
                  files_root=archive.root)
    click.echo(f"Backed up the store to {made} ({made.stat().st_size} bytes).")
    if files_beside(made).is_dir():
        click.echo(f"Copied the attached files it names to {files_beside(made)}/ (restore them into ARCHIVE/files/).")
    click.echo(f"Kept the fixity log's anchor in {anchor_beside(made)}; check against it later with "
               f"'archive verify --anchor {anchor_beside(made)}'.")
    if with_key:
        click.echo(f"Copied the private signing key to {key_beside(made)}: whoever holds it can sign as the archive.")
    else:
        click.echo("The signing key (ARCHIVE/keys/) is not in the backup: keep a copy of it somewhere safe, "
                   "or use --with-key.")


@click.command("export")
@click.option("--bagit", "bag_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Write a BagIt bag (RFC 8493) to this new folder.")
@pass_context
def export_command(ctx: Context, bag_dir: Path) -> None:
    """Export every record, revision and source as a BagIt bag another group can import.

    \b
    Example:
      archive export --bagit /media/usb/archive-bag
    """
    result = export_bag(ctx.engine(), bag_dir, ctx.archive())
    click.echo(f"Exported {result.records} records, {result.revisions} revisions, {result.sources} sources, "
               f"{result.stubs} stubs and {result.attachments} attachments ({result.files} files) to {bag_dir}.")


@click.command("import")
@click.argument("bag_dir", type=click.Path(file_okay=False, exists=True, path_type=Path))
@pass_context
def import_command(ctx: Context, bag_dir: Path) -> None:
    """Import a bag made by 'archive export --bagit' into this archive.

    The bag is validated first: a flipped bit, a missing or extra file, an unsafe path or a bad
    manifest rejects it, and nothing is written. When --archive (or $ARCHIVE_DIR) names a folder that
    is not an archive yet (missing or empty), the archive is created there, with the bag's title and
    language and 'archive init''s other defaults.

    \b
    Example:
      archive --archive next-wave import /media/usb/archive-bag
    """
    named = ctx.archive_path or (Path(os.environ[ENV_ARCHIVE_DIR]) if os.environ.get(ENV_ARCHIVE_DIR) else None)
    try:
        if named is not None and not (named / CONFIG_NAME).exists():
            archive, result = import_into_new_archive(named, bag_dir, database_url=ctx.db_url or "")
            click.echo(f"Created archive '{archive.title}' in {archive.root}; records that do not give their "
                       f"visibility will be {archive.records.default_visibility} "
                       f"(change it in {CONFIG_NAME}, [records] default_visibility).")
            engine = ctx.engine(writer=True)
        else:
            engine = ctx.engine(writer=True)
            result = import_bag(engine, bag_dir, ctx.archive().root)
    except BagRejected as exc:
        raise click.ClickException(f"bag rejected, nothing written: {exc}") from None
    click.echo(f"Imported {result.records} records: {result.added} added, {result.updated} updated, "
               f"{result.unchanged} unchanged; {result.revisions} revisions restored.")
    click.echo(update_after_ingest(ctx.archive().index_dir, engine, result.changed_ids))
