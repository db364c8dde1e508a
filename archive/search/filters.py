"""Check ``archive search``'s --type, --wave and --place before searching: a value nothing could match is
the searcher's mistake (a typo, a slug from another archive), so it is an error naming the choices, not
"No records match".

Waves and places are checked against the searched index itself: with --public that is the index of the
public projection, so only public waves and places are ever confirmed, listed or suggested.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable

from whoosh import query as wq
from whoosh.searching import Searcher

from archive.ingest.record_rules import RECORD_TYPES
from archive.search.query import QueryError

SUGGESTED = 3  # closest slugs suggested for an unknown wave or place
CLOSE = 0.7  # difflib's similarity ratio for a suggestion ('thirtys' -> 'thirties' is 0.8)
LISTED = 12  # list every choice when there are no more than this many


class UnknownFilterValue(QueryError):
    """A --type, --wave or --place value that no searched record has; ``option`` names the option."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option
        self.message = message
        self.param_hint = option


def check_filters(searcher: Searcher, *, types: Iterable[str], waves: Iterable[str], places: Iterable[str],
                  type_name: Callable[[str], str], slug: Callable[[str], str],
                  facet_values: Callable[[str], dict[str, int]], public: bool) -> None:
    """Raise ``UnknownFilterValue`` for the first value nothing in ``searcher``'s index can match.

    ``facet_values(field)`` gives the values the index's live documents hold, with their counts; it is
    called only when a value is unknown, to say what there is."""
    for value in types:
        wanted = type_name(value.strip())
        if wanted not in RECORD_TYPES:
            raise UnknownFilterValue("--type", _unknown("type", value, wanted, RECORD_TYPES, listed=True))
    for option, field, record_type, values in (("--wave", "waves", "wave", waves),
                                                ("--place", "places", "place", places)):
        for value in values:
            wanted = slug(value.strip())
            if wanted and (_holds(searcher, field, wanted) or _record_exists(searcher, record_type, wanted)):
                continue
            known = sorted(set(facet_values(field)) | set(_record_slugs(searcher, record_type)))
            noun = f"{'public ' if public else ''}{record_type}"
            raise UnknownFilterValue(option, _unknown(noun, value, wanted, known, listed=len(known) <= LISTED))


def _unknown(noun: str, value: str, wanted: str, known: Iterable[str], *, listed: bool) -> str:
    known = list(known)
    message = f"unknown {noun} {value!r}"
    close = difflib.get_close_matches(wanted, known, n=SUGGESTED, cutoff=CLOSE)
    if close:
        message += f"; did you mean {' or '.join(repr(c) for c in close)}?"
    if not known:
        return message + f" (the archive has no {noun}s)"
    if listed:
        return message + f" (choose from: {', '.join(known)})"
    return message + f" ({len(known)} {noun}s exist{'' if close else ', none of them close to it'})"


def _holds(searcher: Searcher, field: str, term: str) -> bool:
    # docs_for_query skips deleted documents, which the lexicon may still list
    return next(iter(searcher.docs_for_query(wq.Term(field, term))), None) is not None


def _record_exists(searcher: Searcher, record_type: str, slug: str) -> bool:
    query = wq.And([wq.Term("type", record_type), wq.Term("slug", slug)])
    return next(iter(searcher.docs_for_query(query)), None) is not None


def _record_slugs(searcher: Searcher, record_type: str) -> list[str]:
    return [searcher.stored_fields(d)["slug"] for d in searcher.docs_for_query(wq.Term("type", record_type))]
