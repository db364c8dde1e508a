from __future__ import annotations

import json

import click

from archive.cli.common import Context, pass_context
from archive.index import update_after_ingest
from archive.waves import activity_series, apply_waves, proposals_as_json, suggest_waves


@click.group("waves")
def waves_group() -> None:
    """Work with waves: peaks of activity bounded in time.

    \b
    Example:
      archive waves suggest
    """


@waves_group.command("suggest")
@click.option("--weight", metavar="FIELD", help="Sum this numeric field (e.g. workers) instead of counting records.")
@click.option("--window", default=11, show_default=True, type=click.IntRange(min=3),
              help="Years in the moving baseline.")
@click.option("--threshold", default=1.0, show_default=True, type=click.FloatRange(min=0),
              help="How far above the baseline (in robust standard deviations) a year counts as active.")
@click.option("--apply", "apply_", is_flag=True,
              help="Record the proposed waves and put struggles without a wave into them.")
@click.option("--json", "as_json", is_flag=True, help="Print only a JSON array of {start, end, peak, count}.")
@pass_context
def waves_suggest(ctx: Context, weight: str | None, window: int, threshold: float, apply_: bool,
                  as_json: bool) -> None:
    """Propose waves from the dates of struggles and accounts (or a numeric field).

    Finds the peaks of activity above a moving baseline, robust to noise and to a rising or falling
    baseline (the method is documented in archive/waves.py). Struggles already in a wave keep it.

    \b
    Example:
      archive waves suggest
      archive waves suggest --weight workers --json
      archive waves suggest --apply
    """
    engine = ctx.engine(writer=apply_)
    series = activity_series(engine, weight)
    proposals = suggest_waves(series.counts, window=window, threshold=threshold, counts=weight is None)
    if as_json:
        click.echo(json.dumps(proposals_as_json(proposals), ensure_ascii=False))
    else:
        what = f"sum of {weight!r}" if weight else "struggles and accounts"
        click.echo(f"Activity from {series.records} record(s) ({what}); {series.skipped} without a date"
                   + (" or a number" if weight else "") + ".")
        if not proposals:
            click.echo("No wave stands out from the baseline.")
        for p in proposals:
            click.echo(f"  {p.start}–{p.end}  peak {p.peak}  count {p.as_json()['count']}  score {p.score:.1f}")
    if apply_:
        result = apply_waves(engine, proposals)
        message = (f"Recorded {result.waves_added} wave(s); put {result.struggles_assigned} struggle(s) "
                   "into them.")
        click.echo(message, err=as_json)
        update = update_after_ingest(ctx.archive().index_dir, engine, result.changed_ids)
        click.echo(update, err=as_json)
