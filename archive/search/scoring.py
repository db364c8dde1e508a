"""BM25F whose statistics come from the records being searched, not from whatever the index holds.

Whoosh's own BM25F counts deleted documents (until a merge drops them) and, for ``--public``, would count
private records too. Then the same store would rank differently after an incremental update than after a
rebuild, and ``archive search --public`` would not rank as the published site does (the site only ever
sees public records). Here ``N``, ``df`` and the average field length are taken over a chosen set of live
documents, as ``archive.search.analysis`` documents, so the ranking is a function of that set alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.scoring import BM25F, BM25FScorer
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from archive.search.analysis import BM25_B, BM25_K1, STUB_WEIGHT, idf


class CollectionStats:
    """Document frequencies and average field lengths over ``docset`` (all live documents when None)."""

    def __init__(self, searcher: Searcher, docset: Iterable[int] | None = None) -> None:
        self.searcher = searcher
        reader = searcher.reader()
        count = reader.doc_count_all()
        # Asking each document whether it is deleted costs a Python call per document (10 ms at 10,000).
        live = frozenset(reader.all_doc_ids()) if reader.has_deletions() else frozenset(range(count))
        self.docset = live if docset is None else frozenset(docset) & live
        self.excluded = [] if len(self.docset) == count else sorted(set(range(count)) - self.docset)
        self._df: dict[tuple[str, bytes], int] = {}
        self._lengths: dict[tuple[int, str], tuple[Any, bytes | None]] = {}
        self._avgfl: dict[str, float] = {}
        self._stubs: frozenset[int] | None = None

    def is_stub(self, docnum: int) -> bool:
        return docnum in self.stubs()

    def stubs(self) -> frozenset[int]:
        """The document numbers of bare stubs (their scores are scaled down, see ``ArchiveBM25F.final``)."""
        if self._stubs is None:
            reader = self.searcher.reader()
            self._stubs = frozenset(reader.postings("stub", b"t").all_ids()) if ("stub", b"t") in reader \
                else frozenset()
        return self._stubs

    @property
    def doc_count(self) -> int:
        return len(self.docset)

    def doc_frequency(self, fieldname: str, text: bytes) -> int:
        key = (fieldname, text)
        if key not in self._df:
            self._df[key] = self._count(fieldname, text)
        return self._df[key]

    def _count(self, fieldname: str, text: bytes) -> int:
        reader = self.searcher.reader()
        if (fieldname, text) not in reader:
            return 0
        total = reader.doc_frequency(fieldname, text)  # counts deleted and excluded documents too
        if len(self.excluded) < len(self.docset):
            # Few excluded documents: subtract those that hold the term, skipping through the postings.
            matcher = reader.postings(fieldname, text)
            for docnum in self.excluded:
                if not matcher.is_active():
                    break
                matcher.skip_to(docnum)
                if matcher.is_active() and matcher.id() == docnum:
                    total -= 1
            return total
        return sum(1 for docnum in reader.postings(fieldname, text).all_ids() if docnum in self.docset)

    def length_bytes(self, segment: Any, fieldname: str) -> bytes | None:
        """One segment's stored length byte per document for ``fieldname``, read once (None when the
        segment is not of Whoosh's own codec)."""
        key = (id(segment), fieldname)
        if key not in self._lengths:
            try:
                raw: bytes | None = _length_bytes(segment, fieldname)
            except AttributeError:
                raw = None
            self._lengths[key] = (segment, raw)  # the segment is kept so that its id is not reused
        return self._lengths[key][1]

    def avg_field_length(self, fieldname: str) -> float:
        if fieldname not in self._avgfl:
            lengths = _total_length(self.searcher, fieldname, self.docset, self.excluded)
            self._avgfl[fieldname] = (lengths / len(self.docset)) if self.docset else 1.0
        return self._avgfl[fieldname] or 1.0


LENGTH_OF_BYTE = [byte_to_length(byte) if byte else 0 for byte in range(256)]


def _total_length(searcher: Searcher, fieldname: str, docset: frozenset[int], excluded: list[int]) -> int:
    """The sum of the stored (one-byte) field lengths over ``docset``.

    Read as each segment's whole lengths column, counted by byte value, less the excluded documents: a
    few milliseconds at 100,000 documents, where asking for each document's length took seconds."""
    try:
        columns = [(_length_bytes(segment, fieldname), base) for segment, base in searcher.reader().leaf_readers()]
    except AttributeError:  # not a segment of Whoosh's own codec: ask document by document
        reader = searcher.reader()
        return sum(reader.doc_field_length(docnum, fieldname) or 0 for docnum in docset)
    if len(excluded) > len(docset):
        return sum(_length_at(columns, docnum) for docnum in docset)
    total = sum(LENGTH_OF_BYTE[byte] * count for raw, _ in columns for byte, count in Counter(raw).items())
    return total - sum(_length_at(columns, docnum) for docnum in excluded)


def _length_bytes(segment: Any, fieldname: str) -> bytes:
    """One segment's length byte for each of its documents (0 where a document has none)."""
    column = segment._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    count = segment.doc_count_all()
    if column is None:
        return bytes(count)
    raw = column._dbfile.get(column._basepos, column._count * column._fixedlen)
    return raw + bytes(count - len(raw))


def _length_at(columns: list[tuple[bytes, int]], docnum: int) -> int:
    for raw, base in reversed(columns):
        if docnum >= base:
            return LENGTH_OF_BYTE[raw[docnum - base]]
    return 0


class ArchiveBM25F(BM25F):
    """Whoosh's BM25F with ``BM25_B``/``BM25_K1`` and the statistics of a ``CollectionStats``."""

    def __init__(self, stats: CollectionStats) -> None:
        super().__init__(B=BM25_B, K1=BM25_K1)
        self.stats = stats

    use_final = True  # a bare stub's score is scaled by STUB_WEIGHT (see final)
    # ... and only ever down (STUB_WEIGHT < 1), so a block's bound on the raw score still bounds the final
    # one: skipping blocks stays safe (archive.search.searcher's top-N collector reads this).
    final_only_lowers = True

    def final(self, searcher: Searcher, docnum: int, score: float) -> float:
        return score * STUB_WEIGHT if self.stats.is_stub(docnum) else score

    def scorer(self, searcher: Searcher, fieldname: str, text: bytes, qf: float = 1):  # noqa: ANN201
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        if isinstance(scorer, BM25FScorer):
            scorer.idf = idf(self.stats.doc_count, self.stats.doc_frequency(fieldname, text))
            scorer.avgfl = self.stats.avg_field_length(fieldname)
            # setup() again: it computes the term's best possible score, which Whoosh uses to skip blocks
            # of postings that cannot reach the top N. Left from the index's statistics, it can be too low
            # and lose a better hit (seen as a different top 10 with --limit 10 than with --limit 1000).
            scorer.setup(searcher, fieldname, text)
            lengths = self.stats.length_bytes(searcher.reader(), fieldname)
            if lengths is not None and searcher.schema[fieldname].scorable:
                # Whoosh asks for each scored posting's field length through four calls; a table read once
                # per segment gives the same number (a posting's field length is never 0).
                table = LENGTH_OF_BYTE
                scorer.dfl = lambda docnum: table[lengths[docnum]] or 1
        return scorer
