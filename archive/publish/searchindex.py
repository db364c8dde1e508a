"""The browser's search index: what ``archive search --public`` ranks by, cut into small, stable files.

Everything that needs the analyzer happens here, at build time, through ``archive.search.analysis``: the browser
never stems a word the archive contains. It does compute BM25F, from statistics shipped as they are:
each posting holds a term's count and the field's length in one document, and ``search/meta.js`` holds
the number of documents and the total field lengths, from which the browser takes ``idf`` and the
average field lengths. So a new document changes ``meta.js``, the shards of its own terms (their
document frequencies and postings) and one chunk of document summaries, and nothing else: no
precomputed score of any other document moves. Documents are numbered 0, 1, 2, ... in record id order
(the order a rebuilt Whoosh index gives them), so a new record, which has the highest id, takes the next
number and renumbers nothing. The numbers are dense on purpose: record ids would show, by their gaps,
how many records are not public and where. ``term_scores`` is the browser's
formula in Python, for tests.

Files (all JavaScript that calls ``LA.<name>(...)``, so that they load as ``<script>`` from ``file://``,
where ``fetch()`` is refused). Every folder is fanned out so that none holds more than a few hundred
files, however large the archive:

- ``search/meta.js``: document count, field boosts and total lengths, BM25 constants, languages, the
  first characters that have shards.
- ``search/p/<hex>.js``: the shard table for one first character: which prefixes have a shard and
  which were split one character deeper.
- ``search/s/<hex[:4]>/<hex>.js``: the shard for a prefix: every word form in the archive starting with
  it, mapped to its query terms per language, and every term starting with it, with its document
  frequency per field and its first postings (the head).
- ``search/t/<h[:2]>/<h>-<k>.js``: the rest of a long posting list (the tail) in chunks that grow
  fourfold, fetched one at a time only while the postings so far cannot decide the top results; ``h`` is
  a hash of the term (terms can be too long for a file name, and a hash does not move when other terms
  come and go).
- ``search/d/<c // 256>/<c>.js``: the title, type, date, link and snippet of the documents numbered
  ``8c`` to ``8c + 7``: packed, so that a large archive is not a folder of tiny files.
- ``search/f/<hex>.js``: the documents of a type or in a wave, as runs, for the filters.

Postings are ordered best first by a score that depends on the term's own postings only (its document
frequencies, and its postings' mean field lengths standing in for the collection's), so the order, and
the files, do not change when other documents come. The exact score is not monotone in that order; what
the browser needs is a bound on what it has not loaded yet, and every head and chunk carries, per field,
the largest length-normalized term frequency ``g`` still to come. As ``g`` with the real average ``A``
is at most ``g`` with the term's own ``A0`` times ``max(1, A / A0)``, that gives a safe bound on any
unseen posting with the collection's statistics of the day (see ``search.js``).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import regex

from archive.publish.cache import BuildCache
from archive.publish.lineage import lineage_names
from archive.publish.model import Item, SiteData
from archive.publish.paths import TYPES, item_path
from archive.search import analysis

FIELDS = tuple(analysis.FIELD_BOOSTS)  # ("title", "body"): a posting's values come in this order
HEAD = 64  # postings per term kept in the prefix shard, best first
TAIL_FIRST = 256  # postings in a term's first tail chunk; each next chunk is four times larger
SHARD_LIMIT = 12_000  # bytes; a bigger prefix shard is split one character deeper
BOUND_SCALE = 10_000  # bounds travel as integers, rounded up
DOC_CHUNK = 8  # document summaries per file
FOLDER_FILES = 256  # document summary files per folder
ORDER_COUNT = 1 << 20  # the document count the posting order assumes (the order only affects speed)
_WORDS = regex.compile(analysis.TOKEN_PATTERN)
_QUERY_WORDS = regex.compile(analysis.QUERY_WORD_PATTERN)  # compounds whole (sit-in)


@dataclass
class SearchDoc:
    item: Item
    title_terms: list[str]
    body_terms: list[str]

    def terms(self, field_name: str) -> list[str]:
        return self.title_terms if field_name == "title" else self.body_terms


def _js(call: str, *args: object) -> bytes:
    body = ",".join(json.dumps(a, ensure_ascii=False, separators=(",", ":"), sort_keys=True) for a in args)
    # "</" can't appear inside a <script> file loaded by src, but escaping it costs nothing and guards inlining.
    return f"LA.{call}({body});\n".replace("</", "<\\/").encode("utf-8")


def shard_name(prefix: str) -> str:
    return prefix.encode("utf-8").hex()


def documents(data: SiteData, cache: BuildCache) -> list[SearchDoc]:
    """The public records in document-number order: record id order, as a rebuilt Whoosh index numbers
    them, so that equal scores rank in the same order as ``archive search``."""
    items = sorted((i for t in TYPES for i in data.of_type(t)), key=lambda i: i.id)
    docs = []
    for item in items:
        body = _body(item)
        docs.append(SearchDoc(item, cache.terms(item.title, item.language), cache.terms(body, item.language)))
    return docs


def _body(item: Item) -> str:
    """The indexed body, as ``archive.search.index_docs`` composes it: text columns, then lineage names."""
    return analysis.compose_body({**item.fields, "body": item.body, "lineage": lineage_names(item),
                                  "attachments": item.attachment_words()})


def ranges(numbers: list[int]) -> list[int]:
    """Sorted document numbers as runs ``[start, end, start, end, ...]`` (end exclusive): records of one
    type or one wave tend to be ingested together, so a facet is a few runs, not a long list."""
    out: list[int] = []
    for number in sorted(numbers):
        if out and out[-1] == number:
            out[-1] = number + 1
        else:
            out += [number, number + 1]
    return out


@dataclass
class Collection:
    """Per field: each document's stored length (by position in ``docs``) and each term's counts."""

    count: int
    lengths: dict[str, list[int]]
    tfs: dict[str, dict[str, dict[int, int]]]

    def average(self, field_name: str) -> float:
        return sum(self.lengths[field_name]) / self.count if self.count else 0.0


def collect(docs: list[SearchDoc]) -> Collection:
    lengths: dict[str, list[int]] = {}
    tfs: dict[str, dict[str, dict[int, int]]] = {}
    for field_name in FIELDS:
        counts: dict[str, dict[int, int]] = defaultdict(dict)
        lengths[field_name] = []
        for number, doc in enumerate(docs):
            terms = doc.terms(field_name)
            lengths[field_name].append(analysis.stored_field_length(len(terms)))
            for term, tf in Counter(terms).items():
                counts[term][number] = tf
        tfs[field_name] = counts
    return Collection(len(docs), lengths, tfs)


def term_scores(docs: list[SearchDoc]) -> dict[str, dict[int, float]]:
    """Each term's BM25F score in each document that holds it (by position in ``docs``), summed over the
    boosted fields: what the browser computes from the shipped statistics, and what ``archive search``
    computes from the index."""
    collection = collect(docs)
    scores: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for field_name, boost in analysis.FIELD_BOOSTS.items():
        average = collection.average(field_name)
        if not average:
            continue
        field_lengths = collection.lengths[field_name]
        for term, postings in collection.tfs[field_name].items():
            idf = analysis.idf(collection.count, len(postings))
            for number, tf in postings.items():
                scores[term][number] += boost * analysis.bm25(idf, tf, field_lengths[number], average)
    return scores


def word_forms(docs: list[SearchDoc], languages: list[str], cache: BuildCache) -> dict[str, str]:
    """Every lowercased word in the archive -> its query terms: ``"a|b c"`` lists alternatives, ``""``
    means the word itself is its only term, ``"-"`` means it is a stop word in every language."""
    words: set[str] = set()
    for doc in docs:
        text = doc.item.title + " " + _body(doc.item)
        text = analysis.normalize_text(text)
        words.update(w.lower() for w in _WORDS.findall(text))
        words.update(w.lower() for w in _QUERY_WORDS.findall(text))
    forms = {}
    for word in sorted(words):
        alternatives = cache.alternatives(word, languages)
        if alternatives == [[word]]:
            forms[word] = ""
        elif not alternatives:
            forms[word] = "-"
        else:
            forms[word] = "|".join(" ".join(terms) for terms in alternatives)
    return forms


def _saturation(tf: int, length: int, average: float) -> float:
    """BM25's length-normalized term frequency (``bm25`` without the idf)."""
    k1, b = analysis.BM25_K1, analysis.BM25_B
    return (tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * length / average))


@dataclass
class TermPostings:
    """One term's postings in browser order, with what the browser needs to score and bound them."""

    frequencies: list[int]  # document frequency per field
    averages: list[int]  # the term's own mean field length per field (at least 1), for order and bounds
    flat: list[int]  # per posting: document number, then per field: count, length (0, 0 where absent)
    bounds: dict[int, list[int]]  # at HEAD and each chunk's end: per field, the largest saturation from there


def term_postings(counts: list[dict[int, int]], lengths: list[list[int]]) -> TermPostings:
    """A term's postings from ``counts[f]`` (document number -> count in field ``f``) and ``lengths[f]``
    (each document's stored length of field ``f``)."""
    width = len(counts)
    frequencies = [len(c) for c in counts]
    averages = [max(1, sum(lengths[f][n] for n in c) // len(c)) if c else 1 for f, c in enumerate(counts)]
    saturations = [{n: _saturation(tf, lengths[f][n], averages[f]) for n, tf in c.items()}
                   for f, c in enumerate(counts)]
    weights = [boost * max(analysis.idf(ORDER_COUNT, df), 0.01)
               for boost, df in zip(analysis.FIELD_BOOSTS.values(), frequencies, strict=True)]
    order: dict[int, float] = {}
    for weight, field_saturations in zip(weights, saturations, strict=True):
        for n, value in field_saturations.items():
            order[n] = order.get(n, 0.0) - weight * value
    # Best first; equal keys in document (record id) order.
    ranked = sorted(order, key=lambda n: (order[n], n))
    flat: list[int] = []
    for n in ranked:
        flat.append(n)
        for f in range(width):
            tf = counts[f].get(n, 0)
            flat += (tf, lengths[f][n]) if tf else (0, 0)
    wanted = {HEAD} | {end for _, end in _chunks(len(ranked))}
    bounds: dict[int, list[int]] = {}
    running = [0] * width
    for index in range(len(ranked), HEAD - 1, -1):
        if index < len(ranked):
            n = ranked[index]
            # Scaled and rounded up, plus one: a bound must stay above the browser's own float arithmetic.
            running = [max(running[f], int(saturations[f].get(n, 0.0) * BOUND_SCALE) + 1) if n in saturations[f]
                       else running[f] for f in range(width)]
        if index in wanted:
            bounds[index] = list(running)
    return TermPostings(frequencies, averages, flat, bounds)


def _chunks(count: int) -> list[tuple[int, int]]:
    """Tail chunks as (first posting, end) over postings ``HEAD..count``: TAIL_FIRST, then 4x, 16x, ..."""
    chunks, size, start = [], TAIL_FIRST, HEAD
    while start < count:
        chunks.append((start, min(count, start + size)))
        start += size
        size *= 4
    return chunks


def tail_name(term: str) -> str:
    return hashlib.sha256(term.encode("utf-8")).hexdigest()[:16]


def _prefix(text: str, length: int) -> str:
    return "".join(list(text)[:length])


def _shards(entries: dict[str, int]) -> tuple[dict[str, list[str]], list[str]]:
    """Group ``key -> size`` by prefix, splitting any prefix over ``SHARD_LIMIT`` one level deeper."""
    groups: dict[str, list[str]] = defaultdict(list)
    for key in entries:
        groups[_prefix(key, 2)].append(key)
    final: dict[str, list[str]] = {}
    split: list[str] = []
    while groups:
        prefix, keys = groups.popitem()
        size = sum(entries[k] for k in keys)
        longer = [k for k in keys if len(k) > len(prefix)]
        if size > SHARD_LIMIT and longer:
            split.append(prefix)
            for key in longer:
                groups[_prefix(key, len(prefix) + 1)].append(key)
            keys = [k for k in keys if len(k) <= len(prefix)]
            if not keys:
                continue
        final[prefix] = sorted(keys)
    return final, sorted(split)


def shard_path(prefix: str) -> str:
    name = shard_name(prefix)
    return f"search/s/{name[:4]}/{name}.js"


def tail_path(name: str, chunk: int) -> str:
    return f"search/t/{name[:2]}/{name}-{chunk}.js"


def docs_path(chunk: int) -> str:
    return f"search/d/{chunk // FOLDER_FILES}/{chunk}.js"


def _compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def search_files(data: SiteData, cache: BuildCache | None = None) -> Iterator[tuple[str, bytes]]:
    """Every file of the browser's search index."""
    cache = cache or BuildCache()
    docs = documents(data, cache)
    languages = sorted({analysis.analyzer_language(d.item.language) for d in docs})
    collection = collect(docs)
    # Bare stubs have no language of their own: they add none to the query (as in archive search).
    described = [d for d in docs if not d.item.is_stub] or docs
    forms = word_forms(docs, sorted({d.item.language or analysis.DEFAULT_LANGUAGE for d in described}), cache)
    width = len(FIELDS)
    totals = [sum(collection.lengths[f]) for f in FIELDS]
    lengths = [collection.lengths[f] for f in FIELDS]
    terms = sorted(set().union(*(collection.tfs[f] for f in FIELDS)))
    entries: dict[str, list] = {}
    tails: dict[str, tuple[str, TermPostings]] = {}
    names: dict[str, str] = {}
    for term in terms:
        postings = term_postings([collection.tfs[f].get(term, {}) for f in FIELDS], lengths)
        count = len(postings.flat) // (1 + 2 * width)
        tail: object = 0
        if count > HEAD:
            name = tail_name(term)
            if name in names:
                raise RuntimeError(f"search terms {names[name]!r} and {term!r} share the tail name {name}")
            names[name] = term
            tails[term] = (name, postings)
            tail = [name, len(_chunks(count)), postings.bounds[HEAD]]
        entries[term] = [term, postings.frequencies, postings.averages,
                         postings.flat[: HEAD * (1 + 2 * width)], tail]
    del collection
    # Words and terms share the shard of their common prefix, so a query word usually needs one file.
    sizes: dict[str, int] = {}
    for word, value in forms.items():
        sizes[word] = len(word.encode()) + len(value.encode()) + 6
    for term, entry in entries.items():
        sizes[term] = sizes.get(term, 0) + len(_compact(entry).encode()) + 1
    shards, split = _shards(sizes)
    for prefix, keys in sorted(shards.items()):
        # Pairs and lists, not objects: a word such as "__proto__" or "constructor" must stay an ordinary key.
        pairs = [[k, forms[k]] for k in keys if k in forms]
        shard_terms = [entries[k] for k in keys if k in entries]
        yield shard_path(prefix), _js("shard", prefix, pairs, shard_terms)
    stride = 1 + 2 * width
    for _term, (name, postings) in sorted(tails.items()):
        count = len(postings.flat) // stride
        for number, (start, end) in enumerate(_chunks(count)):
            yield tail_path(name, number), _js("tail", name, number, postings.flat[start * stride: end * stride],
                                               postings.bounds[end])
    chunks: dict[int, list[list]] = defaultdict(list)
    for number, doc in enumerate(docs):
        item = doc.item
        chunks[number // DOC_CHUNK].append([number, {
            "u": item_path(item), "k": item.key, "t": item.title, "y": item.type, "d": item.date or "",
            "s": cache.snippet(item.body or analysis.compose_body(item.fields), 180), "l": item.language or ""}])
    for chunk, summaries in sorted(chunks.items()):
        yield docs_path(chunk), _js("docs", chunk, summaries)
    facets: dict[str, list[int]] = defaultdict(list)
    # Bare stubs, whose scores the browser scales by analysis.STUB_WEIGHT as archive search does.
    facets["stub"] = [number for number, doc in enumerate(docs) if doc.item.is_stub]
    # For `*` (Whoosh's Every over title and body): the documents with anything in each field.
    for field_name in FIELDS:
        facets[f"every-{field_name}"] = [number for number, doc in enumerate(docs) if doc.terms(field_name)]
    for name, numbers in sorted(facets.items()):
        yield f"search/f/{shard_name(name)}.js", _js("facet", name, ranges(numbers))
    # The keyword fields exactly as the public index holds them. Imported here: importing the publisher
    # loads no index module (tests/test_projection.py); these two only convert documents.
    from archive.search.index import to_fields
    from archive.search.public_index import public_documents

    fields = [to_fields(document) for document in public_documents(data)]
    key_values, key_prefixes = keyword_values(fields)
    for (field_name, prefix), values in sorted(key_values.items()):
        value_pairs: list[list[object]] = [[value, ranges(numbers)] for value, numbers in sorted(values.items())]
        yield keys_path(field_name, prefix), _js("keys", field_name, prefix, value_pairs)
    # Which prefixes each field has (so the browser asks only for files that exist), read only by a query
    # or a filter on that field: meta.js, which every query reads, stays small.
    for field_name, prefixes in sorted(key_prefixes.items()):
        yield f"search/k/{shard_name(field_name)}.js", _js("keyIndex", field_name, sorted(prefixes))
    # Dates by year, one file per field and year: a new record rewrites only its own years' files.
    date_years: dict[str, list[int]] = {}
    for field_name in DATE_FIELDS:
        by_year: dict[int, list[int]] = defaultdict(list)
        for number, values in enumerate(fields):
            if values.get(field_name):
                day = _day(values[field_name])
                by_year[day // 10_000] += [day, number]
        date_years[field_name] = sorted(by_year)
        if by_year:
            yield f"search/r/{field_name}.js", _js("dateIndex", field_name, sorted(by_year))
        for year, flat in sorted(by_year.items()):
            yield f"search/r/{field_name}/{year}.js", _js("dates", field_name, year, flat)
    yield from _positions(docs)
    yield "search/filters.js", _js("filters", _filter_choices(data, fields))
    # The shard table, cut by first character so that a query reads only its letters' part of it.
    tables: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    for prefix in sorted(shards):
        tables[_prefix(prefix, 1)][0].append(prefix)
    for prefix in split:
        tables[_prefix(prefix, 1)][1].append(prefix)
    for first, (shard_names, splits) in sorted(tables.items()):
        yield f"search/p/{shard_name(first)}.js", _js("table", first, shard_names, splits)
    yield "search/meta.js", _js("meta", {
        "n": len(docs), "fields": [[analysis.FIELD_BOOSTS[f], total] for f, total in zip(FIELDS, totals, strict=True)],
        "k1": analysis.BM25_K1, "b": analysis.BM25_B, "scale": BOUND_SCALE, "firsts": sorted(tables),
        "languages": languages, "head": HEAD, "stem": "en" in languages, "dchunk": DOC_CHUNK, "dfolder": FOLDER_FILES,
        "token": analysis.QUERY_WORD_PATTERN, "stubWeight": analysis.STUB_WEIGHT,
        "keys": sorted(key_prefixes), "dates": sorted(f for f, years in date_years.items() if years),
        "lowercase": sorted(LOWERCASE_KEYS), "boosts": analysis.FIELD_BOOSTS,
    })


# Whoosh ID and KEYWORD fields the query language can name (``type:wave``, ``tags:ethics``), and the filters use.
KEY_FIELDS = ("type", "slug", "language", "kind", "visibility", "consent", *analysis.LINK_FIELDS, "tags")
LOWERCASE_KEYS = frozenset((*analysis.LINK_FIELDS, "tags"))  # KEYWORD(lowercase=True): the query value is lowercased
DATE_FIELDS = ("date", "start", "end")


def keys_path(field_name: str, prefix: str) -> str:
    return f"search/k/{shard_name(field_name)}/{shard_name(prefix)}.js"


def keyword_values(fields: list[dict]) -> tuple[dict[tuple[str, str], dict[str, list[int]]], dict[str, set[str]]]:
    """Each ID or KEYWORD field's values, as Whoosh indexes them (a KEYWORD value split at commas,
    stripped, lowercased), with their documents; grouped by the value's first two characters."""
    keys: dict[tuple[str, str], dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    prefixes: dict[str, set[str]] = defaultdict(set)
    for number, values in enumerate(fields):
        for field_name in KEY_FIELDS:
            raw = values.get(field_name)
            if not raw:
                continue
            terms = ([t.strip().lower() for t in raw.split(",") if t.strip()] if field_name in LOWERCASE_KEYS
                     else [raw])
            for term in dict.fromkeys(terms):
                prefix = _prefix(term, 2)
                keys[(field_name, prefix)][term].append(number)
                prefixes[field_name].add(prefix)
    return keys, prefixes


def _day(moment: object) -> int:
    """A date field's value as the number YYYYMMDD (ranges are compared by day)."""
    return moment.year * 10_000 + moment.month * 100 + moment.day  # type: ignore[attr-defined]


def _positions(docs: list[SearchDoc]) -> Iterator[tuple[str, bytes]]:
    """For phrases: each term's positions in each document's title and body, loaded only by a phrase query
    (or a compound such as ``sit-in``). Files are named by a 32-bit FNV-1a hash of the term, which the
    browser computes too (``crypto.subtle`` is not there on a plain-http host); terms whose hashes collide
    share the file."""
    positions: dict[str, dict[int, list[list[int]]]] = defaultdict(dict)
    for number, doc in enumerate(docs):
        for f, field_name in enumerate(FIELDS):
            for position, term in enumerate(doc.terms(field_name)):
                per_field = positions[term].setdefault(number, [[] for _ in FIELDS])
                per_field[f].append(position)
    files: dict[str, list[list]] = defaultdict(list)
    for term, by_doc in sorted(positions.items()):
        files[positions_name(term)].append([term, [[n, *by_doc[n]] for n in sorted(by_doc)]])
    for name, entries in sorted(files.items()):
        yield positions_path(name), _js("positions", entries)


def positions_name(term: str) -> str:
    """FNV-1a (32 bits) of the term's UTF-8 bytes, in hex: ``search.js`` computes the same."""
    value = 0x811C9DC5
    for byte in term.encode("utf-8"):
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return f"{value:08x}"


def positions_path(name: str) -> str:
    return f"search/x/{name[:2]}/{name}.js"


def _filter_choices(data: SiteData, fields: list[dict]) -> dict[str, list[list[str]]]:
    """The search page's filter menus: places (slug, name), kinds and languages that some record has."""
    places = {item.slug: item.title for item in data.of_type("place")}
    used = {t.strip().lower() for f in fields for t in (f.get("places") or "").split(",") if t.strip()}
    return {
        "place": sorted(([slug, places.get(slug, slug)] for slug in used), key=lambda p: (p[1].lower(), p[0])),
        "kind": [[k, k] for k in sorted({f["kind"] for f in fields if f.get("kind")})],
        "language": [[code, code] for code in sorted({f["language"] for f in fields if f.get("language")})],
    }
