"""Text analysis and ranking constants: the one definition shared by the Whoosh index and the site.

Everything that decides which terms a text produces, and how a match is scored, lives here, so that the
published site's browser search can reproduce ``archive search`` exactly. The public API (keep it
stable; the site builds on it):

- ``analyze(text, language)``: exactly the terms the index stores for ``text`` in a record of that
  language, in order (stop words and one-letter tokens left out).
- ``analyze_words(text, language)``: the same, paired with the lowercased word each term came from; the
  site uses it to map every word form in the archive to its term at build time.
- ``analyzer_language(code)``: the analysis a record gets: a language in ``LANGUAGES``, or ``""``
  (tokenize and lowercase only) when Whoosh has no stemmer for the code. No code means ``en``.
- ``analyzer_for(code)``: the Whoosh analyzer behind the two functions above.
- ``query_alternatives(text, languages)``: a query word or phrase analyzed in every language present
  in the searched records; a document matches if it matches any alternative (see "Queries").
- ``FIELD_BOOSTS``, ``BM25_B``, ``BM25_K1``, ``STUB_WEIGHT``, ``stored_field_length``, ``idf``, ``bm25``: the
  ranking.
- ``query_languages(requested, present)``: the languages a query is analyzed in.
- ``compose_body(values)``: the text indexed as ``body``: the record's body followed by its other text
  columns (``BODY_COLUMNS``), so an outcome or a lesson is found like the body; then, under ``lineage``,
  the names its lineage links point to (``LINEAGE_RELATIONS``), which the caller looks up.
- ``TOKEN_PATTERN`` (the ``regex`` module) and ``TOKEN_PATTERN_JS`` (the same pattern, JavaScript flags
  ``gu``); ``QUERY_WORD_PATTERN``: a query word, a hyphenated compound kept whole (the site ships it).

Tokens: a URL or an e-mail address whole; otherwise a run of letters, marks, digits and ``_``, joined by
single dots (``u.s.a``, ``3.5``, ``1937.01.11``, ``union.org``) except where a sentence was joined
without a space: two or more characters, a dot, a capitalized word (``staking.De`` is two tokens).
Tokens are lowercased (``str.lower``). Stop words (Whoosh's list for the language and its English list)
and one-letter tokens are dropped, except inside a hyphenated compound (``sit-in`` keeps ``in``), and
positions are renumbered over the dropped ones, so a phrase with a stop word in it still matches. Each
remaining token becomes its term (``archive.search.lemmas.term``): the Snowball stem of simplemma's lemma
(``buses`` -> ``bus``, ``boycotting`` -> ``boycott``); a word the dictionary does not know gets Snowball's
stem only when it cuts two letters or more, so names keep their final ``s`` (``Philips``).

Queries: a query word is analyzed once per language of ``query_languages``: those the reader asked for
(``--lang``), else those present among the searched records (the index keeps the list in the ``language``
field). The distinct results are OR-ed. A phrase, or a compound (``sit-in`` -> ``sit in``), is analyzed
whole per language, and the phrases are OR-ed.

Scoring (Whoosh BM25F as used by ``archive search``): a document's score is the sum, over every query
term it matches in every field of ``FIELD_BOOSTS``, of::

    FIELD_BOOSTS[field] * bm25(idf(N, df), tf, stored_field_length(fl), avgfl)

where ``N`` is the number of searched records (for ``--public``, the public ones only), ``df`` the number
of them with the term in that field, ``tf`` the term's count in the field, ``fl`` the number of terms in
the field (after analysis) and ``avgfl`` the mean of ``stored_field_length(fl)`` over the searched
records. A phrase scores as the sum of its terms' scores, counting only the documents that hold the
phrase. OR-ed alternatives that both match add up. A bare stub's total is multiplied by ``STUB_WEIGHT``.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from typing import Any

import regex
from whoosh.analysis import Analyzer, Filter, LowercaseFilter, StemFilter, StopFilter, Token, Tokenizer
from whoosh.lang import has_stemmer, has_stopwords, languages, two_letter_code
from whoosh.util.numeric import byte_to_length, length_to_byte

from archive.search.lemmas import LEMMA_LANGUAGES, term

# Bump when anything below changes the terms or the scores: an index built with another version is
# reported by ``archive verify`` and rebuilt by ``archive reindex``.
ANALYSIS_VERSION = 4  # 4: sentence joins split, compounds keep their stop words, lemmas instead of stems

DEFAULT_LANGUAGE = "en"
# The languages Whoosh can stem: da de en es fi fr hu it nl no pt ro ru sv tr (Snowball) and ar (ISRI).
LANGUAGES: tuple[str, ...] = tuple(sorted(code for code in languages if has_stemmer(code)))
PLAIN = ""  # analysis for a language Whoosh cannot stem: tokenize and lowercase only

# One token per match, the same in Python (the ``regex`` module) and JavaScript (flags ``gu``): a URL or an
# e-mail address whole; otherwise a word, whose dots join it to the next run of letters or digits
# (``u.s.a``, ``3.5``, ``1937.01.11``, ``union.org``) except where a sentence was joined without a space:
# a run of two or more characters, a dot, then a capitalized word (``staking.De``, ``1937.In``).
_WORD_CHAR = r"[\p{L}\p{M}\p{N}_]"
_URL = r"""(?:https?://|www\.)[^\s<>"'()\[\]{}]*[^\s<>"'()\[\]{}.,;:!?]"""
_EMAIL = (rf"{_WORD_CHAR}(?:[\p{{L}}\p{{M}}\p{{N}}_.+\-]*{_WORD_CHAR})?@"
          rf"{_WORD_CHAR}+(?:[.\-]{_WORD_CHAR}+)*\.\p{{L}}{{2,}}")
_WORD = (rf"{_WORD_CHAR}+(?:\.(?:(?<=(?:^|[^\p{{L}}\p{{M}}\p{{N}}_]){_WORD_CHAR}\.)|(?![\p{{Lu}}\p{{Lt}}]\p{{Ll}}))"
         rf"{_WORD_CHAR}+)*")
TOKEN_PATTERN = rf"{_URL}|{_EMAIL}|{_WORD}"
TOKEN_PATTERN_JS = TOKEN_PATTERN  # the pattern is written in the syntax both engines share
# Hyphens that make a compound (``sit-in``, ``mother-in-law``): its parts are kept even when they are stop
# words or one letter long, so the compound can be found as a phrase. Not the en dash of ``1937–1938``.
HYPHENS = "-\u2010\u2011"
# A query word as the query parser keeps it: a compound stays one word, analyzed into a phrase.
QUERY_WORD_PATTERN = rf"{_URL}|{_EMAIL}|{_WORD}(?:[{HYPHENS}]{_WORD})*"
MIN_TOKEN_LENGTH = 2
_TOKEN = regex.compile(TOKEN_PATTERN)
_IS_WORD_CHAR = regex.compile(_WORD_CHAR)

# Unfielded query words search these fields; a match in the title counts twice as much as in the body.
FIELD_BOOSTS: dict[str, float] = {"title": 2.0, "body": 1.0}
# Text columns searched as part of the body, in this order, after the body itself. ``lineage`` is not a
# column: it is the names of the public records a record's lineage fields point to (see ``LINEAGE_RELATIONS``).
# The document fields holding the slugs a record links to (filled by archive.search.index_docs); here, so
# that the publisher's browser search reads them without loading the index's modules.
LINK_FIELDS = ("places", "waves", "struggles", "forms", "forces", "organizations")
BODY_COLUMNS = ("outcome", "demands", "won", "lost", "limits", "lessons", "determinants", "narrator", "author",
                "lineage")
# Lineage links whose targets' names go in the source's body, in this order, so a search for the AFL finds
# the CIO that split from it. Only targets public without condition (no embargo) count: a name must not
# reach a public document through a record that is not public, today or later.
LINEAGE_RELATIONS = ("succeeded_by", "split_from", "merged_into", "grew_out_of", "variant_of")

# A bare stub (a record named by a link, with no description of its own) scores this fraction of what it
# would: its one-line title otherwise outranks every described record for the words in its name.
STUB_WEIGHT = 0.01

# Whoosh's BM25F defaults, written down so the browser uses the same.
BM25_B = 0.75
BM25_K1 = 1.2

# Prefixed to a value handed to the index so that one field can hold every language (see MultilingualAnalyzer).
_LANGUAGE_MARK = "\x1f"


def analyzer_language(code: str | None) -> str:
    """The analysis a record with language ``code`` gets: a code in ``LANGUAGES`` or ``PLAIN``.

    ``None`` or empty means English. Regional variants use their language (``nl-BE`` is ``nl``), and
    three-letter codes and English names are understood (``nld``, ``dutch``).
    """
    if not code:
        return DEFAULT_LANGUAGE
    base = code.strip().lower().replace("_", "-").split("-")[0]
    two = two_letter_code(base)
    return two if two in LANGUAGES else PLAIN


@cache
def analyzer_for(code: str | None) -> Analyzer:
    """The Whoosh analyzer for records in language ``code`` (one shared instance per language)."""
    language = analyzer_language(code)
    # Whoosh's list for the language plus its English list, as Whoosh's own StopFilter has it.
    stops = frozenset(StopFilter(lang=language).stops) if language and has_stopwords(language) else frozenset()
    chain = ArchiveTokenizer() | LowercaseFilter() | CompoundStopFilter(stops)
    if language in LEMMA_LANGUAGES:
        chain = chain | LemmaFilter(language)
    elif language:
        # An unbounded cache: indexing stems the same few hundred thousand word forms over and over.
        chain = chain | StemFilter(lang=language, cachesize=-1)
    return chain


def query_languages(requested: Iterable[str], present: Iterable[str]) -> list[str]:
    """The languages a query is analyzed in: those the reader asked for (``--lang``), else those present."""
    wanted = sorted({code.strip().lower() for code in requested if code.strip()})
    return wanted or sorted(present)


class ArchiveTokenizer(Tokenizer):
    """``TOKEN_PATTERN``'s matches; a token joined to a word by a hyphen is marked ``compound``."""

    def __call__(self, value: str, positions: bool = False, chars: bool = False, keeporiginal: bool = False,
                 removestops: bool = True, start_pos: int = 0, start_char: int = 0, tokenize: bool = True,
                 mode: str = "", **kwargs: Any) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        matches = _TOKEN.finditer(value) if tokenize else [None]
        for pos, match in enumerate(matches):
            start, end = (match.start(), match.end()) if match else (0, len(value))
            token.text = value[start:end]
            token.boost = 1.0
            token.stopped = False
            token.compound = bool(match) and (_hyphen_joins(value, start - 1, -1) or _hyphen_joins(value, end, 1))
            if keeporiginal:
                token.original = token.text
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


def _hyphen_joins(text: str, at: int, step: int) -> bool:
    """Whether ``text[at]`` is a hyphen with a word character beyond it (in direction ``step``)."""
    beyond = at + step
    return (0 <= at < len(text) and text[at] in HYPHENS and 0 <= beyond < len(text)
            and _IS_WORD_CHAR.match(text[beyond]) is not None)


class CompoundStopFilter(Filter):
    """Drop stop words and one-letter tokens, except inside a compound; renumber positions over the gaps."""

    def __init__(self, stops: frozenset[str]) -> None:
        self.stops = stops

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CompoundStopFilter) and other.stops == self.stops

    def __hash__(self) -> int:
        return hash(self.stops)

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        pos: int | None = None
        for token in tokens:
            kept = getattr(token, "compound", False) or (
                len(token.text) >= MIN_TOKEN_LENGTH and token.text not in self.stops)
            if kept:
                if token.positions:
                    pos = token.pos if pos is None else pos + 1
                    token.pos = pos
                token.stopped = False
                yield token
            elif not token.removestops:
                token.stopped = True
                yield token


class LemmaFilter(Filter):
    """Replace each token by the stem of its lemma (``archive.search.lemmas.term``)."""

    def __init__(self, language: str) -> None:
        self.language = language

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LemmaFilter) and other.language == self.language

    def __hash__(self) -> int:
        return hash(self.language)

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        for token in tokens:
            if not token.stopped:
                token.text = term(token.text, self.language)
            yield token


def normalize_text(text: str) -> str:
    """Unicode NFC, so that a composed and a decomposed accent give the same token."""
    return unicodedata.normalize("NFC", text)


def analyze(text: str, language: str | None = None) -> list[str]:
    """The terms the index stores for ``text`` in a record of ``language``, in order."""
    return [token.text for token in analyzer_for(language)(normalize_text(text))]


def analyze_words(text: str, language: str | None = None) -> list[tuple[str, str]]:
    """Pairs of (lowercased word as written, term stored) for ``text`` in ``language``."""
    analyzer = analyzer_for(language)
    return [(token.original.lower(), token.text)
            for token in analyzer(normalize_text(text), keeporiginal=True)]


def query_alternatives(text: str, languages_present: Iterable[str]) -> list[tuple[str, ...]]:
    """``text`` analyzed in each language present, distinct and in a stable order; empty ones dropped."""
    seen: dict[tuple[str, ...], None] = {}
    for language in sorted({analyzer_language(code) for code in languages_present} or {DEFAULT_LANGUAGE}):
        terms = tuple(analyze(text, language or None) if language else _plain(text))
        if terms:
            seen.setdefault(terms, None)
    return list(seen)


def _plain(text: str) -> list[str]:
    return [token.text for token in analyzer_for("x-plain")(normalize_text(text))]


def compose_body(values: Mapping[str, Any]) -> str:
    """The ``body`` field's text: ``body`` then each of ``BODY_COLUMNS`` (lists joined), blank-line separated."""
    parts = [values.get("body") or ""]
    for name in BODY_COLUMNS:
        value = values.get(name)
        if isinstance(value, list):
            value = "\n".join(str(item) for item in value)
        if value:
            parts.append(str(value))
    # Attached files' captions and words (a PDF's text, a transcript, OCR), after the record's own text.
    parts.extend(str(text) for text in values.get("attachments") or () if text)
    return "\n\n".join(part for part in parts if part)


def stored_field_length(length: int) -> int:
    """A field length as the index keeps it: Whoosh rounds it to one of 256 values."""
    return byte_to_length(length_to_byte(length))


def idf(doc_count: int, doc_frequency: int) -> float:
    """Whoosh's inverse document frequency."""
    return math.log(doc_count / (doc_frequency + 1)) + 1


def bm25(idf_value: float, tf: float, field_length: float, avg_field_length: float,
         b: float = BM25_B, k1: float = BM25_K1) -> float:
    """Whoosh's BM25 term score (``whoosh.scoring.bm25``)."""
    return idf_value * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * field_length / avg_field_length)))


def mark_language(text: str, language: str | None) -> str:
    """Wrap a field value so that ``MultilingualAnalyzer`` analyzes it in ``language``."""
    return f"{_LANGUAGE_MARK}{analyzer_language(language) or 'x-plain'}{_LANGUAGE_MARK}{text}"


class MultilingualAnalyzer(Analyzer):
    """One index field for every language: the value says which language's analysis to apply.

    A Whoosh field has one analyzer, but records come in many languages. Values written by the index
    start with ``mark_language``'s prefix; an unmarked value (a query, a highlight) is analyzed as
    English. Keeping all languages in one ``title`` and one ``body`` field keeps scoring to two fields,
    which the browser can reproduce.
    """

    def __call__(self, value: str, **kwargs: Any) -> Iterator[Token]:
        language: str | None = DEFAULT_LANGUAGE
        if value.startswith(_LANGUAGE_MARK):
            language, _, value = value[1:].partition(_LANGUAGE_MARK)
        return analyzer_for(language)(normalize_text(value), **kwargs)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))
