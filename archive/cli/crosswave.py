from __future__ import annotations

import json

import click

from archive.cli.common import Context, pass_context
from archive.publish.crosswave import demands_across_struggles, lessons_by_category, lineage_of
from archive.publish.lineage import Step


@click.command("demands")
@click.option("--recurring", is_flag=True, help="Only demands raised by more than one struggle.")
@click.option("--public", "public_only", is_flag=True, help="Only public records, as the published site.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_context
def demands_command(ctx: Context, recurring: bool, public_only: bool, as_json: bool) -> None:
    """Each demand across struggles and waves, with its record of outcomes (won, partly won, lost, pending).

    Demands that mean the same are grouped under one heading: wording normalized (case, articles,
    punctuation, plurals), a demand containing another ("a living wage for all campus workers" under
    "living wage"), near-duplicates, and the synonyms an archivist keeps in demands.yaml.

    \b
    Example:
      archive demands --recurring
      archive demands --public --json
    """
    records = demands_across_struggles(ctx.engine(), ctx.archive().root, public_only=public_only,
                                       recurring_only=recurring)
    if as_json:
        click.echo(json.dumps([{
            "demand": r.text, "key": r.key, "variants": r.variants, "outcomes": dict(r.tally),
            "struggles": [{"slug": x.struggle.slug, "title": x.struggle.title, "start": x.struggle.date,
                           "waves": [w.slug for w in x.struggle.linked("waves")], "demand": x.demand.text,
                           "outcome": x.outcome} for x in r.raised],
        } for r in records], ensure_ascii=False, indent=2))
        return
    if not records:
        click.echo("No struggle has recorded demands.")
    for record in records:
        tally = ", ".join(f"{name} {count}" for name, count in record.tally)
        click.echo(f"{record.text}  [{len(record.raised)} struggle{'s' if len(record.raised) != 1 else ''}: {tally}]")
        if record.variants:
            click.echo(f"    also worded: {'; '.join(record.variants)}")
        for raised in record.raised:
            waves = ", ".join(w.slug for w in raised.struggle.linked("waves"))
            click.echo(f"    {raised.outcome:<12} struggle/{raised.struggle.slug}  {raised.struggle.date or ''}"
                       f"{f'  [{waves}]' if waves else ''}")


@click.command("lessons")
@click.option("--category", help="Only this category, e.g. repression, 'lost momentum'.")
@click.option("--public", "public_only", is_flag=True, help="Only public records, as the published site.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_context
def lessons_command(ctx: Context, category: str | None, public_only: bool, as_json: bool) -> None:
    """Limits and lessons from every balance sheet, across all waves, by category.

    Categories come from a controlled vocabulary: built-in ones (repression, lost momentum, internal
    tensions, co-optation, organization, solidarity, strategy, communication, law and bargaining,
    resources, gains) with keywords in English, Spanish, French, German and Dutch, extended in
    archive.toml [lessons] or lessons.yaml. "category: text" files under that category only when the
    vocabulary has it; otherwise the category whose keywords the text uses most, else "other".

    \b
    Example:
      archive lessons --category repression
    """
    categories = lessons_by_category(ctx.engine(), ctx.archive().root, public_only=public_only, category=category)
    if as_json:
        click.echo(json.dumps([{
            "category": c.name, "findings": [
                {"kind": f.kind, "text": f.text, "balance_sheet": f.sheet.slug, "author": f.sheet.fields.get("author"),
                 "assesses": [f"{a.type}/{a.slug}" for a in f.sheet.linked("struggle") + f.sheet.linked("wave")]}
                for f in c.findings]} for c in categories], ensure_ascii=False, indent=2))
        return
    if not categories:
        click.echo(f"No limits or lessons{f' in category {category!r}' if category else ''}.")
    for group in categories:
        click.echo(f"{group.name} ({len(group.findings)})")
        for finding in group.findings:
            click.echo(f"    {finding.kind}: {finding.text}  (balance_sheet/{finding.sheet.slug})")


@click.command("lineage")
@click.argument("slug")
@click.option("--public", "public_only", is_flag=True, help="Only public records, as the published site.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_context
def lineage_command(ctx: Context, slug: str, public_only: bool, as_json: bool) -> None:
    """What an organization (or organizational form) came from and what it led to, across waves.

    \b
    Example:
      archive lineage cio
      archive lineage form/industrial-union --json
    """
    item, lineage = lineage_of(ctx.engine(), ctx.archive().root, slug, public_only=public_only)

    def as_dict(step: Step) -> dict:
        return {"type": step.item.type, "slug": step.item.slug, "title": step.item.title,
                "link": f"{step.edge.source.slug} {step.edge.relation} {step.edge.target.slug}",
                "date": step.edge.date, "waves": [w.slug for w in step.waves],
                "children": [as_dict(c) for c in step.children]}

    if as_json:
        click.echo(json.dumps({"type": item.type, "slug": item.slug, "title": item.title,
                               "ancestors": [as_dict(s) for s in lineage.ancestors],
                               "descendants": [as_dict(s) for s in lineage.descendants],
                               "truncated": lineage.truncated}, ensure_ascii=False, indent=2))
        return

    def show(steps: list[Step], indent: int) -> None:
        for step in steps:
            edge = step.edge
            waves = f"  [{', '.join(w.slug for w in step.waves)}]" if step.waves else ""
            click.echo(f"{'  ' * indent}{step.item.title}  {step.item.type}/{step.item.slug}{waves}")
            click.echo(f"{'  ' * indent}  ({edge.source.title} {edge.words} {edge.target.title}"
                       f"{f', {edge.date}' if edge.date else ''})")
            show(step.children, indent + 1)

    click.echo(f"{item.title}  {item.type}/{item.slug}")
    click.echo("Came from:" if lineage.ancestors else "Came from: nothing recorded")
    show(lineage.ancestors, 1)
    click.echo("Led to:" if lineage.descendants else "Led to: nothing recorded")
    show(lineage.descendants, 1)
    if lineage.truncated:
        click.echo("(the lineage goes further than shown)")
