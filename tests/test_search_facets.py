"""Facet counts and collection statistics computed the fast way equal Whoosh's own, on an index with
several segments and deleted documents; the facet map is kept per index generation."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from whoosh import sorting

from archive.search.facets import CACHE_PREFIX
from archive.search.index import current_dir, stray_files, update_index
from archive.search.index_verify import verify_index
from archive.search.query import expand_languages
from archive.search.scoring import CollectionStats
from archive.search.searcher import FACETS, ArchiveSearcher, SearchRequest, _counts
from archive.store.config import Archive
from archive.store.ingest import ingest

PLACES = ["Flint", "Detroit", "Oakland", "Seattle"]


def records(count: int, version: str = "") -> str:
    lines = ["- {type: wave, slug: w-1, title: First wave, visibility: public}",
             "- {type: struggle, slug: s-1, title: Sit-down strike, waves: [w-1], visibility: public}",
             "- {type: struggle, slug: s-2, title: Dock strike, visibility: public}"]
    for n in range(count):
        places = ", ".join(PLACES[: n % 4])
        lines.append(f"- {{type: account, slug: a-{n}, title: Strike account {n}{version}, kind: "
                     f"{['testimony', 'leaflet', 'minutes'][n % 3]}, struggles: [s-{1 + n % 2}], "
                     f"places: [{places}], visibility: public, body: The workers sat down and struck {n} "
                     f"{'union ' * (n % 5)}}}")
    return "\n".join(lines) + "\n"


def ingest_text(engine: Engine, folder: Path, name: str, text: str) -> list[int]:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    report = ingest(engine, [path])
    assert not report.errors, report.errors
    return report.changed_ids


def whoosh_facets(searcher: ArchiveSearcher, query: str) -> tuple[int, dict[str, dict[str, int]]]:
    """How many documents match, and what Whoosh's own field facets count for them."""
    q = expand_languages(searcher.parser.parse(query), searcher.languages).normalize()
    groups = {name: sorting.FieldFacet(name, allow_overlap=name in ("waves", "places")) for name in FACETS}
    results = searcher.searcher.search(q, limit=None, groupedby=groups, maptype=sorting.Count)
    return len(list(searcher.searcher.docs_for_query(q))), {name: _counts(results.groups(name)) for name in FACETS}


def test_facets_and_statistics_match_whoosh_after_updates(archive: Archive, engine: Engine, tmp_path: Path) -> None:
    update_index(archive.index_dir, engine, ingest_text(engine, tmp_path, "first.yaml", records(60)))
    # Update a third of the accounts and delete none: new segments, deleted documents in the old one.
    changed = ingest_text(engine, tmp_path, "second.yaml", records(20, version=" (revised)"))
    update_index(archive.index_dir, engine, changed)
    with ArchiveSearcher(archive.index_dir, engine) as searcher:
        reader = searcher.searcher.reader()
        assert reader.doc_count_all() > reader.doc_count()  # deleted documents are still in the segments
        for query in ("strike", "union", "workers sat"):
            result = searcher.search(SearchRequest(query, limit=3))
            assert (result.total, result.facets) == whoosh_facets(searcher, query)
            assert result.facets["places"]["flint"] > 0 and result.facets["kind"]
        for docset in (None, set(range(0, reader.doc_count_all(), 3))):
            stats = CollectionStats(searcher.searcher, docset)
            for fieldname in ("title", "body"):
                expected = sum(reader.doc_field_length(d, fieldname) or 0 for d in stats.docset) / len(stats.docset)
                assert stats.avg_field_length(fieldname) == expected


def test_the_facet_map_is_kept_per_generation(archive: Archive, engine: Engine, tmp_path: Path) -> None:
    update_index(archive.index_dir, engine, ingest_text(engine, tmp_path, "first.yaml", records(30)))
    with ArchiveSearcher(archive.index_dir, engine) as searcher:
        first = searcher.search(SearchRequest("strike")).facets
    folder = current_dir(archive.index_dir)
    maps = sorted(p.name for p in folder.glob(f"{CACHE_PREFIX}*"))
    assert len(maps) == 1
    assert stray_files(archive.index_dir) == [] and verify_index(archive.index_dir, engine).ok
    with ArchiveSearcher(archive.index_dir, engine) as searcher:  # read back from the file: same counts
        assert searcher.search(SearchRequest("strike")).facets == first
    update_index(archive.index_dir, engine, ingest_text(engine, tmp_path, "more.yaml", records(40)))
    with ArchiveSearcher(archive.index_dir, engine) as searcher:
        later = searcher.search(SearchRequest("strike")).facets
    assert sum(later["type"].values()) > sum(first["type"].values())
    assert sorted(p.name for p in folder.glob(f"{CACHE_PREFIX}*")) != maps
    assert len(list(folder.glob(f"{CACHE_PREFIX}*"))) == 1
