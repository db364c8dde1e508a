from __future__ import annotations

import click

from archive.cli.common import Context, pass_context
from archive.search.index import update_after_ingest
from archive.store.models import RECORD_TYPES
from archive.trust.delete import delete_permanently, find_records


@click.command("delete")
@click.argument("records", nargs=-1, required=True, metavar="TYPE/SLUG...")
@click.option("--reason", default="", help="Why, for the fixity log (e.g. 'consent withdrawn 2026-11-02').")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_context
def delete_command(ctx: Context, records: tuple[str, ...], reason: str, yes: bool) -> None:
    """Delete records for good, with their revisions, links and source bytes.

    Withdrawn consent or a private visibility already keeps a record out of public output; delete
    only when the record itself must go. The deletion is written to the fixity log. Export or back up
    first if you may need it.

    \b
    Example:
      archive delete account/interview-1977-04 --reason "consent withdrawn"
    """
    keys = []
    for item in records:
        record_type, _, slug = item.partition("/")
        if record_type not in RECORD_TYPES or not slug:
            raise click.BadParameter(f"{item!r}: write TYPE/SLUG, with TYPE one of {', '.join(RECORD_TYPES)}",
                                     param_hint="TYPE/SLUG")
        keys.append((record_type, slug))
    engine = ctx.engine(writer=True)
    found, missing = find_records(engine, keys)
    if not found:
        raise click.ClickException("no such record: " + ", ".join(missing))
    for key in missing:
        click.echo(f"not found {key}", err=True)
    if not yes:
        for key, title in found.items():
            click.echo(f"  {key}  {title}")
        click.confirm(f"Delete these {len(found)} record(s) and their history for good?", abort=True)
    result = delete_permanently(engine, keys, reason=reason, archive_root=ctx.archive().root)
    for key in result.deleted:
        click.echo(f"deleted   {key}")
    for key in set(result.not_found) - set(missing):  # deleted by someone else since the question
        click.echo(f"not found {key}", err=True)
    click.echo(f"Deleted {len(result.deleted)} record(s); purged {result.sources_purged} source file(s) and "
               f"{len(result.files_purged)} attached file(s) no other record uses. Run 'archive build' to take "
               "them off the site.")
    click.echo(update_after_ingest(ctx.archive().index_dir, engine, result.deleted_ids + result.neighbour_ids))
