from __future__ import annotations

import json

import click

from archive.cli.common import Context, pass_context
from archive.continuity.earlier import earlier_struggles
from archive.publish.earlier import SHOWN, public_continuity


@click.command("continuity")
@click.argument("slug")
@click.option("--limit", type=click.IntRange(min=1), help="How many struggles [default: 10; 5 with --public, as on "
              "the site].")
@click.option("--public", "public_only", is_flag=True,
              help="Only public records, redacted: the list the published site shows on the struggle's page.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_context
def continuity_command(ctx: Context, slug: str, limit: int | None, public_only: bool, as_json: bool) -> None:
    """Earlier struggles like this one, from earlier waves, with why and the lessons drawn from them.

    Candidates come from the search index (shared organizational forms, social forces, organizations,
    places and grievances, and Whoosh's more-like-this on the text), so this scales to large archives.
    With --public they come from the same in-memory index over the public, redacted records that the
    published site uses, and SLUG is the struggle's published slug.

    \b
    Example:
      archive continuity make-amazon-pay-black-friday-walkouts
      archive continuity flint-sit-down --limit 5 --json
    """
    if public_only:
        result = public_continuity(ctx.archive(), ctx.engine(), slug, limit=limit or SHOWN)
    else:
        result = earlier_struggles(ctx.engine(), ctx.archive().index_dir, slug, limit=limit or 10)
    if as_json:
        click.echo(json.dumps({
            "slug": result.slug, "title": result.title, "before": result.cutoff, "start": result.start,
            "in_waves": result.in_waves, "rule": result.rule, "notes": result.notes,
            "earlier": [{"slug": e.slug, "title": e.title, "start": e.start, "waves": e.waves, "because": e.because,
                         "score": round(e.score, 3), "reasons": e.reasons,
                         "lessons": [{"balance_sheet": s, "kind": k, "text": t} for s, k, t in e.lessons]}
                        for e in result.earlier],
        }, ensure_ascii=False, indent=2))
        return
    click.echo(f"Earlier struggles like {result.title} ({result.rule}):")
    if not result.earlier:
        click.echo("  none found" + (f": {'; '.join(result.notes)}." if result.notes else "."))
    for number, item in enumerate(result.earlier, 1):
        click.echo(f"{number}. {item.title}  struggle/{item.slug}  {item.start or ''}  [{', '.join(item.waves)}]"
                   f"  {item.because}")
        for reason in item.reasons:
            click.echo(f"     because: {reason}")
        for sheet, kind, text in item.lessons:
            click.echo(f"     {kind} ({sheet}): {text}")
