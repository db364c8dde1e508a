"""Changes to Whoosh's writer, applied when ``archive.search.index`` is imported, and a faster positions format
for the text fields (``CachedPositions``). None changes what is written; ``reverted()`` gives Whoosh as
shipped, for a fair baseline in the benchmark.

When Whoosh writes a segment it asks the new segment for each posting's field length. For a field that
keeps no lengths (an ID or KEYWORD field, such as ``type`` or ``places``) its reader does not remember
that the lengths file is absent, and checks the disk again: one ``stat`` per posting, about a quarter of
the time of a rebuild. Remembering the absence is safe because a written segment never changes.
"""

from __future__ import annotations

import contextlib
import functools
import io
import pickle
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

import regex
from whoosh.analysis import Token
from whoosh.codec import whoosh3
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.filedb.structfile import BufferFile
from whoosh.formats import Positions
from whoosh.matching.binary import IntersectionMatcher, UnionMatcher
from whoosh.matching.wrappers import WrappingMatcher
from whoosh.system import _INT_SIZE
from whoosh.util.numeric import byte_to_length
from whoosh.writing import PostingPool, SegmentWriter

from archive.search.analysis import _LANGUAGE_MARK as LANGUAGE_MARK
from archive.search.analysis import (
    DEFAULT_LANGUAGE,
    TOKEN_PATTERN,
    MultilingualAnalyzer,
    _hyphen_joins,
    analyzer_for,
    normalize_text,
)

_ORIGINAL = whoosh3.W3PerDocReader._cached_reader
_ORIGINAL_GOTO = whoosh3.W3LeafMatcher._goto
_ORIGINAL_BUFFER_INIT, _ORIGINAL_BUFFER_CLOSE = BufferFile.__init__, BufferFile.close
_ORIGINAL_ADD = PostingPool.add
_ORIGINAL_FLUSH = SegmentWriter._flush_segment
POSTING_BYTES = 160  # what Whoosh estimates one posting in its pool costs, on average, for our texts


def _cached_reader(self: whoosh3.W3PerDocReader, fieldname: str, column: Any) -> Any:
    try:
        return self._readers[fieldname]
    except KeyError:
        reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        self._readers[fieldname] = reader  # None too: the segment will never grow that file
        return reader


def _add(self: PostingPool, item: tuple) -> None:
    """``PostingPool.add`` without its per-posting size sum (a tenth of indexing): count the postings and
    spill a run at the same memory bound, estimated from an average posting's size."""
    self.current.append(item)
    self.currentsize += POSTING_BYTES
    if self.currentsize > self.limit:
        self.save()


class _Lengths:
    """A finished segment's field lengths, each field's column read once into a list: flushing a segment
    asks for the length of every posting's document, through four calls each in Whoosh."""

    def __init__(self, reader: Any) -> None:
        self._reader = reader
        self._columns: dict[str, list[int] | None] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        try:
            column = self._columns[fieldname]
        except KeyError:
            column = self._columns[fieldname] = self._read(fieldname)
        if column is None:
            return default
        return column[docnum] or default

    def _read(self, fieldname: str) -> list[int] | None:
        reader = self._reader._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if reader is None:
            return None
        return [byte_to_length(value) if value else 0 for value in reader]

    def close(self) -> None:
        self._reader.close()


def _flush_segment(self: SegmentWriter) -> None:
    self.perdocwriter.close()
    lengths = _Lengths(self.per_document_reader()) if self.codec.length_stats else None
    self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
    self.fieldwriter.close()
    if lengths:
        lengths.close()


# Opening a segment without copying it


class _BufferStream(io.RawIOBase):
    """A read-only stream over a buffer that, unlike ``io.BytesIO``, does not copy the buffer first."""

    def __init__(self, buf: Any) -> None:
        super().__init__()
        self._buf, self._pos = buf, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        end = len(self._buf) if size is None or size < 0 else min(len(self._buf), self._pos + size)
        data = bytes(self._buf[self._pos:end])
        self._pos = max(self._pos, end)
        return data

    def readinto(self, target: Any) -> int:
        data = self.read(len(target))
        target[:len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: len(self._buf)}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos


def _buffer_init(self: BufferFile, buf: Any, name: str | None = None, onclose: Any = None) -> None:
    """``BufferFile`` over a memory-mapped part of a segment, without Whoosh's ``BytesIO`` copy of that
    part: it made one for each file it opened (at 10,000 documents, 130 ms of a search's CPU to copy
    60 MB of postings it then reads by slicing the buffer, ``get``). Stream reads go through a view."""
    self._buf, self._name, self.onclose = buf, name, onclose
    self.is_real, self.is_closed = False, False


def _buffer_stream(self: BufferFile) -> io.RawIOBase:
    stream = self.__dict__.get("_stream")
    if stream is None:
        stream = self.__dict__["_stream"] = _BufferStream(self._buf)
    return stream


def _buffer_set_stream(self: BufferFile, value: Any) -> None:
    self.__dict__["_stream"] = value


def _buffer_close(self: BufferFile) -> None:
    if self.is_closed:
        raise Exception("This file is already closed")  # as StructFile.close
    if self.onclose:
        self.onclose(self)
    stream = self.__dict__.get("_stream")
    if stream is not None:
        stream.close()
    self.is_closed = True


def _goto(self: whoosh3.W3LeafMatcher, position: int) -> None:
    """``W3LeafMatcher._goto``, reading the block's header from a slice of the postings instead of through
    the file's stream (``pickle.load`` on a Python stream reads a few bytes at a time): the same fields."""
    postfile = self._postfile
    self._data = self._ids = self._weights = self._values = None
    self._i = 0
    length = postfile.get_int(position)
    if length < 0:  # the last block
        self._lastblock = True
        length *= -1
    start = position + _INT_SIZE
    self._nextoffset = start + length
    block = io.BytesIO(postfile.get(start, length))
    info = pickle.load(block)
    self._dataoffset = start + block.tell()
    self._blocklength, self._maxid, self._maxweight, self._compression, mnlen, mxlen = info
    self._minlength = byte_to_length(mnlen)
    self._maxlength = byte_to_length(mxlen)


# Skipping blocks that cannot reach the top N, safely


def _block_end(matcher: Any) -> int | None:
    """The last document number up to which ``matcher.block_quality()`` bounds every score, or None when
    that is not known (then nothing is skipped)."""
    if isinstance(matcher, whoosh3.W3LeafMatcher):
        return matcher.block_max_id() if matcher.is_active() else None
    if isinstance(matcher, WrappingMatcher) and type(matcher) is WrappingMatcher:  # a boost
        return _block_end(matcher.child)
    if isinstance(matcher, UnionMatcher | IntersectionMatcher):
        ends = [_block_end(child) for child in (matcher.a, matcher.b) if child.is_active()]
        known = [end for end in ends if end is not None]
        if not known or len(known) < len(ends):
            return None
        return min(known)
    return None


def _window_bound(matcher: Any, end: int) -> float:
    """A bound on the score of every document from ``matcher``'s current one up to ``end`` (within which
    ``_block_end`` says every block quality holds): 0 for a part with no posting there, so that a sparse
    part (a term's title postings) does not keep the bound of a window it is absent from high."""
    if not matcher.is_active() or matcher.id() > end:
        return 0.0
    if isinstance(matcher, UnionMatcher | IntersectionMatcher):
        # An intersection at a document has both parts there; a union scores at most the sum of its parts.
        return _window_bound(matcher.a, end) + _window_bound(matcher.b, end)
    return matcher.block_quality()  # a leaf, or a boost around one (see _block_end)


def _safe_skip_to_quality(self: UnionMatcher | IntersectionMatcher, minquality: float) -> int:
    """Skip, together, every part past the end of the window in which each part's block quality bounds
    its scores, while the bound on the window (the parts with a posting in it) is below ``minquality``.

    Whoosh's own version skips one part's block on its own, past documents that the other part's next,
    better block may also hold: it lost real hits from the top 10 (tests/test_search_topn.py).
    """
    skipped = 0
    while self.is_active():
        end = _block_end(self)
        if end is None or _window_bound(self, end) >= minquality:
            break
        for child in (self.a, self.b):
            if child.is_active():
                child.skip_to(end + 1)
        skipped += 1
        if isinstance(self, IntersectionMatcher):
            if not (self.a.is_active() and self.b.is_active()):
                break
            if self.a.id() != self.b.id():  # Whoosh's _find_next asserts they differ
                self._find_next()
        else:
            self._id = None  # the union's cached current id
    return skipped


_ORIGINAL_SKIPS = {UnionMatcher: UnionMatcher.skip_to_quality, IntersectionMatcher: IntersectionMatcher.skip_to_quality}


def apply() -> None:
    whoosh3.W3PerDocReader._cached_reader = _cached_reader
    BufferFile.__init__, BufferFile.close = _buffer_init, _buffer_close
    BufferFile.file = property(_buffer_stream, _buffer_set_stream)
    whoosh3.W3LeafMatcher._goto = _goto
    PostingPool.add = _add
    SegmentWriter._flush_segment = _flush_segment
    for matcher_class in _ORIGINAL_SKIPS:
        matcher_class.skip_to_quality = _safe_skip_to_quality


@contextlib.contextmanager
def reverted() -> Iterator[None]:
    """Whoosh as shipped, for a fair baseline in the benchmark."""
    whoosh3.W3PerDocReader._cached_reader = _ORIGINAL
    BufferFile.__init__, BufferFile.close = _ORIGINAL_BUFFER_INIT, _ORIGINAL_BUFFER_CLOSE
    del BufferFile.file
    whoosh3.W3LeafMatcher._goto = _ORIGINAL_GOTO
    PostingPool.add = _ORIGINAL_ADD
    SegmentWriter._flush_segment = _ORIGINAL_FLUSH
    for matcher_class, original in _ORIGINAL_SKIPS.items():
        matcher_class.skip_to_quality = original
    try:
        yield
    finally:
        apply()


# Analysis done once per distinct word


class CachedPositions(Positions):
    """Whoosh's ``Positions`` format, with each distinct word analyzed once for the whole run.

    Whoosh runs every token of every document through the analyzer's chain of generators (tokenize,
    lowercase, stop, stem), a third of a rebuild's time. A word's term does not depend on its context, so
    here the text is split with the same token pattern, each word is looked up in a cache of its term
    (filled by the archive's own analyzer, so the terms cannot differ), and positions are renumbered over
    the dropped words as Whoosh's stop filter does. The postings written are byte for byte the same
    (tests/test_index_speed.py compares them); the stored format is Whoosh's.
    """

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterator[tuple[str, int, float, bytes]]:
        if not isinstance(value, str) or not isinstance(analyzer, MultilingualAnalyzer):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        boost = self.field_boost
        positions: dict[str, list[int]] = defaultdict(list)
        for term, position in term_positions(value):
            positions[term].append(position)
        encode = self.encode
        for term, found in positions.items():
            yield term, len(found), len(found) * boost, encode(found)

    def encode(self, poslist: list[int]) -> bytes:
        if len(poslist) == 1:  # most postings: one position, and the same few thousand positions
            return _one_position(poslist[0])
        return super().encode(poslist)


@functools.lru_cache(maxsize=65536)
def _one_position(position: int) -> bytes:
    return Positions.encode(_PLAIN_POSITIONS, [position])


_PLAIN_POSITIONS = Positions()


_TOKEN = regex.compile(TOKEN_PATTERN)


@functools.cache
def _terms_of(language: str) -> dict[tuple[str, bool], str]:
    """(word as written, inside a compound?) -> its term in ``language`` ("" when the analyzer drops it).
    Unbounded, like the analyzer's stem cache: an archive has a few hundred thousand distinct word forms."""
    return {}


def forget_indexed_terms() -> None:
    """Start a write with no words remembered: a process that indexed another archive before (a server, the
    tests) must not carry that archive's words into this index's term map."""
    _terms_of.cache_clear()


def indexed_terms(languages: Iterable[str]) -> dict[str, dict[str, str]]:
    """language -> lowercased word -> term, for the words this process has indexed in ``languages`` (the
    words a stop filter dropped left out): what ``archive.search.term_map`` keeps beside the index."""
    result: dict[str, dict[str, str]] = {}
    for language in languages:
        words = result[language] = {}
        for (word, _), term in _terms_of(language).items():
            if term:
                words[word.lower()] = term
    return result


def term_positions(value: str) -> list[tuple[str, int]]:
    """(term, position) for a value written by ``mark_language``, as ``MultilingualAnalyzer`` gives them.

    The text is tokenized whole (a sentence join or a compound depends on the characters around a word);
    each distinct word then goes through the analyzer's filters once."""
    language: str | None = DEFAULT_LANGUAGE
    if value.startswith(LANGUAGE_MARK):
        language, _, value = value[1:].partition(LANGUAGE_MARK)
    terms = _terms_of(language or "")
    text = normalize_text(value)
    mapped: list[str] = []
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        key = (match.group(), _hyphen_joins(text, start - 1, -1) or _hyphen_joins(text, end, 1))
        term = terms.get(key)
        if term is None:
            term = terms[key] = _filtered(language, *key)
        mapped.append(term)
    # The stop filter renumbers: the first kept word keeps its place, the others follow it.
    first = next((index for index, term in enumerate(mapped) if term), 0)
    kept = [term for term in mapped if term]
    return list(zip(kept, range(first, first + len(kept)), strict=True))


def _filtered(language: str | None, word: str, compound: bool) -> str:
    """One token through the analyzer's filters (all but its tokenizer): its term, or "" if dropped."""
    token = Token(positions=False, chars=False, removestops=True, mode="index")
    token.text, token.boost, token.stopped, token.compound = word, 1.0, False, compound
    tokens: Any = iter([token])
    for stage in analyzer_for(language).items[1:]:
        tokens = stage(tokens)
    found = [t.text for t in tokens]
    return found[0] if len(found) == 1 else ""
