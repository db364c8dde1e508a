"""``archive search``: query the index, filter, rank, page, count facets and make snippets.

Scores come from ``archive.search_scoring`` over the searched records (all of them, or with ``public``
only the public projection as ``archive.public`` defines it), so ``archive search --public`` ranks as the
published site's browser search does. Snippets are cut from the store's text, which the index does not
keep.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from whoosh import highlight, sorting
from whoosh import query as wq
from whoosh.index import EmptyIndexError
from whoosh.searching import Searcher

from archive.analysis import (
    ANALYSIS_VERSION,
    analyze_words,
    analyzer_for,
    compose_body,
    normalize_text,
    query_languages,
)
from archive.index import SearchIndexError, index_meta, open_index
from archive.models import Record
from archive.public import is_public, public_clause
from archive.records import make_slug
from archive.redaction import Redactor
from archive.search_query import (
    QueryError,
    did_you_mean,
    expand_languages,
    languages_present,
    make_parser,
    parse,
)
from archive.search_reach import PublicReach, public_reach
from archive.search_scoring import ArchiveBM25F, CollectionStats

__all__ = ["Hit", "QueryError", "SearchRequest", "SearchResult", "ArchiveSearcher", "search"]

SORTS = ("relevance", "date")
FACETS = ("type", "waves", "kind", "places")
SNIPPET_CHARS = 240
MARK_START, MARK_END = "**", "**"  # Markdown bold: bodies are Markdown, and a terminal shows it as is
records_t = Record.__table__


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
    # Real names -> pseudonyms (the archive's redactions.yaml); with ``public`` they are applied to what is
    # shown, together with each record's own list, as on the published site.
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
    """An open index plus the store; reuse one for many searches (statistics are cached)."""

    def __init__(self, index_dir: Path, engine: Engine) -> None:
        self.engine = engine
        self.index_dir = index_dir
        if index_meta(index_dir).get("analysis_version", ANALYSIS_VERSION) != ANALYSIS_VERSION:
            raise SearchIndexError("the search index was built by another version of the analysis; "
                                   "run 'archive reindex'")
        self.searcher = self._open()
        self.languages = languages_present(self.searcher)
        self.parser = make_parser(self.searcher.schema)
        self._stats: dict[Any, CollectionStats] = {}
        self._reaches: dict[dt.date | None, PublicReach] = {}

    def _open(self) -> Searcher:
        # A rebuild may swap the live folder between reading CURRENT and opening it: try again.
        for attempt in range(3):
            try:
                return open_index(self.index_dir).searcher()
            except (FileNotFoundError, EmptyIndexError):
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
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
        plain = parse(request.query, self.parser)
        # A public search tries only the languages of public records: a private record's language must
        # neither change the results nor hint that the record exists (the site does the same).
        present = self._public_languages(request.today) if request.public else self.languages
        languages = query_languages(request.languages, present)  # --lang: only the languages asked for
        query = expand_languages(plain, languages).normalize()
        suggestion = (did_you_mean(request.query, plain, self.searcher, languages, self._word_for)
                      if request.suggest else None)
        if query is wq.NullQuery:
            return SearchResult([], 0, request.page, 0, suggestion=suggestion,
                                stop_words_only=plain is not wq.NullQuery)
        stats = self._collection(request.public, request.today)
        allowed = self._allowed(request, stats)
        if allowed is not None and not allowed:
            # Whoosh takes an empty filter for no filter at all.
            return SearchResult([], 0, request.page, 0, suggestion=suggestion, per_page=request.limit)
        searcher = self.searcher
        weighting = ArchiveBM25F(stats)
        searcher.weighting = weighting  # Whoosh hands the searcher's model to every matcher
        for subsearcher, _offset in searcher.subsearchers or ():
            subsearcher.weighting = weighting
        groups = {name: sorting.FieldFacet(name, allow_overlap=name in ("waves", "places"))
                  for name in FACETS} if request.facets else None
        by_date = request.sort == "date"
        wanted = request.page * request.limit
        collector = _exact_collector(searcher, limit=None if by_date else wanted, filter=allowed,
                                     groupedby=groups, maptype=sorting.Count if groups else None)
        searcher.search_with_collector(query, collector)
        results = collector.results()
        ranked = [(docnum, score) for score, docnum in results.top_n]
        if by_date:
            ranked = self._by_date(ranked)
        start = (request.page - 1) * request.limit
        hits = [self._hit(docnum, score) for docnum, score in ranked[start:wanted]]
        self._complete(hits, query, request)
        facets = {name: _counts(results.groups(name)) for name in FACETS} if groups else {}
        if groups and request.public:
            matched = set(results.docs())
            facets.update({name: self._public_facet(name, matched, request) for name in ("waves", "places")})
        total = len(results) if request.count or groups else results.estimated_length()
        return SearchResult(hits, total, request.page, math.ceil(total / request.limit), facets, suggestion,
                            per_page=request.limit)

    def _by_date(self, ranked: list[tuple[int, float]]) -> list[tuple[int, float]]:
        """Oldest first, ties by relevance. Undated records come last: their raw column value is the maximum."""
        column = self.searcher.reader().column_reader("date", translate=False)
        return sorted(ranked, key=lambda item: (column[item[0]], -item[1], item[0]))

    def _collection(self, public: bool, today: dt.date | None) -> CollectionStats:
        key = ("public", today) if public else "all"
        if key not in self._stats:
            docset = self._public_docs(today) if public else None
            self._stats[key] = CollectionStats(self.searcher, docset)
        return self._stats[key]

    def _public_languages(self, today: dt.date | None) -> list[str]:
        stored = self.searcher.stored_fields
        # A bare stub has no language of its own (it counts as English): it does not add one to the query.
        found = {stored(docnum).get("language") or "en" for docnum in self._collection(True, today).docset
                 if not stored(docnum).get("stub")}
        return sorted(found) or ["en"]

    def _public_docs(self, today: dt.date | None) -> set[int]:
        """The documents of records in the public projection, decided by the store (archive.public)."""
        with self.engine.connect() as conn:
            public_ids = set(conn.execute(select(records_t.c.id).where(public_clause(today))).scalars())
        column = self.searcher.reader().column_reader("record_id")
        return {docnum for docnum in self.searcher.reader().all_doc_ids() if column[docnum] in public_ids}

    def _allowed(self, request: SearchRequest, stats: CollectionStats) -> set[int] | None:
        filters = _filter_query(request, linked=not request.public)
        docs = set(self.searcher.docs_for_query(filters)) if filters is not None else None
        if not request.public:
            return docs
        docs = set(stats.docset) if docs is None else docs & stats.docset
        for facet, values in (("waves", request.waves), ("places", request.places)):
            if values:  # through public links only, as on the site
                wanted = {make_slug(v.strip()) for v in values}
                reach = self._reach(request.today).of(facet)
                record_ids = self.searcher.reader().column_reader("record_id")
                docs = {d for d in docs if reach.get(record_ids[d], set()) & wanted}
        return docs

    def _reach(self, today: dt.date | None) -> PublicReach:
        if today not in self._reaches:
            with self.engine.connect() as conn:
                self._reaches[today] = public_reach(conn, today)
        return self._reaches[today]

    def _public_facet(self, facet: str, docs: set[int], request: SearchRequest) -> dict[str, int]:
        """Facet counts through public links only, slugs as the site shows them."""
        reach = self._reach(request.today).of(facet)
        redactor = Redactor(request.redactions or {})
        counts: Counter[str] = Counter()
        record_ids = self.searcher.reader().column_reader("record_id")
        for docnum in docs:
            for slug in reach.get(record_ids[docnum], ()):
                counts[redactor.slug(slug)] += 1
        return _counts(dict(counts))

    def _word_for(self, fieldname: str, term: str, docnum: int) -> Counter[str]:
        """The words in the record at ``docnum`` that analyze to ``term``, counted (for did-you-mean)."""
        fields = self.searcher.stored_fields(docnum)
        if fieldname == "title":
            text, language = fields.get("title", ""), fields.get("language")
        else:
            with self.engine.connect() as conn:
                row = conn.execute(select(records_t).where(records_t.c.id == fields["record_id"])).mappings().first()
            if row is None:
                return Counter()
            text, language = compose_body(row), row["language"]
        return Counter(word for word, stored in analyze_words(text, language) if stored == term)

    def _hit(self, docnum: int, score: float) -> Hit:
        fields = self.searcher.stored_fields(docnum)
        return Hit(type=fields["type"], slug=fields["slug"], title=fields.get("title", ""), score=score,
                   date=fields.get("date_text"), record_id=fields["record_id"])

    def _complete(self, hits: list[Hit], query: wq.Query, request: SearchRequest) -> None:
        """Mark what is not public and cut snippets, from the store's current rows."""
        if not hits:
            return
        with self.engine.connect() as conn:
            rows = {row["id"]: row for row in conn.execute(
                select(records_t).where(records_t.c.id.in_([h.record_id for h in hits]))).mappings()}
        terms = _query_terms(query, self.searcher) if request.snippets else set()
        for hit in hits:
            row = rows.get(hit.record_id)
            if row is None:
                hit.in_store, hit.public = False, False
                continue
            hit.public = is_public(row["visibility"], row["embargo_until"], row["consent"], request.today) \
                and not (row["is_stub"] and row["visibility"] != "public")
            redactor = None
            if request.public:  # what the site would show: pseudonyms, never the names
                redactor = Redactor(request.redactions or {}).with_record((row["extra"] or {}).get("redactions") or {})
                hit.title = redactor.text(hit.title) or ""
                hit.slug = redactor.slug(hit.slug)
            if request.snippets:
                body = compose_body(row)
                hit.snippet = snippet(redactor.text(body) or "" if redactor else body, terms, row["language"])


def _exact_collector(searcher: Searcher, **kwargs: Any) -> Any:
    """Whoosh's collector without its shortcuts. Block-quality skipping and matcher replacement drop
    documents whose score bound looks too low; with our BM25F over the public projection those bounds are
    not safe ("union workers" lost its 5th best hit at --limit 10), and the site must agree exactly."""
    collector = searcher.collector(optimize=False, **kwargs)
    inner = collector
    while inner is not None:
        if hasattr(inner, "replace"):
            inner.replace = 0
        inner = getattr(inner, "child", None)
    return collector


def search(index_dir: Path, engine: Engine, request: SearchRequest) -> SearchResult:
    """Run one search (see ``SearchRequest``)."""
    with ArchiveSearcher(index_dir, engine) as searcher:
        return searcher.search(request)


def _filter_query(request: SearchRequest, linked: bool = True) -> wq.Query | None:
    """The filters as a query; without ``linked``, the wave and place filters are left to the caller."""
    groups = []
    for fieldname, values, clean in (
        ("type", request.types, _type_name), ("waves", request.waves if linked else (), make_slug),
        ("places", request.places if linked else (), make_slug), ("kind", request.kinds, str.lower),
        ("language", request.languages, str.lower),
    ):
        if values:
            groups.append(wq.Or([wq.Term(fieldname, clean(value.strip())) for value in values]))
    return wq.And(groups) if groups else None


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
