"""The block-by-block top N (archive.search.topn) gives Whoosh's own answer: the same documents, in the
same order, with the same scores to the bit, and the exact count, on real texts."""

from __future__ import annotations

import pytest

from archive.search import topn
from archive.search.index import rebuild_index, update_index
from archive.search.searcher import ArchiveSearcher, SearchRequest
from archive.store.ingest import ingest
from tests.helpers import PUBLIC
from tests.test_site_data import write_sample

# Which of these the block scorer takes depends on the analysis (a word whose English and Dutch terms
# differ becomes an OR of four terms, left to Whoosh); the test asks it, and needs several of each kind.
QUERIES = ["strike", "union workers", "workers OR pay", "title:strike", "body:union", "title:workers union",
           "open letter", "(strike OR walkout) (pay OR wages)", "contract", "nonexistentwordxyz", "strike workers",
           "staking", "contract workers strike", '"open letter"', "strik*", "union NOT google",
           "strike OR union OR pay"]


def _ranked(searcher: ArchiveSearcher, query: str, **options: object) -> tuple[list[tuple[str, float]], int]:
    result = searcher.search(SearchRequest(query, facets=False, suggest=False, snippets=False, **options))
    return [(hit.slug, hit.score) for hit in result.hits], result.total


@pytest.mark.parametrize("public", [False, True])
def test_block_scoring_equals_whooshs_matchers(archive, engine, tmp_path, shared_data, monkeypatch, public):
    assert ingest(engine, [write_sample(tmp_path / "sample", shared_data)], defaults=PUBLIC).errors == []
    rebuild_index(archive.index_dir, engine)
    # Replace some documents, so that segments hold deleted documents the scorer must leave out.
    with engine.connect() as conn:
        some = [row[0] for row in conn.exec_driver_sql("SELECT id FROM records ORDER BY id LIMIT 40")]
    update_index(archive.index_dir, engine, some)
    used = []
    original = topn.top

    def counting(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        found = original(*args, **kwargs)
        used.append(found is not None)
        return found

    handled, found = set(), set()  # queries the block scorer took, and those of them with hits
    with ArchiveSearcher(archive.index_dir, engine) as searcher:
        for query in QUERIES:
            for options in ({"limit": 10, "count": True}, {"limit": 3, "page": 2, "count": True},
                            {"limit": 10, "count": True, "types": ["account"]}):
                monkeypatch.setattr(topn, "top", counting)
                used.clear()
                ours = _ranked(searcher, query, public=public, **options)
                monkeypatch.setattr(topn, "top", lambda *args, **kwargs: None)
                whooshs = _ranked(searcher, query, public=public, **options)
                assert ours == whooshs, (query, options)
                assert len(used) == 1, query  # every query here has words to search for
                if used[0]:
                    handled.add(query)
                    if ours[0]:
                        found.add(query)
    assert len(found) >= 5 and len(set(QUERIES) - handled) >= 5, (handled, found)


def test_supported_shapes() -> None:
    from whoosh import query as wq

    term = wq.Term("body", "strike")
    assert topn.supports(term) and topn.supports(wq.Or([term, wq.Term("title", "strike", boost=2.0)]))
    assert topn.supports(wq.And([wq.Or([term, term]), term]))
    assert not topn.supports(wq.And([term, term, term]))  # three parts add in an order that matters
    assert not topn.supports(wq.Or([term, term], scale=0.5))
    assert not topn.supports(wq.Phrase("body", ["open", "letter"])) and not topn.supports(wq.Prefix("body", "str"))
    assert not topn.supports(wq.AndNot(term, term))
