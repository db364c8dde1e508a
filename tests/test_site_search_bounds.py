"""The browser's stopping rule is safe whatever the collection's statistics: the bound shipped with a term's
head and each tail chunk, scaled as ``search.js`` scales it with the document count and average field
lengths of the day, is at least the exact score of every posting not loaded yet.

Postings are written once and read after any number of later documents changed those statistics, so the
test draws the statistics far from the term's own (averages a tenth to ten times the term's mean lengths).
"""

from __future__ import annotations

import random

import pytest

from archive.publish.searchindex import BOUND_SCALE, FIELDS, HEAD, _chunks, term_postings
from archive.search import analysis


def exact(row: list[int], frequencies: list[int], count: int, averages: list[float]) -> float:
    """A posting's score as ``search.js`` and ``archive.search.analysis`` compute it; ``row``: per field tf, length."""
    total = 0.0
    for f, boost in enumerate(analysis.FIELD_BOOSTS.values()):
        tf, length = row[2 * f], row[2 * f + 1]
        if tf:
            total += boost * analysis.bm25(analysis.idf(count, frequencies[f]), tf, length, averages[f])
    return total


def bound(bounds: list[int], frequencies: list[int], term_averages: list[int], count: int,
          averages: list[float]) -> float:
    """``termModel(...).bound`` of search.js."""
    return sum(boost * analysis.idf(count, frequencies[f]) * max(1.0, averages[f] / term_averages[f])
               * bounds[f] / BOUND_SCALE for f, boost in enumerate(analysis.FIELD_BOOSTS.values()))


@pytest.mark.parametrize("seed", range(5))
def test_shipped_bounds_cover_every_later_posting_under_any_statistics(seed: int) -> None:
    rng = random.Random(seed)
    documents = 3_000
    lengths = [[analysis.stored_field_length(rng.randint(1, 14)) for _ in range(documents)],
               [analysis.stored_field_length(int(rng.lognormvariate(4.5, 0.8))) for _ in range(documents)]]
    counts: list[dict[int, int]] = [{}, {}]
    for n in rng.sample(range(documents), 1_500):
        if rng.random() < 0.15:
            counts[0][n] = rng.randint(1, 2)
        if n not in counts[0] or rng.random() < 0.7:
            counts[1][n] = min(lengths[1][n], 1 + int(rng.expovariate(0.4)))
    postings = term_postings(counts, lengths)
    stride = 1 + 2 * len(FIELDS)
    rows = [postings.flat[i:i + stride] for i in range(0, len(postings.flat), stride)]
    assert [r[0] for r in rows] != sorted(r[0] for r in rows)  # ordered by score, not by number
    assert len(rows) == len(set().union(*counts)) > HEAD + 256
    cuts = [HEAD] + [end for _, end in _chunks(len(rows))]
    for _ in range(30):
        count = rng.randint(len(rows), 200_000)
        averages = [postings.averages[f] * rng.choice([0.1, 0.5, 0.9, 1.0, 1.1, 2.0, 10.0]) for f in range(2)]
        for cut in cuts:
            limit = bound(postings.bounds[cut], postings.frequencies, postings.averages, count, averages)
            later = [exact(r[1:], postings.frequencies, count, averages) for r in rows[cut:]]
            assert all(score <= limit for score in later), (cut, max(later), limit)
            if later:  # and the bound is not vacuous: within a factor of the best posting still to come
                assert limit <= 12 * max(later)
