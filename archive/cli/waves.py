from __future__ import annotations

import json

import click

from archive.cli.common import Context, pass_context
from archive.continuity.wave_activity import RESOLUTIONS, activity_series
from archive.continuity.waves import apply_waves, proposals_as_json, suggest_by_place, suggest_waves
from archive.search.index import update_after_ingest


@click.group("waves")
def waves_group() -> None:
    """Work with waves: peaks of activity bounded in time.

    \b
    Example:
      archive waves suggest
    """


@waves_group.command("suggest")
@click.option("--weight", metavar="FIELD", help="Sum this numeric field (e.g. workers) instead of counting records; "
              "cells such as '1000s', '50+' or '2-3 thousand' are read.")
@click.option("--by", "by", type=click.Choice(["place"]), help="Also look for waves in each place's own series "
              "(a record counts for its places and the places enclosing them).")
@click.option("--resolution", type=click.Choice(RESOLUTIONS), default="year", show_default=True,
              help="Periods to count in; month uses only records dated to the month (for a short series).")
@click.option("--window", default=11, show_default=True, type=click.IntRange(min=3),
              help="Periods in the moving baseline that sharp peaks are measured against.")
@click.option("--threshold", default=1.0, show_default=True, type=click.FloatRange(min=0),
              help="How far above the baseline (in robust standard deviations) a period counts as active.")
@click.option("--apply", "apply_", is_flag=True,
              help="Record the proposed waves and put struggles without a wave into them.")
@click.option("--json", "as_json", is_flag=True,
              help="Print only a JSON array of {start, end, peak, count, score, kind[, place]}.")
@pass_context
def waves_suggest(ctx: Context, weight: str | None, by: str | None, resolution: str, window: int, threshold: float,
                  apply_: bool, as_json: bool) -> None:
    """Propose waves from the dates of struggles and accounts (or a numeric field).

    Finds sharp peaks above a moving median and sustained levels that stand above the years around them
    (change-point segmentation); the method is documented in archive/continuity/waves.py. Struggles already in a
    wave keep it.

    \b
    Example:
      archive waves suggest
      archive waves suggest --weight workers --json
      archive waves suggest --by place
      archive waves suggest --resolution month
      archive waves suggest --apply
    """
    engine = ctx.engine(writer=apply_)
    series = activity_series(engine, weight, resolution=resolution, by_place=by == "place")
    counts = weight is None
    proposals = suggest_waves(series.counts, resolution=resolution, window=window, threshold=threshold, counts=counts)
    if by == "place":
        proposals += suggest_by_place(series, window=window, threshold=threshold, counts=counts)
    if as_json:
        click.echo(json.dumps(proposals_as_json(proposals), ensure_ascii=False))
    else:
        what = f"sum of {weight!r}" if weight else "struggles and accounts"
        undated = "without a date" + (" to the month" if resolution == "month" else "")
        click.echo(f"Activity from {series.records} record(s) ({what}); {series.skipped} {undated}"
                   + (" or a number" if weight else "") + ".")
        if not proposals:
            click.echo("No wave stands out from the baseline.")
        for p in proposals:
            where = f"  in {p.place_title or p.place} (place/{p.place})" if p.place else ""
            click.echo(f"  {p.label(p.start)}–{p.label(p.end)}  peak {p.label(p.peak)}  count "
                       f"{p.as_json()['count']}  score {p.score:.1f}  ({p.kind}){where}")
    if apply_:
        result = apply_waves(engine, proposals)
        message = (f"Recorded {result.waves_added} wave(s); put {result.struggles_assigned} struggle(s) "
                   "into them.")
        click.echo(message, err=as_json)
        update = update_after_ingest(ctx.archive().index_dir, engine, result.changed_ids)
        click.echo(update, err=as_json)
