from __future__ import annotations

import json

import click

from archive.cli.common import Context, pass_context
from archive.continuity.waves import wave_spans_of
from archive.search.lookup import show, stats
from archive.store.models import Wave


@click.command("stats")
@click.option("--stubs", "list_stubs", is_flag=True, help="List every stub still to be described.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object, for scripts.")
@pass_context
def stats_command(ctx: Context, list_stubs: bool, as_json: bool) -> None:
    """Counts per type and visibility, stubs to describe by type, and embargoes ending within 30 days.

    Each record counts as what the public sees of it today: public (on the site now, by the rule the
    site is built with), or else the first that applies of private, restricted, embargoed and
    withdrawn (consent).

    \b
    Example:
      archive stats
      archive stats --stubs
      archive stats --json | jq .records.account
    """
    data = stats(ctx.engine(), list_stubs=list_stubs or as_json)
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    click.echo(f"{data['total']} records, by what the public sees of them today")
    for record_type, counts in data["records"].items():
        if counts["total"]:
            detail = ", ".join(f"{v} {k}" for k, v in counts.items() if k != "total")
            click.echo(f"  {record_type:13} {counts['total']:7}  ({detail})")
    stubs = data["stubs"]
    if stubs["total"]:
        by_type = ", ".join(f"{n} {t}" for t, n in stubs["by_type"].items())
        click.echo(f"{stubs['total']} stub(s) to be described ({by_type})"
                   + (":" if list_stubs else "; 'archive stats --stubs' lists them"))
        for stub in stubs["to_describe"] if list_stubs else []:
            click.echo(f"  {stub['type']}/{stub['slug']}  {stub['title']}")
    soon = data["embargoes_ending_within_30_days"]
    if soon:
        click.echo("Embargoes ending within 30 days (review before release):")
        for item in soon:
            click.echo(f"  {item['embargo_until']}  {item['type']}/{item['slug']}")


@click.command("show")
@click.argument("slug")
@click.option("--type", "record_type", help="The record's type, when several types share the slug.")
@pass_context
def show_command(ctx: Context, slug: str, record_type: str | None) -> None:
    """Show one record with its fields, tags and links. SLUG may be written TYPE/SLUG.

    \b
    Example:
      archive show google-walkout-2018
      archive show place/oakland
    """
    views = show(ctx.engine(), slug, record_type)
    spans = wave_spans_of(ctx.engine(), [v.record.slug for v in views if v.record.type == "wave"])
    for view in views:
        record = view.record
        stub = "  (stub: to be described)" if record.is_stub else ""
        click.echo(f"{record.type}/{record.slug}{stub}")
        click.echo(f"  title: {record.title}")
        for name, value in view.fields.items():
            if isinstance(value, list):
                value = "; ".join(str(v) for v in value)
            click.echo(f"  {name}: {value}")
        span = spans.get(record.slug) if isinstance(record, Wave) and not record.start else None
        if span is not None:  # a wave without dates: say where its span comes from
            click.echo(f"  span: {span.describe()}")
        if view.tags:
            click.echo(f"  tags: {', '.join(view.tags)}")
        for name, value in sorted(record.extra.items()):
            click.echo(f"  {name}: {value}")
        click.echo(f"  revisions: {view.revisions}")
        for link in view.links_out:
            dated = f" ({link.date})" if link.date else ""
            click.echo(f"  -> {link.relation}: {link.type}/{link.slug}{dated}  {link.title}")
        for link in view.links_in:
            dated = f", {link.date}" if link.date else ""
            click.echo(f"  <- {link.type}/{link.slug} ({link.relation}{dated})  {link.title}")
        if record.body:
            click.echo("")
            click.echo(record.body)
        click.echo("")
