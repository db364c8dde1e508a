"""Skipping blocks of postings that cannot reach the top N never changes the top N.

Over an index of real passages large enough to hold many posting blocks per term, each query's top 10
(found with block skipping) equals the first 10 of its full ranking (every match scored), and the
skipping does happen, so the comparison means something.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from whoosh.matching.binary import UnionMatcher

from archive.search import whoosh_tuning
from archive.search.index import rebuild_index
from archive.search.searcher import ArchiveSearcher, SearchRequest
from archive.store.config import Archive
from archive.store.ingest import ingest

QUERIES = ["workers", "men work", "women right", "power people", "the people", '"working class"',
           "strik*", "liberty OR freedom", "slavery NOT cotton", "government labour", "revolution army", "strike"]
FAST = {"facets": False, "suggest": False, "count": False, "snippets": False}

pytestmark = pytest.mark.slow  # an index of 4,000 passages of the full Gutenberg texts


def passages(shared_data: Path, count: int) -> list[dict]:
    found = []
    for path in sorted((shared_data / "gutenberg_movement_texts").glob("*.txt")):
        words = path.read_text(encoding="utf-8-sig").split()
        for start in range(1000, len(words) - 200, 131):
            size = 20 + (start * 7) % 180  # varied lengths, so that length normalisation matters
            found.append({"type": "account", "slug": f"p-{len(found)}", "title": " ".join(words[start:start + 8]),
                          "body": " ".join(words[start:start + size]), "visibility": "public",
                          "language": "en"})
            if len(found) == count:
                return found
    return found


@pytest.fixture(scope="module")
def searched(tmp_path_factory: pytest.TempPathFactory, full_shared_data: Path) -> tuple[Archive, Engine]:
    from archive.store.db import make_engine
    from archive.trust.create import init_archive

    root = tmp_path_factory.mktemp("skipping")
    archive = init_archive(root / "archive", title="Skipping")
    engine = make_engine(archive.db_url(), writer=True)
    source = root / "passages.jsonl"
    source.write_text("".join(json.dumps(p) + "\n" for p in passages(full_shared_data, 4000)), encoding="utf-8")
    assert not ingest(engine, [source]).errors
    rebuild_index(archive.index_dir, engine)
    yield archive, engine
    engine.dispose()


@pytest.mark.parametrize("query", QUERIES)
def test_top_ten_is_the_head_of_the_full_ranking(searched: tuple[Archive, Engine], query: str) -> None:
    archive, engine = searched
    with ArchiveSearcher(archive.index_dir, engine) as searcher:
        everything = searcher.search(SearchRequest(query, limit=100_000, **FAST)).hits
        assert len(everything) > 10, query
        for limit in (1, 10):
            top = searcher.search(SearchRequest(query, limit=limit, **FAST)).hits
            assert [(h.slug, h.score) for h in top] == [(h.slug, h.score) for h in everything[:limit]]


def test_blocks_are_skipped(searched: tuple[Archive, Engine], monkeypatch: pytest.MonkeyPatch) -> None:
    archive, engine = searched
    calls: list[int] = []
    safe = UnionMatcher.skip_to_quality

    def counting(self, minquality):  # noqa: ANN001, ANN202
        skipped = safe(self, minquality)
        calls.append(skipped)
        return skipped

    monkeypatch.setattr(UnionMatcher, "skip_to_quality", counting)
    with ArchiveSearcher(archive.index_dir, engine) as searcher:
        for query in QUERIES:
            searcher.search(SearchRequest(query, limit=10, **FAST))
    assert sum(calls) > 0
    assert safe is whoosh_tuning._safe_skip_to_quality
