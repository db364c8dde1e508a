"""``archive search``: the command; the work is in ``archive.search.searcher``."""

from __future__ import annotations

import json
import sys

import click

from archive.cli.common import Context, pass_context
from archive.search.searcher import SORTS, SearchRequest, SearchResult, search
from archive.store.dbapi import StoreReader, StoreUnavailable, open_reader, safe_url

FACET_LABELS = {"type": "type", "waves": "wave", "kind": "kind", "places": "place"}
FACETS_SHOWN = 8


@click.command("search")
@click.argument("query", nargs=-1, required=True)
@click.option("--type", "types", multiple=True, metavar="TYPE", help="Only records of this type (repeatable).")
@click.option("--wave", "waves", multiple=True, metavar="SLUG", help="Only records in this wave (repeatable).")
@click.option("--place", "places", multiple=True, metavar="SLUG", help="Only records in this place (repeatable).")
@click.option("--kind", "kinds", multiple=True, metavar="KIND",
              help="Only accounts (or articulations) of this kind, e.g. testimony (repeatable).")
@click.option("--lang", "languages", multiple=True, metavar="CODE",
              help="Only records in this language, e.g. nl (repeatable).")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(min=1), help="Results per page.")
@click.option("--page", default=1, show_default=True, type=click.IntRange(min=1), help="Which page of results.")
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True,
              help="Rank by relevance, or order by date (oldest first).")
@click.option("--public", is_flag=True, help="Only records in the public projection, as the published site.")
@click.option("--json", "as_json", is_flag=True,
              help="Print only a JSON array of {type, slug, title, score, date, snippet}.")
@pass_context
def search_command(ctx: Context, query: tuple[str, ...], types: tuple[str, ...], waves: tuple[str, ...],
                   places: tuple[str, ...], kinds: tuple[str, ...], languages: tuple[str, ...], limit: int,
                   page: int, sort: str, public: bool, as_json: bool) -> None:
    """Search the archive with Whoosh's query language.

    Words must all match (AND is the default); OR, NOT, "exact phrases", field:value, wildcards (strik*)
    and date ranges work. Fields: title, body, type, slug, kind, language, date, start, end, places,
    waves, struggles, forms, forces, organizations, tags, visibility.

    \b
    Example:
      archive search walkout
      archive search '"real change" OR strike NOT google' --type account
      archive search 'date:[2020-05-01 to 2020-06-30]' --sort date
      archive search stakingen --lang nl --json
    """
    archive = ctx.archive()
    request = SearchRequest(" ".join(query), types=types, waves=waves, places=places, kinds=kinds,
                            languages=languages, limit=limit, page=page, sort=sort, public=public,
                            facets=not as_json, suggest=not as_json, count=not as_json,
                            redactions=_redactions(archive) if public else None)
    # A public search loads the projection through SQLAlchemy; any other reads a few rows, through the
    # DB-API, so that the command does not pay for importing SQLAlchemy and the models (archive.store.dbapi).
    store = ctx.engine() if public else _reader(ctx) or ctx.engine()
    try:
        result = search(archive.index_dir, store, request)
    finally:
        # Close the connection now (an engine: its pool), not when the interpreter gets to it.
        store.close() if isinstance(store, StoreReader) else store.dispose()
    if as_json:
        click.echo(json.dumps([hit.as_json() for hit in result.hits], ensure_ascii=False, indent=2))
        return
    _print(result, styled=sys.stdout.isatty())


def _print(result: SearchResult, *, styled: bool) -> None:
    if result.suggestion:
        click.echo(f"Did you mean: {result.suggestion}")
    if result.stop_words_only:
        click.echo("The query has only common words that are not indexed (such as 'the'); add another word.")
        return
    if not result.total:
        click.echo("No records match.")
        return
    first = (result.page - 1) * result.per_page + 1
    click.echo(f"{result.total} record(s) match; page {result.page} of {result.pages}.")
    for number, hit in enumerate(result.hits, start=first):
        marks = [] if hit.public else ["NOT PUBLIC"]
        if not hit.in_store:
            marks.append("missing from the store: run 'archive verify'")
        mark = f"  [{'; '.join(marks)}]" if marks else ""
        score = f"{hit.score:.2f}" if hit.score is not None else "-"
        title = click.style(hit.title, bold=True) if styled else hit.title
        click.echo(f"\n{number}. {title}{mark}")
        click.echo(f"   {hit.type}/{hit.slug}   {hit.date or 'undated'}   score {score}")
        if hit.snippet:
            click.echo(f"   {_highlight(hit.snippet, styled)}")
    facets = [(name, counts) for name, counts in result.facets.items() if counts]
    if facets:
        click.echo("")
        for name, counts in facets:
            shown = ", ".join(f"{key} ({count})" for key, count in list(counts.items())[:FACETS_SHOWN])
            more = f", … {len(counts) - FACETS_SHOWN} more" if len(counts) > FACETS_SHOWN else ""
            click.echo(f"By {FACET_LABELS[name]}: {shown}{more}")


def _highlight(snippet: str, styled: bool) -> str:
    """Show **marked** matches in bold on a terminal; keep the marks elsewhere."""
    if not styled:
        return snippet
    parts = snippet.split("**")
    return "".join(click.style(part, bold=True) if i % 2 else part for i, part in enumerate(parts))



def _reader(ctx: Context) -> StoreReader | None:
    """The store through the DB-API, its schema checked; None for a database URL only an engine opens."""
    url = ctx.archive().db_url(ctx.db_url)
    try:
        return open_reader(url)
    except StoreUnavailable as exc:
        raise click.ClickException(f"cannot open the database {safe_url(url)}: {exc}") from None


def _redactions(archive) -> dict[str, str]:  # noqa: ANN001
    from archive.ingest.redaction import load_redactions  # only a public search reads them

    return load_redactions(archive.root)
