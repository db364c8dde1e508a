from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import OperationalError

from archive.cli.common import Context, pass_context
from archive.ingest.formats import known_encoding
from archive.ingest.mapping import load_mapping
from archive.ingest.placeholders import archive_placeholders, in_use
from archive.ingest.records import RecordError
from archive.ingest.rejects import LOG_SUFFIX, default_folder
from archive.search.index import update_after_ingest
from archive.store.ingest import IngestReport, collect_files, ingest

EXIT_REFUSED = 3  # --skip-invalid: what was valid went in, some records were refused (see the rejects)
ERRORS_SHOWN_PER_FILE = 20  # the rest are counted in the summary, listed with -v and kept in the rejects
FILE_LINES_SHOWN = 50  # per-file summary lines
PROGRESS_DELAY = 1.0  # seconds before a bar appears: quick ingests print none


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--map", "mapping_path", type=click.Path(dir_okay=False, path_type=Path),
              help="A YAML mapping from a spreadsheet's columns to record fields.")
@click.option("--strict", is_flag=True, help="Stop at the first error and change nothing.")
@click.option("--skip-invalid", is_flag=True,
              help="Ingest the valid records of each file; write the refused ones to a rejects file.")
@click.option("--rejects", "rejects_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the rejects files (with --skip-invalid). Default: ARCHIVE/rejects/<time>/.")
@click.option("--encoding", help="Decode every file of the batch with this encoding (e.g. cp1252).")
@click.option("--dry-run", is_flag=True, help="Validate and report without writing.")
@click.option("-v", "--verbose", is_flag=True, help="Print each record once it is stored, and every error.")
@click.option("--set", "settings", multiple=True, metavar="FIELD=VALUE",
              help="Give FIELD to every record of the batch that does not give it (repeatable), "
                   "e.g. --set visibility=public --set struggles=a;b")
@pass_context
def ingest_command(ctx: Context, paths: tuple[Path, ...], mapping_path: Path | None, strict: bool,
                   skip_invalid: bool, rejects_dir: Path | None, encoding: str | None, dry_run: bool,
                   verbose: bool, settings: tuple[str, ...]) -> None:
    """Ingest records from files and folders (recursively).

    Reads Markdown with YAML front matter (.md), plain text (.txt), CSV, JSON Lines (.jsonl),
    JSON and YAML. Each file goes in whole or not at all; ingesting it again changes nothing.
    With --skip-invalid the valid records of a file go in and each refused record is written,
    unchanged, to a rejects file of the same format (with NAME.errors.log giving line and reason):
    fix it there and ingest it again.

    Exit status: 0 everything went in; 3 (--skip-invalid) some records were refused and written to
    the rejects; 1 errors (a file left out, a path not found, --strict stopped).

    \b
    Example:
      archive ingest accounts/ struggles.yaml
      archive ingest --map fmcs.map.yaml work_stoppages.csv
      archive ingest --skip-invalid --map fmcs.map.yaml work_stoppages.csv
      archive ingest --dry-run --strict new-batch/
      archive ingest --set visibility=public --set language=en --set struggles=flint-strike minutes/
    """
    if strict and skip_invalid:
        raise click.UsageError("--strict stops at the first error; --skip-invalid goes on past bad records: "
                               "choose one")
    if rejects_dir is not None and not skip_invalid:
        raise click.UsageError("--rejects names where --skip-invalid writes refused records: add --skip-invalid")
    if encoding is not None and known_encoding(encoding) is None:
        raise click.UsageError(f"unknown encoding {encoding!r}; for example utf-8, cp1252, latin-1, cp850")
    defaults = _parse_settings(settings)
    mapping = None
    if mapping_path:
        mapping = load_mapping(mapping_path)
    archive = ctx.archive()
    engine = ctx.engine(writer=True)
    if skip_invalid and rejects_dir is None and not dry_run:
        rejects_dir = default_folder(archive.root)
    files, _ = collect_files(paths, skip=[mapping.path] if mapping else [])
    progress = _Progress(sum(_size(f) for f in files)) if sys.stderr.isatty() else None

    def on_stored(item) -> None:  # noqa: ANN001
        if verbose:
            click.echo(f"{item.action:9} {item.type}/{item.slug}")

    placeholders = archive_placeholders(archive).extended(mapping.nulls if mapping else ())
    try:
        with in_use(placeholders):  # "Not known", "n/a"... are no value in reference fields (docs/mapping.md)
            report = ingest(engine, paths, mapping=mapping, strict=strict, dry_run=dry_run,
                            default_language=archive.language, skip_invalid=skip_invalid, rejects=rejects_dir,
                            encoding=encoding, defaults=defaults, rules=archive.records, on_stored=on_stored,
                            archive_root=archive.root,
                            on_progress=progress.advance if progress else None)
    except RecordError as exc:
        raise click.BadParameter("; ".join(f"{e.field}: {e.message}" for e in exc.errors),
                                 param_hint="'--set'") from None
    except OperationalError as exc:
        raise click.ClickException(
            f"the database stayed busy or went away ({exc.orig}); records already reported as stored are "
            "safe, the unfinished batch was not written: run the same command again") from None
    finally:
        if progress:
            progress.close()
    _report(report, verbose)
    if not report.dry_run and not report.aborted:
        with _ticking("indexing", enabled=progress is not None):
            line = update_after_ingest(archive.index_dir, engine, report.changed_ids)
        click.echo(line)
    engine.dispose()  # close pooled connections now (PostgreSQL warns about ones left to the collector)
    if report.files_failed or report.aborted or len(report.errors) > _refusal_errors(report):
        sys.exit(1)
    if report.refused:
        sys.exit(EXIT_REFUSED)


def _refusal_errors(report: IngestReport) -> int:
    """Errors that belong to refused records (the rest left a file or a path out)."""
    return sum(o.errors for o in report.outcomes if not o.left_out)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _parse_settings(settings: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for setting in settings:
        name, equals, value = setting.partition("=")
        if not equals or not name.strip():
            raise click.BadParameter(f"write FIELD=VALUE, not {setting!r}", param_hint="'--set'")
        out[name.strip()] = value.strip()
    return out


def _report(report: IngestReport, verbose: bool) -> None:
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    shown: dict[Path, int] = {}
    for error in report.errors:
        shown[error.path] = shown.get(error.path, 0) + 1
        if verbose or shown[error.path] <= ERRORS_SHOWN_PER_FILE:
            click.echo(f"error: {error}", err=True)
    rejects_of = {o.path: o.rejects for o in report.outcomes}
    for path, number in shown.items():
        if number > ERRORS_SHOWN_PER_FILE and not verbose:
            where = (f"all in {rejects_of[path]}{LOG_SUFFIX}" if rejects_of.get(path)
                     else "-v prints them all")
            click.echo(f"error: {path}: and {number - ERRORS_SHOWN_PER_FILE} more error(s) ({where})", err=True)
    if report.aborted:
        click.echo("Stopped at the first error (--strict); nothing was written.", err=True)
        return
    _report_files(report)
    prefix = "Dry run, nothing written: would have " if report.dry_run else ""
    verb = "checked" if report.dry_run else "ingested"
    click.echo(
        f"{prefix}{verb} {report.files} file(s): {report.added} added, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.stubs} stub(s) created"
        + (f", {report.filled} stub(s) filled" if report.filled else "")
        + (f", {report.refused} record(s) refused" if report.refused else "")
        + f", {len(report.errors)} error(s)"
        + (f" in {report.files_failed} file(s) left out" if report.files_failed else "")
    )
    if report.rejects:
        click.echo(f"Refused records, unchanged, are in {report.rejects[0].parent}/ ({len(report.rejects)} "
                   f"file(s), each with its {LOG_SUFFIX}): fix them there and ingest them again.")
    elif report.refused and report.dry_run:
        click.echo("A dry run writes no rejects; give --rejects FOLDER to have them written.")


def _report_files(report: IngestReport) -> None:
    """One line per file with refused records, left out, or holding several records."""
    lines = []
    for outcome in report.outcomes:
        if outcome.left_out:
            lines.append(f"  {outcome.path}: left out ({outcome.errors} error(s))"
                         + (f"; copied to {outcome.rejects}" if outcome.rejects else ""))
        elif outcome.refused or outcome.records_in > 1:
            lines.append(f"  {outcome.path}: {outcome.records_in} record(s) in, {outcome.refused} refused"
                         + (f" (in {outcome.rejects})" if outcome.rejects else ""))
    for line in lines[:FILE_LINES_SHOWN]:
        click.echo(line)
    if len(lines) > FILE_LINES_SHOWN:
        click.echo(f"  ... and {len(lines) - FILE_LINES_SHOWN} more file(s)")


class _Progress:
    """A bar per step of an ingest (bytes read, records validated, records written), on a terminal."""

    STEPS = {"read": ("reading", "B"), "validated": ("validating", " records"), "written": ("writing", " records")}

    def __init__(self, total_bytes: int) -> None:
        self.total_bytes = total_bytes
        self.bars: dict[str, Any] = {}

    def advance(self, step: str, amount: int) -> None:
        bar = self.bars.get(step)
        if bar is None:
            from tqdm import tqdm

            desc, unit = self.STEPS[step]
            bar = tqdm(total=self.total_bytes if step == "read" else None, desc=desc, unit=unit,
                       unit_scale=step == "read", position=len(self.bars), leave=False, file=sys.stderr,
                       delay=PROGRESS_DELAY, dynamic_ncols=True)
            self.bars[step] = bar
        bar.update(amount)

    def close(self) -> None:
        for bar in reversed(self.bars.values()):
            bar.close()


@contextmanager
def _ticking(desc: str, *, enabled: bool) -> Iterator[None]:
    """A line that shows the time spent on a step that reports no progress of its own (the index update)."""
    if not enabled:
        yield
        return
    from tqdm import tqdm

    bar = tqdm(desc=desc, bar_format="{desc}: {elapsed}", leave=False, file=sys.stderr, delay=PROGRESS_DELAY)
    done = threading.Event()

    def tick() -> None:
        if done.wait(PROGRESS_DELAY):
            return
        while not done.wait(0.5):
            bar.refresh()

    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    try:
        yield
    finally:
        done.set()
        ticker.join()
        bar.close()
