from __future__ import annotations

from pathlib import Path

import click

from archive.cli.common import Context, pass_context
from archive.publish.demo import build_demo


@click.command("demo")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path), default="demo-archive")
@pass_context
def demo_command(ctx: Context, path: Path) -> None:
    """Build an example archive in PATH from real public records shipped with the package, index it and
    publish its site.

    The records are a curated subset of "Collective Action in Tech" (public domain, Unlicense).

    \b
    Example:
      archive demo ./demo-archive
    """
    result = build_demo(path)
    root = result.archive.root
    click.echo(f"Built the demo archive in {root}: {result.report.added} records, {result.report.stubs} stub(s), "
               f"{result.indexed} indexed for search.")
    click.echo(f"Published the site in {result.site}")
    click.echo(f"  open it:    {(result.site / 'index.html').as_uri()}")
    click.echo(f"  or serve:   archive --archive {root} serve")
    click.echo(f"  search:     archive --archive {root} search strike")
