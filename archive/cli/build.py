from __future__ import annotations

from pathlib import Path

import click

from archive.cli.common import Context, pass_context


@click.command("build")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="The folder to publish into. Default: ARCHIVE/public.")
@click.option("--lang", "language", metavar="CODE",
              help="The language of the site's interface (en, es, fr, de, nl, ar, ...). Default: [site] language "
                   "in archive.toml, else the archive's language when a translation exists, else English.")
@click.option("--allow-unverified", is_flag=True,
              help="Publish even records whose content no longer matches its hash (they are listed).")
@pass_context
def build_command(ctx: Context, out: Path | None, language: str | None, allow_unverified: bool) -> None:
    """Publish the public records as a static site: pages, feed, sitemap and browser search.

    The site also has an About page, the records as JSON and CSV downloads (data/), a citation on each
    record page and the cleaned copies of attached files. sitemap.xml is written when archive.toml sets
    [site] base_url (the site's public address; see docs/about-and-data.md).

    Only public records whose embargo has passed and whose consent stands are published, and only if each
    still matches its content hash; the command says how many records it left out, and why (restricted,
    private, embargoed, consent withdrawn, or a stub that only non-public records name). The new site is
    built beside the old one and swapped in whole, so an error leaves the previous site as it was. The
    manifest is signed with the archive's key (ARCHIVE/keys/, made on the first build); check a copy with
    'archive verify --site'. The folder opens from file:// or any static host.

    \b
    Example:
      archive build
      archive build --out /media/usb/archive-site
      archive build --lang ar
    """
    from archive.publish import build

    archive = ctx.archive()
    engine = ctx.engine()
    try:
        report = build(archive, engine, out, allow_unverified=allow_unverified, language=language)
    finally:
        engine.dispose()
    for notice in report.notices:
        click.echo(notice, err=True)
    for problem in report.unverified:
        click.echo(f"published unverified: {problem}", err=True)
    for refused in report.media_refused:
        click.echo(f"not published: {refused}", err=True)
    write = report.write
    click.echo(f"Built {report.pages} pages from {report.records} public records in {report.seconds:.1f}s: "
               f"{len(write.written)} file(s) written, {write.unchanged} unchanged, {len(write.deleted)} deleted.")
    click.echo(f"Signed manifest.json with the archive's key {report.signer}.")
    for notice in report.notices:
        click.echo(notice)
    if report.left_out:
        reasons = ", ".join(f"{count} {reason}" for reason, count in report.left_out.items())
        click.echo(f"Left out {sum(report.left_out.values())} record(s) that are not public: {reasons}.")
        if not report.records:
            click.echo("Nothing is public yet: set 'visibility: public' on the records you mean to publish, "
                       "then build again.")
    click.echo(f"Open {(report.out / 'index.html').as_uri()} or run: archive serve")
