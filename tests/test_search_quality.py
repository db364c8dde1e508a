"""Search finds what readers mean (issue 17): each synthetic case, through ``archive search``.

One small archive: the Dutch account whose sentences are joined without a space, English accounts for the
bus and boycott families and the sit-in compound, a Spanish account, two Dutch records for Philips and
Philip, an English record naming Philip, and an account that links to an organization only by name
(a bare stub) beside a described organization with the same words.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.search.index import rebuild_index
from archive.search.searcher import ArchiveSearcher, SearchRequest
from archive.store.db import make_engine
from archive.store.ingest import ingest
from archive.trust.create import init_archive
from tests.helpers import PUBLIC

RECORDS = {
    "dutch-joins.md": """---
type: account
slug: dutch-joins
title: Verslag uit de haven
language: nl
---
Na de staking.De directie ontsloeg de havenarbeiders.In augustus 1937.01.11 kwamen zij terug.
""",
    "buses.md": """---
type: account
slug: buses
title: Drivers
---
The drivers parked the buses in the depot and walked out.
""",
    "boycott-family.yaml": """
- {type: account, slug: boycotting, title: Consumers, body: "Consumers were boycotting the grapes."}
- {type: account, slug: boycotted, title: Growers, body: "The growers were boycotted for five years."}
- {type: account, slug: boycotts, title: Unions, body: "Unions called boycotts across the country."}
- {type: account, slug: boycott, title: Call, body: "The call for a boycott reached Europe."}
""",
    "sit.yaml": """
- {type: account, slug: sit-in, title: Lunch counter, body: "Students held a sit-in at the lunch counter."}
- {type: account, slug: sit-down, title: Flint, body: "Workers sit in the plant and refuse to leave."}
""",
    "huelga.md": """---
type: account
slug: huelga
title: La fábrica
language: es
---
La huelga duró tres semanas en la fábrica textil.
""",
    "philips.yaml": """
- {type: account, slug: philips-nl, title: Bij Philips, body: "De arbeiders van Philips legden het werk neer.",
   language: nl}
- {type: account, slug: philip-nl, title: Een brief, body: "Philip schreef een brief aan het comité.", language: nl}
- {type: account, slug: philip-en, title: A letter, body: "Philip wrote to the committee.", language: en}
""",
    "stub.yaml": """
- {type: struggle, slug: the-march, title: The march, body: "Thousands marched through the capital.",
   organizations: [coalition-of-tenants]}
- type: organization
  slug: tenants-league
  title: Tenants League
  body: >-
    The league organized tenants across the city for two decades: rent strikes, eviction defence, a
    newspaper and a school for organizers. Its coalition with the tenants of the harbour districts
    outlived the strikes of the thirties.
""",
}


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ArchiveSearcher]:
    root = tmp_path_factory.mktemp("quality")
    archive = init_archive(root / "archive", title="Search quality")
    texts = root / "texts"
    texts.mkdir()
    for name, text in RECORDS.items():
        (texts / name).write_text(text, encoding="utf-8")
    engine = make_engine(archive.db_url(), writer=True)
    report = ingest(engine, [texts], defaults=PUBLIC)
    assert not report.errors, report.errors[:3]
    rebuild_index(archive.index_dir, engine)
    with ArchiveSearcher(archive.index_dir, engine) as opened:
        yield opened
    engine.dispose()


def slugs(searcher: ArchiveSearcher, query: str, **options: object) -> list[str]:
    result = searcher.search(SearchRequest(query, limit=50, suggest=False, **options))  # type: ignore[arg-type]
    return [hit.slug for hit in result.hits]


@pytest.mark.parametrize("query", ["staking", "havenarbeiders", "directie", "augustus", "1937.01.11"])
def test_words_joined_by_a_full_stop_are_found(searcher: ArchiveSearcher, query: str) -> None:
    assert slugs(searcher, query) == ["dutch-joins"]


def test_bus_finds_buses(searcher: ArchiveSearcher) -> None:
    assert slugs(searcher, "bus") == ["buses"]
    assert slugs(searcher, "buses") == ["buses"]


@pytest.mark.parametrize("query", ["boycotting", "boycott", "boycotts", "boycotted"])
def test_each_form_of_boycott_finds_the_whole_family(searcher: ArchiveSearcher, query: str) -> None:
    assert sorted(slugs(searcher, query)) == ["boycott", "boycotted", "boycotting", "boycotts"]


def test_spanish_plural_finds_the_singular(searcher: ArchiveSearcher) -> None:
    assert slugs(searcher, "huelgas") == ["huelga"]
    assert slugs(searcher, "huelgas", languages=["es"]) == ["huelga"]


def test_a_compound_matches_as_a_compound(searcher: ArchiveSearcher) -> None:
    assert slugs(searcher, "sit-in") == ["sit-in"]
    assert slugs(searcher, "sit-ins") == ["sit-in"]
    assert sorted(slugs(searcher, "sit")) == ["sit-down", "sit-in"]  # the word alone still finds both


def test_a_dutch_query_for_philips_does_not_match_philip(searcher: ArchiveSearcher) -> None:
    assert slugs(searcher, "Philips", languages=["nl"]) == ["philips-nl"]
    assert sorted(slugs(searcher, "Philip", languages=["nl"])) == ["philip-nl"]
    assert slugs(searcher, "Philip", languages=["en"]) == ["philip-en"]


def test_a_described_record_ranks_above_a_bare_stub(searcher: ArchiveSearcher) -> None:
    # The stub's title is its name, three words long; unweighted, it would lead for "coalition".
    for query in ("coalition", "coalition tenants"):
        result = searcher.search(SearchRequest(query, types=["organization"], suggest=False))
        assert [hit.slug for hit in result.hits] == ["tenants-league", "coalition-of-tenants"]
        described, stub = result.hits
        assert described.score is not None and stub.score is not None and described.score > stub.score


def test_a_dutch_archive_with_stubs_analyzes_queries_in_dutch_only(tmp_path: Path) -> None:
    # The stub (named by the struggle, no language of its own) must not add English to every query.
    archive = init_archive(tmp_path / "archive", title="Dutch only")
    (tmp_path / "nl.yaml").write_text(RECORDS["philips.yaml"].split("- {type: account, slug: philip-en")[0] + """
- {type: struggle, slug: staking-bij-philips, title: Staking bij Philips, language: nl,
   body: "De arbeiders van Philips staakten.", organizations: [comite-van-philip]}
""", encoding="utf-8")
    engine = make_engine(archive.db_url(), writer=True)
    assert not ingest(engine, [tmp_path / "nl.yaml"], defaults=PUBLIC).errors
    rebuild_index(archive.index_dir, engine)
    with ArchiveSearcher(archive.index_dir, engine) as opened:
        assert opened.languages == ["nl"]
        assert sorted(slugs(opened, "Philips")) == ["philips-nl", "staking-bij-philips"]
        assert sorted(slugs(opened, "Philips", public=True)) == ["philips-nl", "staking-bij-philips"]
    engine.dispose()
