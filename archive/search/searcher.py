"""``archive search``: query the index, filter, rank, page, count facets and make snippets.

Scores come from ``archive.search.scoring`` over the searched records. With ``public`` the search runs
on an index of the public projection (``archive.search.public_index``), so ``archive search --public`` finds,
counts, suggests and ranks exactly as the published site's browser search does. Snippets are cut from the
store's text (or, in public, the published text), which the index does not keep.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
from collections import Counter, OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from whoosh import collectors, highlight
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.index import EmptyIndexError
from whoosh.searching import Searcher

from archive.public.rule import public_among
from archive.search import facets as search_facets
from archive.search import topn
from archive.search.analysis import (
    ANALYSIS_VERSION,
    analyze_words,
    analyzer_for,
    compose_body,
    normalize_text,
    query_languages,
)
from archive.search.facets import FacetMap
from archive.search.filters import check_filters
from archive.search.index import SearchIndexError, current_dir, index_meta, open_index
from archive.search.query import (
    QueryError,
    did_you_mean,
    expand_languages,
    languages_present,
    make_parser,
    parse,
)
from archive.search.scoring import ArchiveBM25F, CollectionStats
from archive.search.snippets import readable_body
from archive.search.term_map import use_term_map
from archive.store.dbapi import StoreReader, read_transaction, select_rows

if TYPE_CHECKING:  # a search reads the store through the DB-API (archive.store.dbapi), without SQLAlchemy
    from sqlalchemy import Engine

    from archive.public import Graph

__all__ = ["Hit", "QueryError", "SearchRequest", "SearchResult", "ArchiveSearcher", "search"]

SORTS = ("relevance", "date")
PUBLIC_CACHE = "public"  # ARCHIVE/index/public/: the public projection's index (archive.search.public_index)
FACETS = ("type", "waves", "kind", "places")
SNIPPET_CHARS = 240
MARK_START, MARK_END = "**", "**"  # Markdown bold: bodies are Markdown, and a terminal shows it as is
# Columns of BODY_COLUMNS the store keeps as JSON lists: SQLite's driver gives them as text, not lists
# (tests/test_search_stores.py checks this against the models).
JSON_BODY_COLUMNS = ("demands", "limits", "lessons", "determinants")
# Public searchers kept by a long-lived process (``archive serve``, a test session), one per day and set
# of redactions, least recently used dropped first: each holds an open index and the published texts.
PUBLIC_SEARCHERS_KEPT = 4


@dataclass
class SearchRequest:
    """A search: the query string and every option of ``archive search``."""

    query: str
    types: Sequence[str] = ()
    waves: Sequence[str] = ()
    places: Sequence[str] = ()
    kinds: Sequence[str] = ()
    languages: Sequence[str] = ()
    limit: int = 10
    page: int = 1
    sort: str = "relevance"
    public: bool = False
    facets: bool = True
    snippets: bool = True
    suggest: bool = True
    count: bool = True  # exact total; without it ``total`` is Whoosh's estimate (saves a second pass)
    today: dt.date | None = None
    # Real names -> pseudonyms for ``public`` (default: the archive's redactions.yaml), applied with each
    # record's own list by the projection, as on the published site.
    redactions: dict[str, str] | None = None


@dataclass
class Hit:
    type: str
    slug: str
    title: str
    score: float | None
    date: str | None
    snippet: str = ""
    public: bool = True
    in_store: bool = True
    record_id: int = 0

    def as_json(self) -> dict[str, Any]:
        """The fields ``archive search --json`` prints, and nothing else."""
        score = None if self.score is None else round(self.score, 6)
        return {"type": self.type, "slug": self.slug, "title": self.title, "score": score, "date": self.date,
                "snippet": self.snippet}


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int
    page: int
    pages: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestion: str | None = None
    stop_words_only: bool = False
    per_page: int = 10


class ArchiveSearcher:
    """An open index plus the store; reuse one for many searches (statistics are cached).

    ``store`` is an SQLAlchemy engine, or a ``StoreReader`` (``archive.store.dbapi.open_reader``: the
    plain DB-API read path ``archive search`` uses, which needs neither SQLAlchemy nor the models). Either
    serves the hits' rows and their public marks; a public search (``--public``) needs an engine, since
    it loads the public projection."""

    def __init__(self, index_dir: Path, store: Engine | StoreReader, *,
                 projection: whoosh_index.Index | None = None,
                 graph: Graph | Mapping[int, Any] | None = None) -> None:
        self.store = store
        self.index_dir = index_dir
        # ``projection``: an index of the public projection (see ``archive.search.public_index``), whose records
        # are all public; ``graph`` gives their published text.
        by_id = getattr(graph, "by_id", None)  # a Graph (imported only for typing: it would load the models)
        self.graph: Mapping[int, Any] | None = by_id() if by_id is not None else graph
        if projection is None and index_meta(index_dir).get("analysis_version", ANALYSIS_VERSION) != ANALYSIS_VERSION:
            raise SearchIndexError("the search index was built by another version of the analysis; "
                                   "run 'archive reindex'")
        self.searcher = projection.searcher() if projection is not None else self._open()
        self.languages = languages_present(self.searcher)
        self.parser = make_parser(self.searcher.schema)
        self._stats: dict[Any, CollectionStats] = {}
        self._public: OrderedDict[Any, tuple[ArchiveSearcher, str | None]] = OrderedDict()
        self._facets: FacetMap | None = None

    def _open(self) -> Searcher:
        # A rebuild may swap the live folder between reading CURRENT and opening it: try again.
        for attempt in range(3):
            try:
                ix = open_index(self.index_dir)
                searcher = ix.searcher()
                use_term_map(Path(ix.storage.folder), searcher.reader().generation())
                return searcher
            except (FileNotFoundError, EmptyIndexError):
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        for public, _ in self._public.values():
            public.close()
        self._public.clear()
        self.searcher.close()

    def __enter__(self) -> ArchiveSearcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def search(self, request: SearchRequest) -> SearchResult:
        if request.sort not in SORTS:
            raise QueryError(f"--sort must be one of {', '.join(SORTS)}, not {request.sort!r}")
        if request.limit < 1 or request.page < 1:
            raise QueryError("--limit and --page must be 1 or more")
        if request.public and self.graph is None:
            return self.public_searcher(request.today, request.redactions).search(request)
        plain = parse(request.query, self.parser)
        languages = query_languages(request.languages, self.languages)  # --lang: only the languages asked for
        query = expand_languages(plain, languages).normalize()
        suggestion = (did_you_mean(request.query, plain, self.searcher, languages, self._word_for)
                      if request.suggest else None)
        if query is wq.NullQuery:
            return SearchResult([], 0, request.page, 0, suggestion=suggestion,
                                stop_words_only=plain is not wq.NullQuery)
        stats = self._collection()
        allowed = self._allowed(request)
        if allowed is not None and not allowed:
            # Whoosh takes an empty filter for no filter at all.
            return SearchResult([], 0, request.page, 0, suggestion=suggestion, per_page=request.limit)
        searcher = self.searcher
        weighting = ArchiveBM25F(stats)
        searcher.weighting = weighting  # Whoosh hands the searcher's model to every matcher
        for subsearcher, _offset in searcher.subsearchers or ():
            subsearcher.weighting = weighting
        by_date = request.sort == "date"
        wanted = request.page * request.limit
        # A term or a two-word AND/OR: scored block by block, with the same result (archive.search.topn).
        bulk = None if by_date else topn.top(searcher, query, weighting, wanted, allowed)
        if bulk is not None:
            top_n, every_match = bulk
            estimated = len(every_match)
        else:
            top = _top_collector(searcher, limit=None if by_date else wanted)
            collector = collectors.FilterCollector(top, allow=allowed) if allowed is not None else top
            searcher.search_with_collector(query, collector)
            results = collector.results()
            top_n, every_match, estimated = results.top_n, None, results.estimated_length()
        ranked = [(docnum, score) for score, docnum in top_n]
        if by_date:
            ranked = self._by_date(ranked)
        start = (request.page - 1) * request.limit
        hits = [self._hit(docnum, score) for docnum, score in ranked[start:wanted]]
        self._complete(hits, query, request)
        facets = {}
        matched = every_match
        if matched is None and (request.facets or request.count):
            matched = self._matched(query, allowed)
        if matched is not None and request.facets:
            facet_map = self._facet_map()
            facets = {name: _counts(facet_map.counts(name, matched)) for name in FACETS}
        total = len(matched) if matched is not None else estimated
        return SearchResult(hits, total, request.page, math.ceil(total / request.limit), facets, suggestion,
                            per_page=request.limit)

    def _matched(self, query: wq.Query, allowed: set[int] | None) -> list[int]:
        """Every matching document (for the count and the facets): one pass over the postings, unscored."""
        docs = self.searcher.docs_for_query(query)
        return [d for d in docs if d in allowed] if allowed is not None else list(docs)

    def _facet_map(self) -> FacetMap:
        if self._facets is None:
            # The archive's index keeps its map beside it, per generation; a projection's is made in memory.
            folder = current_dir(self.index_dir) if self.graph is None else None
            self._facets = (search_facets.cached(self.searcher, folder, FACETS) if folder is not None
                            else search_facets.build(self.searcher, FACETS))
        return self._facets

    def _by_date(self, ranked: list[tuple[int, float]]) -> list[tuple[int, float]]:
        """Oldest first, ties by relevance. Undated records come last: their raw column value is the maximum."""
        column = self.searcher.reader().column_reader("date", translate=False)
        return sorted(ranked, key=lambda item: (column[item[0]], -item[1], item[0]))

    def _collection(self) -> CollectionStats:
        if "all" not in self._stats:
            self._stats["all"] = CollectionStats(self.searcher, None)
        return self._stats["all"]

    def public_searcher(self, today: dt.date | None = None,
                        redactions: dict[str, str] | None = None) -> ArchiveSearcher:
        """A searcher over the public projection as of ``today`` (default: the current date, read at
        each call), with ``redactions`` (default: the archive's ``redactions.yaml``) and each record's own
        list; kept for the next public search while the kept public index is unchanged, at most
        ``PUBLIC_SEARCHERS_KEPT`` of them."""
        from archive.ingest.redaction import load_redactions

        if redactions is None:
            redactions = load_redactions(self.index_dir.parent)
        key = (today or dt.date.today(), tuple(sorted(redactions.items())))
        marker = _public_marker(self.index_dir)
        kept = self._public.pop(key, None)
        if kept is not None and (marker is None or kept[1] != marker):
            kept[0].close()  # the public index was brought up to date since (an ingest, a delete): reopen
            kept = None
        if kept is None:
            kept = (public_searcher(self.index_dir, self._engine("a public search"), key[0], redactions),
                    _public_marker(self.index_dir))
        self._public[key] = kept  # the most recently used last
        while len(self._public) > PUBLIC_SEARCHERS_KEPT:
            _, (oldest, _) = self._public.popitem(last=False)
            oldest.close()
        return kept[0]

    def _engine(self, purpose: str) -> Engine:
        if isinstance(self.store, StoreReader):
            raise TypeError(f"{purpose} needs an SQLAlchemy engine (it loads the public projection), "
                            "not a plain store reader")
        return self.store

    def _allowed(self, request: SearchRequest) -> set[int] | None:
        check_filters(self.searcher, types=request.types, waves=request.waves, places=request.places,
                      type_name=_type_name, slug=_slug, public=self.graph is not None,
                      facet_values=lambda field: self._facet_map().counts(field, self.searcher.reader().all_doc_ids()))
        filters = _filter_query(request)
        return set(self.searcher.docs_for_query(filters)) if filters is not None else None

    def _rows(self, ids: list[int], today: dt.date | None = None, *,
              public: bool = False) -> tuple[dict[int, Any], set[int]]:
        """The text each record's snippet and suggestions are cut from (the published text in a public
        searcher, the store's current rows otherwise), and with ``public`` which of ``ids`` the public
        projection holds as of ``today`` (``archive.public.rule`` decides, stubs included)."""
        if self.graph is not None:
            from archive.search.public_index import published_rows

            return published_rows(self.graph, ids), set(ids)
        with read_transaction(self.store) as (conn, placeholder):
            rows = {row["id"]: _decoded(row) for row in select_rows(conn, placeholder, "records", "id", ids)}
            in_projection = public_among(conn, ids, today, placeholder) if public else set()
        return rows, in_projection

    def _word_for(self, fieldname: str, term: str, docnum: int) -> Counter[str]:
        """The words in the record at ``docnum`` that analyze to ``term``, counted (for did-you-mean)."""
        fields = self.searcher.stored_fields(docnum)
        if fieldname == "title":
            text, language = fields.get("title", ""), fields.get("language")
        else:
            row = self._rows([fields["record_id"]])[0].get(fields["record_id"])
            if row is None:
                return Counter()
            text, language = row.get("indexed_body") or compose_body(row), row["language"]
        return Counter(word for word, stored in analyze_words(text, language) if stored == term)

    def _hit(self, docnum: int, score: float) -> Hit:
        fields = self.searcher.stored_fields(docnum)
        return Hit(type=fields["type"], slug=fields["slug"], title=fields.get("title", ""), score=score,
                   date=fields.get("date_text"), record_id=fields["record_id"])

    def _complete(self, hits: list[Hit], query: wq.Query, request: SearchRequest) -> None:
        """Mark what is not public and cut snippets, from the store's current rows."""
        if not hits:
            return
        ids = [h.record_id for h in hits]
        rows, public = self._rows(ids, request.today, public=True)
        terms = _query_terms(query, self.searcher) if request.snippets else set()
        for hit in hits:
            row = rows.get(hit.record_id)
            if row is None:
                hit.in_store, hit.public = False, False
                continue
            hit.public = hit.record_id in public
            if request.snippets:
                hit.snippet = snippet(readable_body(row), terms, row["language"])


class _SkippingTopCollector(collectors.TopCollector):
    """Whoosh's top-N collector, skipping blocks of postings whose best possible score cannot reach the
    top N (made safe by ``whoosh_tuning``), without matcher replacement: with our BM25F over the public
    projection its shortcuts are not safe ("union workers" lost its 5th best hit at --limit 10), and the
    site must agree exactly. (Whoosh only reads the rising minimum score when it replaces matchers, so
    with replacement off it would never skip: this loop reads it itself.)"""

    def _use_block_quality(self) -> bool:
        # Whoosh turns skipping off whenever the weighting has a final step; ours only lowers scores.
        weighting = self.top_searcher.weighting
        return (self.usequality and (not weighting.use_final or getattr(weighting, "final_only_lowers", False))
                and self.matcher.supports_block_quality())

    def matches(self) -> Any:
        matcher = self.matcher
        usequality = self._use_block_quality()
        checkquality, minscore = True, None
        while matcher.is_active():
            if usequality and self.minscore is not None and (checkquality or self.minscore != minscore):
                minscore = self.minscore
                self.skipped_times += matcher.skip_to_quality(minscore)
                if not matcher.is_active():
                    break
            yield matcher.id()
            checkquality = matcher.next()


def _top_collector(searcher: Searcher, limit: int | None) -> Any:
    """The top ``limit`` by score; without a limit (ordering by date) every match is scored."""
    if limit is None:
        return collectors.UnlimitedCollector()
    return _SkippingTopCollector(limit=limit)


def search(index_dir: Path, store: Engine | StoreReader, request: SearchRequest) -> SearchResult:
    """Run one search (see ``SearchRequest``). A public search needs no index on disk, but an engine."""
    if request.public:
        if isinstance(store, StoreReader):
            raise TypeError("a public search needs an SQLAlchemy engine (it loads the public projection)")
        with public_searcher(index_dir, store, request.today, request.redactions) as searcher:
            return searcher.search(request)
    with ArchiveSearcher(index_dir, store) as searcher:
        return searcher.search(request)


def public_searcher(index_dir: Path, engine: Engine, today: dt.date | None = None,
                    redactions: dict[str, str] | None = None) -> ArchiveSearcher:
    """A searcher over the public projection as of ``today`` (``archive.search.public_index``), with
    ``redactions`` (default: the archive's ``redactions.yaml``, beside ``index_dir``)."""
    from archive.ingest.redaction import load_redactions
    from archive.search.public_index import public_index

    if redactions is None:
        redactions = load_redactions(index_dir.parent)
    ix, published = public_index(engine, today, redactions, index_dir / PUBLIC_CACHE)
    return ArchiveSearcher(index_dir, engine, projection=ix, graph=published)


def _filter_query(request: SearchRequest) -> wq.Query | None:
    """The filters as a query."""
    groups = []
    for fieldname, values, clean in (
        ("type", request.types, _type_name), ("waves", request.waves, _slug),
        ("places", request.places, _slug), ("kind", request.kinds, str.lower),
        ("language", request.languages, str.lower),
    ):
        if values:
            groups.append(wq.Or([wq.Term(fieldname, clean(value.strip())) for value in values]))
    return wq.And(groups) if groups else None


def _public_marker(index_dir: Path) -> str | None:
    """What the kept public index's ``CURRENT`` says (its folder and projection state): it changes when a
    command brings that index up to date, so a kept public searcher knows to reopen."""
    try:
        return (index_dir / PUBLIC_CACHE / "CURRENT").read_text(encoding="utf-8")
    except OSError:
        return None


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    """A store row as the ORM would give it, for ``compose_body``: the JSON list columns as lists."""
    for name in JSON_BODY_COLUMNS:
        value = row.get(name)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                row[name] = json.loads(value)
    return row


def _slug(value: str) -> str:
    from archive.ingest.records import make_slug  # its module is not cheap to import; only filters need it

    return make_slug(value)


def _type_name(value: str) -> str:
    return value.lower().replace(" ", "_").replace("-", "_")


def _counts(groups: dict[Any, int]) -> dict[str, int]:
    counted = [(key, count) for key, count in groups.items() if key not in (None, "")]
    counted.sort(key=lambda item: (-item[1], str(item[0])))
    return {(k.decode() if isinstance(k, bytes) else str(k)): v for k, v in counted}


def _query_terms(query: wq.Query, searcher: Searcher) -> set[str]:
    """The stored terms the query matches in the text fields, with wildcards expanded.

    (Whoosh's ``existing_terms`` reuses a loop variable and skips every field after the first one.)
    """
    reader = searcher.reader()
    terms = set()
    for leaf in query.leaves():
        if leaf.field() not in ("title", "body"):
            continue
        for fieldname, text in leaf.expanded_terms(reader, phrases=True):
            word = text.decode("utf-8") if isinstance(text, bytes) else text
            if (fieldname, word) in reader:
                terms.add(word)
    return terms


class _MarkFormatter(highlight.Formatter):
    between = " … "

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return f"{MARK_START}{highlight.get_text(text, token, replace)}{MARK_END}"


def snippet(text: str, terms: set[str], language: str | None, chars: int = SNIPPET_CHARS) -> str:
    """The best passage of ``text`` around the query's terms, matches marked ``**like this**``."""
    text = normalize_text(text)
    found = ""
    if terms:
        found = highlight.highlight(text, terms, analyzer_for(language),
                                    highlight.ContextFragmenter(maxchars=chars, surround=chars // 3),
                                    _MarkFormatter(), top=1)
    if found:
        return " ".join(found.split())
    plain = " ".join(text.split())
    return plain if len(plain) <= chars else plain[:chars].rsplit(" ", 1)[0] + " …"
