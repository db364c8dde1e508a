"""Every query form ``archive search`` answers, answered alike by the site's browser search (issue 15).

Two archives: the demo archive (``archive demo``: the shipped records) and a larger one from the shared
data (all 506 actions of Collective Action in Tech as struggles, accounts, places and organizations, the
sample's Dutch, private and embargoed records, and three Spanish accounts written in Markdown). Both
built with ``archive build`` and served over http and opened from file://. For each query of each form,
the browser's top 10 equals ``archive search --public --json``'s (ties may swap).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner
from conftest import TODAY, BuiltSite, _serve, _watch
from test_browser_search import assert_same_ranking
from test_site_data import sample_records

from archive.cli import cli
from archive.publish import build
from archive.publish.demo import build_demo
from archive.search.index import rebuild_index
from archive.store.db import make_engine
from archive.store.ingest import ingest
from archive.trust.create import init_archive

pytestmark = pytest.mark.browser

# Spanish accounts (the shared data sets are in English): Markdown bodies, so that the snippets show
# the rendered text, and inflections only the Spanish analysis joins (huelgas / huelga).
SPANISH = [
    {"type": "account", "slug": "huelga-reparto", "title": "La huelga de los repartidores", "language": "es",
     "date": "2020-04", "kind": "testimony", "visibility": "public",
     "body": "Los **repartidores** de la plataforma hicieron huelga por mejores condiciones de trabajo."},
    {"type": "account", "slug": "huelgas-almacen", "title": "Huelgas en el almacén", "language": "es",
     "date": "2021-11", "kind": "report", "visibility": "public",
     "body": "Tres huelgas seguidas en el almacén de Madrid; los trabajadores pedían *salarios* justos."},
    {"type": "account", "slug": "asamblea-sindical", "title": "Una asamblea sindical", "language": "es",
     "date": "2019-02", "kind": "testimony", "visibility": "public",
     "body": "La asamblea votó la huelga general. Los sindicatos del sector se sumaron."},
]

# One list per form; each query is run on both archives.
FORMS: dict[str, list[str]] = {
    "words": ["strike", "union workers", "amazon warehouse workers", "walkout"],
    "and": ["amazon AND strike", "google AND walkout AND workers"],
    "or": ["strike OR walkout", "uber OR lyft", "(strike OR walkout) pay"],
    "not": ["strike NOT google", "workers NOT (amazon OR uber)", "NOT union", "google ANDNOT walkout"],
    "phrase": ['"working conditions"', '"open letter"', 'title:"google walkout"', "sit-in", '"strike"'],
    "prefix": ["strik*", "walk*", "organi*", "w?lkout", "slug:google*"],
    "field": ["title:walkout", "type:wave", "kind:report", "tags:ethics", "places:usa strike", "type:struggle pay",
              "language:en union"],
    "date": ["date:2019", "date:[2018 to 2019]", "date:>=2020", "date:<1990", "start:[1968 to 1973]",
             "strike date:[2019-01 to 2019-06]", "end:[2019 to]"],
    "boost": ["strike^3 walkout", "(union OR strike)^2 google"],
    "everything": ["*"],
    "spanish": ["huelgas", "huelga general", "repartidores", "salarios justos", '"huelga general"'],
}
QUERIES = [q for queries in FORMS.values() for q in queries]


def _spanish_file(folder: Path) -> Path:
    path = folder / "spanish.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in SPANISH), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    root = tmp_path_factory.mktemp("demo")
    result = build_demo(root / "archive")
    engine = make_engine(result.archive.db_url(), writer=True)
    try:  # the demo builds its site; build again with the tests' date, as the CLI reference uses
        build(result.archive, engine, today=TODAY)
    finally:
        engine.dispose()
    return BuiltSite(result.archive, result.archive.public_dir)


@pytest.fixture(scope="session")
def large_site(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> BuiltSite:
    root = tmp_path_factory.mktemp("large")
    archive = init_archive(root / "archive", title="Browser Test Archive (all actions)")
    sample = root / "sample.jsonl"
    sample.write_text("".join(json.dumps({"visibility": "public", **r}, ensure_ascii=False) + "\n"
                              for r in sample_records(shared_data, limit=506)), encoding="utf-8")
    engine = make_engine(archive.db_url(), writer=True)
    try:
        report = ingest(engine, [sample, _spanish_file(root)], default_language="en")
        assert not report.errors
        rebuild_index(archive.index_dir, engine)
        build(archive, engine, today=TODAY)
    finally:
        engine.dispose()
    return BuiltSite(archive, archive.public_dir)


@pytest.fixture(scope="session")
def demo_http(demo_site: BuiltSite) -> Any:
    yield from _serve(demo_site.out)


@pytest.fixture(scope="session")
def large_http(large_site: BuiltSite) -> Any:
    yield from _serve(large_site.out)


@pytest.fixture(params=["demo-http", "demo-file", "large-http", "large-file"])
def site(request: pytest.FixtureRequest, browser: Any) -> Any:
    yield from _site(request, browser)


@pytest.fixture(params=["large-http", "large-file"])
def large(request: pytest.FixtureRequest, browser: Any) -> Any:
    """The larger archive only: it holds the Spanish accounts and the sample's bare stub."""
    yield from _site(request, browser)


def _site(request: pytest.FixtureRequest, browser: Any) -> Any:
    name, transport = request.param.split("-")
    built = request.getfixturevalue(f"{name}_site")
    base = request.getfixturevalue(f"{name}_http") if transport == "http" else built.out.as_uri() + "/"
    for watched in _watch(browser, base):
        watched.built, watched.name = built, name
        yield watched


def cli_hits(built: BuiltSite, query: str, *options: str) -> list[dict[str, Any]]:
    args = ["--archive", str(built.archive.root), "search", "--public", "--json", "--limit", "1000", *options, query]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def site_results(watched: Any, query: str, **filters: str) -> list[tuple[str, float]]:
    page = watched.page
    page.goto(watched.base + "search.html?" + urlencode({"q": query, **filters}))
    page.wait_for_function("() => document.getElementById('search-form').dataset.done")
    return [(key, int(score) / 10_000) for key, score in page.eval_on_selector_all(
        "#search-results li", "els => els.map(e => [e.dataset.key, e.dataset.score])")]


@pytest.mark.parametrize("query", QUERIES)
def test_every_query_form_ranks_as_archive_search_public(site: Any, query: str) -> None:
    reference = cli_hits(site.built, query)[:10]
    if query in FORMS["spanish"] and site.name == "large":
        assert reference, f"the CLI finds nothing for {query!r}: the Spanish accounts are not searched"
    assert_same_ranking(site_results(site, query), reference)
    site.assert_clean()


def test_the_query_set_is_not_vacuous(demo_site: BuiltSite, large_site: BuiltSite) -> None:
    """Every query matches records in one archive or the other, and every form matches in the larger one."""
    for form, queries in FORMS.items():
        found = {query: bool(cli_hits(large_site, query)) for query in queries}
        assert any(found.values()), form
        for query in queries:
            assert found[query] or cli_hits(demo_site, query), (form, query)


@pytest.mark.parametrize(("filters", "options"), [
    ({"place": "usa"}, ["--place", "usa"]),
    ({"kind": "report"}, ["--kind", "report"]),
    ({"language": "en"}, ["--lang", "en"]),
    ({"type": "account", "kind": "report"}, ["--type", "account", "--kind", "report"]),
])
def test_filters_equal_the_cli_options(site: Any, filters: dict[str, str], options: list[str]) -> None:
    reference = cli_hits(site.built, "workers", *options)[:10]
    assert reference
    assert_same_ranking(site_results(site, "workers", **filters), reference)
    site.assert_clean()


@pytest.mark.parametrize(("filters", "options"), [
    ({"language": "es"}, ["--lang", "es"]),
    ({"type": "account", "kind": "testimony", "language": "es"}, ["--type", "account", "--kind", "testimony",
                                                                  "--lang", "es"]),
])
def test_spanish_filters_equal_the_cli_options(large: Any, filters: dict[str, str], options: list[str]) -> None:
    site, query = large, "huelga"
    reference = cli_hits(site.built, query, *options)[:10]
    assert reference
    assert_same_ranking(site_results(site, query, **filters), reference)
    site.assert_clean()


def test_date_range_filter_keeps_records_dated_within(site: Any) -> None:
    hits = site_results(site, "workers", **{"from": "2019", "to": "2020-06"})
    reference = {f"{h['type']}/{h['slug']}" for h in cli_hits(site.built, "workers date:[2019 to 2020-06]")}
    assert hits and {key for key, _ in hits} <= reference
    site.assert_clean()


def test_snippets_are_highlighted_without_markdown(large_http: str, browser: Any, large_site: BuiltSite) -> None:
    for watched in _watch(browser, large_http):
        site_results(watched, "repartidores")
        snippet = watched.page.locator("#search-results li .snippet").first
        assert snippet.locator("mark").first.inner_text() == "repartidores"
        assert "**" not in snippet.inner_text()
        site_results(watched, "huelgas")
        marks = watched.page.locator("#search-results li .snippet mark").all_inner_texts()
        assert {m.lower() for m in marks} >= {"huelga", "huelgas"}  # inflections the analysis joins
        watched.assert_clean()


def test_did_you_mean_draws_on_public_words_only(site: Any) -> None:
    page = site.page
    site_results(site, "strikke")
    assert page.locator("#search-suggestion a").inner_text() == "strike"
    page.locator("#search-suggestion a").click()
    page.wait_for_function("() => document.getElementById('q').value === 'strike'")
    # A word only a private or embargoed record holds is never suggested.
    site_results(site, "SECRETMARKERPRIVATF")
    assert "SECRET" not in page.locator("#search-suggestion").inner_text().upper()
    site.assert_clean()


def test_a_bare_stub_ranks_below_described_records(large: Any) -> None:
    site = large
    hits = site_results(site, "undescribed struggle")
    assert [key for key, _ in hits][:1] == ["account/names-unknown-struggle"]
    assert "struggle/undescribed-struggle" in [key for key, _ in hits]
    assert_same_ranking(hits, cli_hits(site.built, "undescribed struggle")[:10])
    site.assert_clean()


@pytest.mark.parametrize(("query", "says"), [("strike~", "Fuzzy"), ("*kout", "wildcard"), ("date:2020-13", "date"),
                                             ("date:[2019 2020]", "range")])
def test_forms_the_site_cannot_answer_say_so(site: Any, query: str, says: str) -> None:
    assert site_results(site, query) == []
    assert says in site.page.locator("#search-status").inner_text()
    site.assert_clean()
