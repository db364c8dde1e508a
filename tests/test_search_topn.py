"""The top N of a search are the first N of the whole ranking, whatever N is (no unsafe shortcuts)."""

from __future__ import annotations

import pytest

from archive.search.index import rebuild_index
from archive.search.searcher import ArchiveSearcher, SearchRequest
from archive.store.ingest import ingest
from tests.helpers import PUBLIC
from tests.test_site_data import write_sample

QUERIES = ["union workers", "open letter", "strike", "workers pay", "contract workers strike", "union"]


@pytest.mark.parametrize("public", [True, False])
def test_limit_never_changes_the_leaders(archive, engine, tmp_path, shared_data, public):
    assert ingest(engine, [write_sample(tmp_path / "sample", shared_data)], defaults=PUBLIC).errors == []
    rebuild_index(archive.index_dir, engine)
    options = {"public": public, "facets": False, "suggest": False, "count": False}
    with ArchiveSearcher(archive.index_dir, engine) as searcher:
        for query in QUERIES:
            everything = [h.slug for h in searcher.search(SearchRequest(query, limit=1000, **options)).hits]
            assert everything, query
            for limit in (1, 3, 10, 20):
                top = [h.slug for h in searcher.search(SearchRequest(query, limit=limit, **options)).hits]
                assert top == everything[:limit], (query, limit)
