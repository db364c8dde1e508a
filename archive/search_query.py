"""Parse a search in Whoosh's query language and analyze it in every language of the searched records.

The parser runs on a copy of the schema whose text fields only tokenize and lowercase, so the query
keeps the words as typed; ``expand_languages`` then replaces each word and phrase in ``title``/``body``
by its analysis in each language present (``archive.analysis.query_alternatives``), OR-ed. Wildcards and
prefixes match the stored terms as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from whoosh import query as wq
from whoosh.analysis import LowercaseFilter, RegexTokenizer
from whoosh.fields import TEXT, Schema
from whoosh.qparser import FuzzyTermPlugin, GtLtPlugin, MultifieldParser
from whoosh.searching import Searcher
from whoosh.spelling import Corrector

from archive.analysis import FIELD_BOOSTS, TOKEN_PATTERN, query_alternatives
from archive.dates import DateError, parse_partial_date

TEXT_FIELDS = tuple(FIELD_BOOSTS)

DATE_FIELDS = ("date", "start", "end")


class QueryError(ValueError):
    """The query cannot be understood; the message says why."""


def parse_schema(schema: Schema) -> Schema:
    """The index schema with the text fields keeping words as typed (lowercased)."""
    plain = TEXT(analyzer=RegexTokenizer(re.compile(TOKEN_PATTERN)) | LowercaseFilter())
    fields = {name: (plain if name in TEXT_FIELDS else schema[name])
              for name in schema.names() if not name.startswith("spell_")}
    return Schema(**fields)


def parse(text: str, schema: Schema) -> wq.Query:
    """Parse ``text`` (words as typed); raise ``QueryError`` for an empty or malformed query."""
    if not text.strip():
        raise QueryError("the query is empty; give words to search for, or * for everything")
    parser = MultifieldParser(list(TEXT_FIELDS), parse_schema(schema), fieldboosts=FIELD_BOOSTS)
    parser.add_plugin(FuzzyTermPlugin())
    parser.add_plugin(GtLtPlugin())
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
        parts = [p for p in re.split(r"(?i)[\s\[\]{}<>=]+|\bto\b", value.strip("'\"")) if p]
        bad = [p for p in parts if not _valid_date(p)]
        if not parts or bad:
            shown = bad[0] if bad else value or "nothing"
            raise QueryError(f"{field}: cannot read {shown!r} as a date; write 2020, 2020-05 or 2020-05-01, "
                             f"or a range such as {field}:[2020-05-01 to 2020-06-30]")


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
    """The record languages in the index (each record's ``language``, English when it has none)."""
    return sorted(searcher.reader().field_terms("language")) or ["en"]


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
            if not word.isalpha() or not query_alternatives(word, languages):
                continue  # numbers and stop words are not misspellings
            if not any((f"spell_{name}", word) in reader for name in TEXT_FIELDS):
                words.setdefault(word, None)
    return list(words)


def did_you_mean(text: str, plain: wq.Query, searcher: Searcher, languages: Iterable[str]) -> str | None:
    """The query with each unknown word replaced by the closest word in the archive, if any changed."""
    correctors = [searcher.corrector(name) for name in TEXT_FIELDS]
    corrected = text
    for word in unknown_words(plain, searcher, languages):
        suggestions = _suggest(correctors, word)
        if not suggestions or suggestions[0] == word:
            continue
        # Replace the word where it stands as a search word: not a field name, not part of a wildcard.
        pattern = re.compile(rf"(?<![\w:*?]){re.escape(word)}(?![\w:*?~])", re.IGNORECASE)
        corrected = pattern.sub(lambda m, fix=suggestions[0]: _same_case(m.group(), fix), corrected)
    return corrected if corrected != text else None


def _same_case(original: str, fix: str) -> str:
    return fix.capitalize() if original[:1].isupper() else fix


def _suggest(correctors: list[Corrector], word: str) -> list[str]:
    """Suggestions from several fields, best first (Whoosh's MultiCorrector mixes up its pairs)."""
    best: dict[str, float] = {}
    for corrector in correctors:
        for score, suggestion in corrector._suggestions(word, 2, 1):
            best[suggestion] = max(score, best.get(suggestion, score))
    return [s for s, _ in sorted(best.items(), key=lambda item: (-item[1], item[0]))]
