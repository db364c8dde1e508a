"""Parse a search in Whoosh's query language and analyze it in every language of the searched records.

The parser runs on a copy of the schema whose text fields only tokenize and lowercase, so the query
keeps the words as typed; ``expand_languages`` then replaces each word and phrase in ``title``/``body``
by its analysis in each language present (``archive.search.analysis.query_alternatives``), OR-ed. Wildcards and
prefixes match the stored terms as they are.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Iterable
from itertools import islice

import regex
from whoosh import query as wq
from whoosh.analysis import LowercaseFilter, RegexTokenizer
from whoosh.fields import TEXT, Schema
from whoosh.qparser import FuzzyTermPlugin, GtLtPlugin, MultifieldParser, QueryParser
from whoosh.searching import Searcher

from archive.dates import DateError, parse_partial_date
from archive.errors import UsageError
from archive.search.analysis import FIELD_BOOSTS, QUERY_WORD_PATTERN, query_alternatives

TEXT_FIELDS = tuple(FIELD_BOOSTS)

DATE_FIELDS = ("date", "start", "end")
SURFACE_DOCS = 5  # records read to turn a suggested stem back into a word


class QueryError(UsageError, ValueError):
    """The query cannot be understood; the message says why."""


def parse_schema(schema: Schema) -> Schema:
    """The index schema with the text fields keeping words as typed (lowercased)."""
    # A hyphenated compound stays one word here, so that its analysis (stop words kept) becomes a phrase.
    plain = TEXT(analyzer=RegexTokenizer(regex.compile(QUERY_WORD_PATTERN)) | LowercaseFilter())
    fields = {name: (plain if name in TEXT_FIELDS else schema[name]) for name in schema.names()}
    return Schema(**fields)


def make_parser(schema: Schema) -> QueryParser:
    """The query parser for an index's schema (build it once per searcher: it is not cheap)."""
    parser = MultifieldParser(list(TEXT_FIELDS), parse_schema(schema), fieldboosts=FIELD_BOOSTS)
    parser.add_plugin(FuzzyTermPlugin())
    parser.add_plugin(GtLtPlugin())
    return parser


def parse(text: str, schema_or_parser: Schema | QueryParser) -> wq.Query:
    """Parse ``text`` (words as typed); raise ``QueryError`` for an empty or malformed query."""
    if not text.strip():
        raise QueryError("the query is empty; give words to search for, or * for everything")
    parser = schema_or_parser if isinstance(schema_or_parser, QueryParser) else make_parser(schema_or_parser)
    _check_dates(text)
    try:
        raw = parser.parse(text, normalize=False)
    except Exception as exc:  # Whoosh raises bare exceptions for some syntax
        raise QueryError(f"cannot parse the query {text!r}: {exc}") from None
    for node in _walk(raw):
        if type(node).__name__ == "ErrorQuery":
            field = getattr(node, "fieldname", None) or _date_field_in(text)
            hint = " (write dates as 2020, 2020-05 or 2020-05-01, ranges as [2020-05-01 to 2020-06-30])" \
                if field in DATE_FIELDS else ""
            raise QueryError(f"cannot understand {field or 'a part'} in the query {text!r}: {node.msg}{hint}")
    return raw.normalize()


def _date_field_in(text: str) -> str | None:
    match = re.search(r"\b(date|start|end):", text)
    return match.group(1) if match else None


_DATE_VALUE = re.compile(r"\b(date|start|end):(\[[^\]]*\]?|\{[^}]*\}?|[<>]=?\S*|\S*)")
_DATE = re.compile(r"\d{4}(-\d{1,2}(-\d{1,2})?)?")


def _check_dates(text: str) -> None:
    """Whoosh silently drops a date it cannot read; say so instead."""
    for match in _DATE_VALUE.finditer(text):
        field, value = match.groups()
        _check_range(field, value)
        parts = [p for p in re.split(r"(?i)[\s\[\]{}<>=]+|\bto\b", value.strip("'\"")) if p]
        bad = [p for p in parts if not _valid_date(p)]
        if not parts or bad:
            shown = bad[0] if bad else value or "nothing"
            raise QueryError(f"{field}: cannot read {shown!r} as a date; write 2020, 2020-05 or 2020-05-01, "
                             f"or a range such as {field}:[2020-05-01 to 2020-06-30]")


def _check_range(field: str, value: str) -> None:
    """A range Whoosh cannot read (not closed, no 'to') would otherwise match nothing without a word."""
    if not value.startswith(("[", "{")):
        return
    example = f"write it as {field}:[2020-05-01 to 2020-06-30] (either end may be left out)"
    if not re.search(r"[\]}]", value):
        raise QueryError(f"{field}: the range {field}:{value.strip()} is not closed with ] or }}; {example}")
    if not re.search(r"(?i)\bto\b", value):
        raise QueryError(f"{field}: the range {field}:{value.strip()} has no 'to' between its ends; {example}")


def _valid_date(text: str) -> bool:
    if not _DATE.fullmatch(text):
        return False
    try:
        parse_partial_date(text)
    except DateError:
        return False
    return True


def _walk(node: wq.Query) -> Iterable[wq.Query]:
    yield node
    for child in node.children():
        yield from _walk(child)


def expand_languages(node: wq.Query, languages: Iterable[str]) -> wq.Query:
    """Replace words and phrases in the text fields by their analysis in each language, OR-ed."""
    languages = tuple(languages)
    if isinstance(node, wq.Term) and node.fieldname in TEXT_FIELDS and not isinstance(node, wq.FuzzyTerm):
        return _alternatives(node.fieldname, [node.text], languages, node.boost)
    if isinstance(node, wq.Phrase) and node.fieldname in TEXT_FIELDS:
        return _alternatives(node.fieldname, node.words, languages, node.boost, node.slop)
    if isinstance(node, wq.Prefix | wq.Wildcard) and node.fieldname in TEXT_FIELDS:
        return node
    if node.is_leaf():
        return node
    return node.apply(lambda child: expand_languages(child, languages))


def _alternatives(fieldname: str, words: list[str], languages: tuple[str, ...], boost: float,
                  slop: int = 1) -> wq.Query:
    options: list[wq.Query] = []
    for terms in query_alternatives(" ".join(words), languages):
        if len(terms) == 1:
            options.append(wq.Term(fieldname, terms[0], boost=boost))
        else:
            options.append(wq.Phrase(fieldname, list(terms), slop=slop, boost=boost))
    if not options:
        return wq.NullQuery  # only stop words
    return options[0] if len(options) == 1 else wq.Or(options)


def languages_present(searcher: Searcher) -> list[str]:
    """The record languages in the index (each record's ``language``, English when it has none), not
    counting bare stubs: they have no language of their own, and would add English to every query."""
    reader = searcher.reader()
    stubs = set(reader.postings("stub", b"t").all_ids()) if ("stub", b"t") in reader else set()
    found = [code for code in reader.field_terms("language")
             if any(docnum not in stubs for docnum in reader.postings("language", code).all_ids())]
    return sorted(found) or ["en"]


def unknown_words(plain: wq.Query, searcher: Searcher, languages: Iterable[str]) -> list[str]:
    """Words of the query, as typed (lowercased), that no record holds in its title or body."""
    reader = searcher.reader()
    languages = tuple(languages)
    words: dict[str, None] = {}
    for node in _walk(plain):
        if getattr(node, "fieldname", None) not in TEXT_FIELDS:
            continue
        if type(node) is wq.Term:
            candidates = [node.text]
        elif isinstance(node, wq.Phrase):
            candidates = list(node.words)
        else:
            continue  # wildcards, prefixes and fuzzy terms are not misspellings
        for word in candidates:
            terms = [t for alternative in query_alternatives(word, languages) for t in alternative]
            if not word.isalpha() or not terms:
                continue  # numbers and stop words are not misspellings
            if not any((name, term) in reader for name in TEXT_FIELDS for term in terms):
                words.setdefault(word, None)
    return list(words)


def did_you_mean(text: str, plain: wq.Query, searcher: Searcher, languages: Iterable[str],
                 word_for: Callable[[str, str, int], Counter[str]]) -> str | None:
    """The query with each unknown word replaced by the closest word in the archive, if any changed.

    Candidates are the stored terms (stems) within two edits of the word's analysis, the most frequent
    first; ``word_for(field, term, docnum)`` gives the words (as written, lowercased) that became the
    chosen term in a record that holds it, and the one closest to what was typed is suggested.
    """
    languages = tuple(languages)
    corrected = text
    for word in unknown_words(plain, searcher, languages):
        fix = _closest_word(searcher, word, languages, word_for)
        if not fix or fix == word:
            continue
        # Replace the word where it stands as a search word: not a field name, not part of a wildcard.
        pattern = re.compile(rf"(?<![\w:*?]){re.escape(word)}(?![\w:*?~])", re.IGNORECASE)
        corrected = pattern.sub(functools.partial(_in_case_of, fix), corrected)
    return corrected if corrected != text else None


def _closest_word(searcher: Searcher, word: str, languages: tuple[str, ...],
                  word_for: Callable[[str, str, int], Counter[str]]) -> str | None:
    reader = searcher.reader()
    stems = {term for alternative in query_alternatives(word, languages) for term in alternative}
    for distance in (1, 2):
        found: list[tuple[int, str, str]] = []
        for name in TEXT_FIELDS:
            for stem in stems:
                for term in reader.terms_within(name, stem, distance, prefix=1):
                    found.append((reader.doc_frequency(name, term), name, term))
        if found:
            _, name, term = max(found)
            words: Counter[str] = Counter()
            for docnum in islice(reader.postings(name, term).all_ids(), SURFACE_DOCS):
                words.update(word_for(name, term, docnum))
            if words:
                return min(words, key=lambda w: (_edits(word, w), -words[w], w))
    return None


def _edits(a: str, b: str) -> int:
    """Levenshtein distance (the words are short)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _in_case_of(fix: str, match: re.Match[str]) -> str:
    """``fix`` in the case of the word it replaces (for ``re.sub``)."""
    return _same_case(match.group(), fix)


def _same_case(original: str, fix: str) -> str:
    return fix.capitalize() if original[:1].isupper() else fix
