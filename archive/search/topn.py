"""Exact top N for term and two-part AND/OR queries, scored a block of postings at a time.

Whoosh scores a query by walking a tree of matchers one posting at a time: five to ten Python calls per
posting (``id``, ``next``, ``is_active``, ``score`` at each level), about 3 microseconds each at 100,000
documents. Block skipping cannot save much on a common word: the best blocks hold the top scores
everywhere. Here a query made only of terms in scorable fields, joined by AND or OR with at most two
parts each (a word in the title or the body, two words, a field query), is scored by reading each term's
postings a block at a time (ids and weights as Whoosh decodes them) and computing every score in one pass.

The result is Whoosh's own, to the bit: each score is Whoosh's ``bm25`` with the scorer's statistics
(``archive.search.scoring``), a boost multiplies as Whoosh's ``WrappingMatcher`` does, and two parts add
as its union and intersection matchers add them (a sum of two numbers does not depend on their order; a
sum of three would, so a group of three or more parts is left to Whoosh). The final step (a stub's
weight) and the order of equal scores (lower document number first) are those of Whoosh's top
collector; ``tests/test_search_topn.py`` compares both ways on real texts. The count comes free and exact.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable, Iterable
from itertools import accumulate
from operator import neg
from typing import Any

from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.scoring import BM25FScorer, bm25
from whoosh.searching import Searcher

from archive.search.scoring import LENGTH_OF_BYTE as _LENGTHS
from archive.search.scoring import ArchiveBM25F

Scores = dict[int, float]


class _Unsupported(Exception):
    """A part of the query (or of the index) this scorer does not handle: Whoosh's matchers do."""


def supports(query: wq.Query) -> bool:
    """Whether ``query`` is made only of terms and of ANDs and ORs with at most two parts."""
    kind = type(query)
    if kind is wq.Term:
        return True
    if kind is wq.Or:
        if query.scale or query.minmatch or query.matcher_type != wq.Or.AUTO_MATCHER:
            return False
    elif kind is not wq.And:
        return False
    return 1 <= len(query.subqueries) <= 2 and all(supports(part) for part in query.subqueries)


def top(searcher: Searcher, query: wq.Query, weighting: ArchiveBM25F, limit: int,
        allowed: set[int] | None) -> tuple[list[tuple[float, int]], list[int]] | None:
    """(the best ``limit`` as Whoosh's ``results.top_n``: (score, docnum), best first, ties by docnum;
    every matching document number), or None when the query is not one this scorer handles."""
    if not supports(query) or type(weighting).final is not ArchiveBM25F.final:
        return None
    stubs = weighting.stats.stubs() if weighting.use_final else frozenset()
    leaves = searcher.subsearchers or [(searcher, 0)]
    best: list[tuple[float, int]] = []  # (final score, negated document number): a heap's order
    matched: list[int] = []
    try:
        for subsearcher, offset in leaves:
            scores = _scores(query, subsearcher, weighting)
            if offset:
                scores = {offset + docnum: score for docnum, score in scores.items()}
            if allowed is not None:
                scores = {docnum: score for docnum, score in scores.items() if docnum in allowed}
            for docnum in stubs.intersection(scores):
                scores[docnum] = weighting.final(searcher, docnum, scores[docnum])
            # The segment's best, paired in C (zip, map) and compared as tuples: no Python step per match.
            pairs = zip(scores.values(), map(neg, scores.keys()), strict=True)
            best = heapq.nlargest(limit, [*best, *heapq.nlargest(limit, pairs)])
            matched.extend(scores)
    except _Unsupported:
        return None
    return [(score, -negated) for score, negated in best], matched


class _Only:
    """The documents an AND's other part matched: only they need scores, and a block of postings with
    none of them in its range of document numbers is not even decoded."""

    def __init__(self, docnums: Iterable[int]) -> None:
        self.sorted = sorted(docnums)

    def any_within(self, low: int, high: int) -> bool:
        """Whether one of the documents has a number in ``low``..``high``."""
        at = bisect.bisect_left(self.sorted, low)
        return at < len(self.sorted) and self.sorted[at] <= high


def _scores(query: wq.Query, searcher: Searcher, weighting: ArchiveBM25F, only: _Only | None = None) -> Scores:
    """Document number (in the segment) -> score of ``query``, as Whoosh's matchers would score it (only
    for the documents in ``only``, when given: the others may be left out)."""
    if type(query) is wq.Term:
        return _term_scores(query, searcher, weighting, only)  # its boost applied there
    if len(query.subqueries) == 1:
        return _scores(query.subqueries[0], searcher, weighting, only)  # Whoosh leaves a group of one's boost out
    if type(query) is wq.Or:
        first, second = (_scores(part, searcher, weighting, only) for part in query.subqueries)
        # The sum of the two where both match (a + b == b + a exactly), each alone elsewhere.
        both = first.keys() & second.keys()
        scores = {**first, **second}
        scores.update({docnum: first[docnum] + second[docnum] for docnum in both})
    else:
        # The part matching fewer documents first; the other is scored only where the first matched.
        reader = searcher.reader()
        rare, common = sorted(query.subqueries, key=lambda part: _estimate(part, reader))
        first = _scores(rare, searcher, weighting, only)
        second = _scores(common, searcher, weighting, _Only(first)) if first else {}
        scores = {docnum: score + second[docnum] for docnum, score in first.items() if docnum in second}
    if query.boost != 1.0:
        boost = query.boost
        return {docnum: score * boost for docnum, score in scores.items()}
    return scores


def _estimate(query: wq.Query, reader: Any) -> int:
    """An upper bound on the documents ``query`` matches in the segment (its terms' document frequencies)."""
    if type(query) is wq.Term:
        try:
            return reader.doc_frequency(query.fieldname, query.text)
        except (KeyError, ValueError):
            return 0
    estimates = [_estimate(part, reader) for part in query.subqueries]
    return sum(estimates) if type(query) is wq.Or else min(estimates)


def _term_scores(term: wq.Term, searcher: Searcher, weighting: ArchiveBM25F, only: _Only | None) -> Scores:
    reader = searcher.reader()
    schema = searcher.schema
    if term.fieldname not in schema:
        return {}
    field = schema[term.fieldname]
    try:
        text = field.to_bytes(term.text)
    except ValueError:
        return {}
    if (term.fieldname, text) not in reader:
        return {}
    if not field.scorable or not hasattr(reader, "_terms"):
        raise _Unsupported  # an unscored field, or a reader that is not one segment of Whoosh's codec
    scorer = weighting.scorer(searcher, term.fieldname, text)
    if not isinstance(scorer, BM25FScorer):
        raise _Unsupported
    matcher = reader._terms.matcher(term.fieldname, text, field.format, scorer=None)
    if not isinstance(matcher, W3LeafMatcher):
        raise _Unsupported
    deleted = reader.deleted_docs_set
    lengths = weighting.stats.length_bytes(reader, term.fieldname)
    length_of: Callable[[int], Any] = scorer.dfl
    idf, avgfl, b, k1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
    scores: Scores = {}
    if lengths is not None:
        # Whoosh's bm25, idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl))), with the part that
        # depends on the field length alone computed once per stored length byte: the same operations on
        # the same numbers in the same order, so the same result to the bit.
        k1_plus_1 = k1 + 1
        norms = [k1 * ((1 - b) + b * (length or 1) / avgfl) for length in _LENGTHS]
        for ids, weights in _blocks(matcher, only):
            scores.update({docnum: idf * ((tf * k1_plus_1) / (tf + norms[lengths[docnum]]))
                           for docnum, tf in zip(ids, weights, strict=True)})
    else:
        for ids, weights in _blocks(matcher, only):
            scores.update({docnum: bm25(idf, tf, length_of(docnum), avgfl, b, k1)
                           for docnum, tf in zip(ids, weights, strict=True)})
    for docnum in deleted:
        scores.pop(docnum, None)
    if term.boost != 1.0:
        boost = term.boost
        return {docnum: score * boost for docnum, score in scores.items()}
    return scores


def _blocks(matcher: W3LeafMatcher, only: _Only | None = None) -> Any:
    """Each block of a term's postings: (document numbers, weights), decoded as Whoosh decodes them (its
    ``delta_decode`` is a running sum: ``accumulate``, without a Python step per posting); with ``only``,
    blocks whose range of document numbers holds none of those documents are passed over undecoded (the
    others are given whole: filtering them would cost as much as scoring them)."""
    low = 0  # every document number in a block is above the previous block's last one
    while matcher.is_active():
        high = matcher.block_max_id()
        if only is None or only.any_within(low, high):
            if matcher._data is None:
                matcher._read_data()
            ids = matcher._data[0]
            matcher._read_weights()
            yield (ids if matcher._byteids else tuple(accumulate(ids))), matcher._weights
        low = high + 1
        matcher._next_block()
