from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy.exc import OperationalError

from archive.cli.common import Context, pass_context
from archive.index import update_after_ingest
from archive.ingest import IngestReport, collect_files, ingest
from archive.mapping import MappingError, load_mapping
from archive.records import RecordError

PROGRESS_THRESHOLD = 50  # files; smaller batches finish before a bar would help


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--map", "mapping_path", type=click.Path(dir_okay=False, path_type=Path),
              help="A YAML mapping from a spreadsheet's columns to record fields.")
@click.option("--strict", is_flag=True, help="Stop at the first error and change nothing.")
@click.option("--dry-run", is_flag=True, help="Validate and report without writing.")
@click.option("-v", "--verbose", is_flag=True, help="Print each record once it is stored.")
@click.option("--set", "settings", multiple=True, metavar="FIELD=VALUE",
              help="Give FIELD to every record of the batch that does not give it (repeatable), "
                   "e.g. --set visibility=public --set struggles=a;b")
@pass_context
def ingest_command(ctx: Context, paths: tuple[Path, ...], mapping_path: Path | None, strict: bool,
                   dry_run: bool, verbose: bool, settings: tuple[str, ...]) -> None:
    """Ingest records from files and folders (recursively).

    Reads Markdown with YAML front matter (.md), plain text (.txt), CSV, JSON Lines (.jsonl),
    JSON and YAML. Each file goes in whole or not at all; ingesting it again changes nothing.

    \b
    Example:
      archive ingest accounts/ struggles.yaml
      archive ingest --map fmcs.map.yaml work_stoppages.csv
      archive ingest --dry-run --strict new-batch/
      archive ingest --set visibility=public --set language=en --set struggles=flint-strike minutes/
    """
    defaults = _parse_settings(settings)
    mapping = None
    if mapping_path:
        try:
            mapping = load_mapping(mapping_path)
        except MappingError as exc:
            raise click.ClickException(str(exc)) from None
    archive = ctx.archive()
    engine = ctx.engine(writer=True)
    files, _ = collect_files(paths)
    bar = None
    if len(files) >= PROGRESS_THRESHOLD and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=len(files), unit="file", file=sys.stderr, leave=False)

    def on_stored(item) -> None:  # noqa: ANN001
        if verbose:
            click.echo(f"{item.action:9} {item.type}/{item.slug}")

    try:
        report = ingest(engine, paths, mapping=mapping, strict=strict, dry_run=dry_run,
                        default_language=archive.language, defaults=defaults, rules=archive.records,
                        on_file=(lambda _p, _n: bar.update(1)) if bar else None, on_stored=on_stored)
    except RecordError as exc:
        raise click.BadParameter("; ".join(f"{e.field}: {e.message}" for e in exc.errors),
                                 param_hint="'--set'") from None
    except OperationalError as exc:
        raise click.ClickException(
            f"the database stayed busy or went away ({exc.orig}); records already reported as stored are "
            "safe, the unfinished batch was not written: run the same command again") from None
    finally:
        if bar:
            bar.close()
    _report(report)
    if not report.dry_run and not report.aborted:
        click.echo(update_after_ingest(archive.index_dir, engine, report.changed_ids))
    engine.dispose()  # close pooled connections now (PostgreSQL warns about ones left to the collector)
    if report.errors:
        sys.exit(1)


def _parse_settings(settings: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for setting in settings:
        name, equals, value = setting.partition("=")
        if not equals or not name.strip():
            raise click.BadParameter(f"write FIELD=VALUE, not {setting!r}", param_hint="'--set'")
        out[name.strip()] = value.strip()
    return out


def _report(report: IngestReport) -> None:
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for error in report.errors:
        click.echo(f"error: {error}", err=True)
    if report.aborted:
        click.echo("Stopped at the first error (--strict); nothing was written.", err=True)
        return
    prefix = "Dry run, nothing written: would have " if report.dry_run else ""
    verb = "checked" if report.dry_run else "ingested"
    click.echo(
        f"{prefix}{verb} {report.files} file(s): {report.added} added, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.stubs} stub(s) created, {len(report.errors)} error(s)"
        + (f" in {report.files_failed} file(s) left out" if report.files_failed else "")
    )
