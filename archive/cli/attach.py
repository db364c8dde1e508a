"""``archive attach`` and ``archive detach``: files on a record (the work is in ``archive.store.attach``)."""

from __future__ import annotations

from pathlib import Path

import click

from archive.cli.common import Context, pass_context
from archive.ingest.record_rules import VISIBILITIES
from archive.search.index import update_after_ingest
from archive.store.attach import CONSENTS, Description, attach_files, detach_files


@click.command("attach")
@click.argument("record", metavar="TYPE/SLUG")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--caption", default="", help="What the file shows or holds; also its alternative text.")
@click.option("--credit", default="", help="Who made it (photographer, recorder), as it should be credited.")
@click.option("--licence", "--license", "licence", default="", help="Its licence, e.g. CC-BY-4.0.")
@click.option("--visibility", type=click.Choice(VISIBILITIES),
              help="Its own visibility; left out, the record's. Never more public than the record.")
@click.option("--consent", type=click.Choice(CONSENTS), help="Consent of the people in it.")
@pass_context
def attach_command(ctx: Context, record: str, files: tuple[Path, ...], caption: str, credit: str, licence: str,
                   visibility: str | None, consent: str | None) -> None:
    """Attach files to a record: leaflet scans, photographs, recordings, documents, transcripts.

    Each file is checked from its bytes (type, size, damage) and read for search (a PDF's text, a
    transcript's cues, OCR of a scan where Tesseract is installed); one bad file refuses the command and
    nothing is kept. Originals are kept once by SHA-256 and never published: the site shows cleaned
    copies with every metadata field removed (docs/attachments.md).

    \b
    Example:
      archive attach account/laundry-walkout scans/leaflet-1937.jpg --caption "Strike leaflet" --credit "T. Ruiz"
      archive attach account/interview-4 interview-4.mp3 interview-4.vtt --visibility restricted
    """
    archive = ctx.archive()
    engine = ctx.engine(writer=True)
    description = Description(caption=caption, credit=credit, licence=licence, visibility=visibility,
                              consent=consent)
    report = attach_files(archive.root, engine, record, list(files), description)
    for label, names in (("attached", report.added), ("replaced", report.replaced),
                         ("described", report.described), ("unchanged", report.unchanged)):
        for name in names:
            click.echo(f"{label:9} {record}/{name}")
    for notice in report.notices:
        click.echo(f"notice: {notice}", err=True)
    click.echo(update_after_ingest(archive.index_dir, engine, [report.record_id]))
    engine.dispose()


@click.command("detach")
@click.argument("record", metavar="TYPE/SLUG")
@click.argument("names", nargs=-1, required=True)
@pass_context
def detach_command(ctx: Context, record: str, names: tuple[str, ...]) -> None:
    """Remove attachments from a record by file name; kept files nothing else uses are deleted.

    \b
    Example:
      archive detach account/interview-4 interview-4.mp3
    """
    archive = ctx.archive()
    engine = ctx.engine(writer=True)
    removed = detach_files(archive.root, engine, record, list(names))
    for name in removed:
        click.echo(f"detached  {record}/{name}")
    with engine.connect() as conn:
        from archive.store.attach import find_record

        record_id, _ = find_record(conn, record)
    click.echo(update_after_ingest(archive.index_dir, engine, [record_id]))
    engine.dispose()
