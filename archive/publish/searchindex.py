"""The browser's search index: the terms and scores of ``archive search --public``, cut into small shards.

Everything that needs the analyzer or the ranking formula happens here, at build time, through
``archive.analysis``: the browser never stems a word the archive contains and never computes BM25F. It
adds up precomputed per-term scores, so its ranking is the CLI's by construction.

Files (all JavaScript that calls ``LA.add(...)``, so that they load as ``<script>`` from ``file://``,
where ``fetch()`` is refused):

- ``search/meta.js``: document count, languages, the first characters that have shards.
- ``search/p/<hex>.js``: the shard table for one first character: which prefixes have a shard and
  which were split one character deeper.
- ``search/s/<hex>.js``: the shard for a prefix: every word form in the archive starting with it, mapped
  to its query terms per language, and every term starting with it, with its best postings (the head).
- ``search/t/<id>-<k>.js``: the rest of a long posting list (the tail) in chunks that grow fourfold,
  fetched one chunk at a time only while the postings so far cannot decide the top results. The shard
  gives each long term's tail id and chunk count (a number, not the term: terms can be too long for a
  file name).
- ``search/d/<n>.js``: one document's title, type, date, link and snippet.
- ``search/f/<hex>.js``: the documents of a type or in a wave, as runs, for the filters.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from archive import analysis
from archive.publish.cache import BuildCache
from archive.publish.lineage import lineage_names
from archive.publish.model import Item, SiteData
from archive.publish.paths import TYPES, item_path

HEAD = 64  # postings per term kept in the prefix shard, best first
TAIL_FIRST = 256  # postings in a term's first tail chunk; each next chunk is four times larger
SHARD_LIMIT = 12_000  # bytes; a bigger prefix shard is split one character deeper
SCORE_SCALE = 10_000  # scores travel as integers: four decimals decide any real difference
_WORDS = re.compile(analysis.TOKEN_PATTERN)


@dataclass
class SearchDoc:
    item: Item
    title_terms: list[str]
    body_terms: list[str]


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
    """The indexed body, as ``archive.index_docs`` composes it: text columns, then lineage names."""
    return analysis.compose_body({**item.fields, "body": item.body, "lineage": lineage_names(item)})


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


def term_scores(docs: list[SearchDoc]) -> dict[str, dict[int, float]]:
    """Each term's BM25F score in each document that holds it, summed over the boosted fields."""
    count = len(docs)
    per_field: dict[str, dict[str, dict[int, int]]] = {}
    lengths: dict[str, list[int]] = {}
    for field_name in analysis.FIELD_BOOSTS:
        tfs: dict[str, dict[int, int]] = defaultdict(dict)
        lengths[field_name] = []
        for number, doc in enumerate(docs):
            terms = doc.title_terms if field_name == "title" else doc.body_terms
            lengths[field_name].append(analysis.stored_field_length(len(terms)))
            for term in terms:
                tfs[term][number] = tfs[term].get(number, 0) + 1
        per_field[field_name] = tfs
    scores: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for field_name, boost in analysis.FIELD_BOOSTS.items():
        field_lengths = lengths[field_name]
        average = (sum(field_lengths) / count) if count else 0.0
        if not average:
            continue
        for term, postings in per_field[field_name].items():
            idf = analysis.idf(count, len(postings))
            for number, tf in postings.items():
                scores[term][number] += boost * analysis.bm25(idf, tf, field_lengths[number], average)
    return scores


def word_forms(docs: list[SearchDoc], languages: list[str], cache: BuildCache) -> dict[str, str]:
    """Every lowercased word in the archive -> its query terms: ``"a|b c"`` lists alternatives, ``""``
    means the word itself is its only term, ``"-"`` means it is a stop word in every language."""
    words: set[str] = set()
    for doc in docs:
        text = doc.item.title + " " + _body(doc.item)
        words.update(w.lower() for w in _WORDS.findall(analysis.normalize_text(text)))
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


def _chunks(flat: list[int]) -> list[list[int]]:
    """Split flat (doc, score) pairs into chunks of TAIL_FIRST, 4x, 16x, ... pairs."""
    chunks, size, start = [], TAIL_FIRST, 0
    while start < len(flat):
        chunks.append(flat[start:start + 2 * size])
        start += 2 * size
        size *= 4
    return chunks


def _prefix(text: str, length: int) -> str:
    return "".join(list(text)[:length])


def _shards(entries: dict[str, tuple[str, int]]) -> tuple[dict[str, dict[str, dict]], list[str]]:
    """Group ``key -> (kind, size)`` by prefix, splitting any prefix over ``SHARD_LIMIT`` one level deeper."""
    groups: dict[str, list[str]] = defaultdict(list)
    for key in entries:
        groups[_prefix(key, 2)].append(key)
    final: dict[str, list[str]] = {}
    split: list[str] = []
    while groups:
        prefix, keys = groups.popitem()
        size = sum(entries[k][1] for k in keys)
        longer = [k for k in keys if len(k) > len(prefix)]
        if size > SHARD_LIMIT and longer:
            split.append(prefix)
            for key in longer:
                groups[_prefix(key, len(prefix) + 1)].append(key)
            keys = [k for k in keys if len(k) <= len(prefix)]
            if not keys:
                continue
        final[prefix] = keys
    return {p: {"keys": sorted(k)} for p, k in final.items()}, sorted(split)


def search_files(data: SiteData, cache: BuildCache | None = None) -> Iterator[tuple[str, bytes]]:
    """Every file of the browser's search index."""
    cache = cache or BuildCache()
    docs = documents(data, cache)
    languages = sorted({analysis.analyzer_language(d.item.language) for d in docs})
    scores = term_scores(docs)
    forms = word_forms(docs, sorted({d.item.language or analysis.DEFAULT_LANGUAGE for d in docs}), cache)
    heads: dict[str, list[int]] = {}
    tails: dict[str, list[list[int]]] = {}
    for term, postings in scores.items():
        ranked = sorted(((round(s * SCORE_SCALE), n) for n, s in postings.items()), key=lambda p: (-p[0], p[1]))
        flat = [value for score, number in ranked for value in (number, score)]
        heads[term] = flat[: 2 * HEAD]
        if len(ranked) > HEAD:
            tails[term] = _chunks(flat[2 * HEAD:])
    tail_ids = {term: number for number, term in enumerate(sorted(tails))}
    # Words and terms share the shard of their common prefix, so a query word usually needs one file.
    by_text: dict[str, tuple[str, int]] = {}
    for word, value in forms.items():
        by_text[word] = ("", len(word.encode()) + len(value.encode()) + 6)
    for term, head in heads.items():
        size = by_text.get(term, ("", 0))[1] + len(term.encode()) + len(json.dumps(head, separators=(",", ":"))) + 4
        size += 2 * len(term.encode()) + 16 if term in tails else 0
        by_text[term] = ("", size)
    shards, split = _shards(by_text)
    for prefix, shard in sorted(shards.items()):
        # Pairs, not objects: a word such as "__proto__" or "constructor" must stay an ordinary key.
        words = [[k, forms[k]] for k in shard["keys"] if k in forms]
        terms = [[k, heads[k]] for k in shard["keys"] if k in heads]
        long = [[k, tail_ids[k], len(tails[k])] for k in shard["keys"] if k in tails]
        yield f"search/s/{shard_name(prefix)}.js", _js("shard", prefix, words, terms, long)
    for term, chunks in sorted(tails.items()):
        for number, chunk in enumerate(chunks):
            yield f"search/t/{tail_ids[term]}-{number}.js", _js("tail", tail_ids[term], number, chunk)
    for number, doc in enumerate(docs):
        item = doc.item
        yield f"search/d/{number}.js", _js("doc", number, {
            "u": item_path(item), "k": item.key, "t": item.title, "y": item.type, "d": item.date or "",
            "s": cache.snippet(item.body or analysis.compose_body(item.fields), 180), "l": item.language or ""})
    facets: dict[str, list[int]] = defaultdict(list)
    for number, doc in enumerate(docs):
        facets[f"type-{doc.item.type}"].append(number)
        for wave in _waves_of(doc.item):
            facets[f"wave-{wave}"].append(number)
    for name, numbers in sorted(facets.items()):
        yield f"search/f/{shard_name(name)}.js", _js("facet", name, ranges(numbers))
    # The shard table, cut by first character so that a query reads only its letters' part of it.
    tables: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    for prefix in sorted(shards):
        tables[_prefix(prefix, 1)][0].append(prefix)
    for prefix in split:
        tables[_prefix(prefix, 1)][1].append(prefix)
    for first, (names, splits) in sorted(tables.items()):
        yield f"search/p/{shard_name(first)}.js", _js("table", first, names, splits)
    yield "search/meta.js", _js("meta", {
        "n": len(docs), "firsts": sorted(tables), "languages": languages, "scale": SCORE_SCALE,
        "head": HEAD, "stem": "en" in languages,
    })


def _waves_of(item: Item) -> list[str]:
    """A record's waves, as the CLI's wave filter sees them: its own, or those of its struggles."""
    waves = {w.slug for w in item.linked("waves")} | {w.slug for w in item.linked("wave")}
    for struggle in item.linked("struggles") + item.linked("struggle") + item.linked("between", "struggle"):
        waves.update(w.slug for w in struggle.linked("waves"))
    return sorted(waves)
