"""Facet counts from a map of each document's values, built once per index generation and kept beside it.

Whoosh's field facets read every posting of the field for every search, which at 100,000 documents costs
more than the search itself. The map here holds, for each facet field, the distinct values and, for each
document, the ids of its values (compressed sparse rows in two arrays). A search then counts its matched
documents in a few milliseconds. The map is written in the live generation folder as
``facets-GENERATION.bin``, named after Whoosh's generation of the index, so any write to the index
(a new generation) makes a new map; the old ones are removed when the new one is written.
"""

from __future__ import annotations

import contextlib
import os
import pickle
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from whoosh.searching import Searcher

CACHE_PREFIX = "facets-"
CACHE_VERSION = 1


@dataclass
class FacetMap:
    """document number -> value ids, per facet field; values[facet][id] is the value's text."""

    values: dict[str, list[str]]
    offsets: dict[str, array]  # document d's values are ids[offsets[d]:offsets[d + 1]]
    ids: dict[str, array]

    def counts(self, facet: str, docs: Iterable[int]) -> dict[str, int]:
        """How many of ``docs`` hold each value of ``facet`` (a document counts once per value)."""
        offsets, ids, names = self.offsets[facet], self.ids[facet], self.values[facet]
        counted: Counter[int] = Counter()
        last = len(offsets) - 1
        for docnum in docs:
            if docnum < last:
                start, end = offsets[docnum], offsets[docnum + 1]
                if end - start == 1:
                    counted[ids[start]] += 1
                elif end > start:
                    counted.update(ids[start:end])
        return {names[value]: count for value, count in counted.items()}


def build(searcher: Searcher, facets: Sequence[str]) -> FacetMap:
    """Read each facet field's postings once."""
    reader = searcher.reader()
    total = reader.doc_count_all()
    values: dict[str, list[str]] = {}
    offsets: dict[str, array] = {}
    ids: dict[str, array] = {}
    for facet in facets:
        names: list[str] = []
        per_doc: list[list[int]] = [[] for _ in range(total)]
        if facet in reader.indexed_field_names():
            for text in reader.lexicon(facet):
                value = len(names)
                names.append(text.decode("utf-8") if isinstance(text, bytes) else str(text))
                for docnum in reader.postings(facet, text).all_ids():
                    per_doc[docnum].append(value)
        starts = array("I", [0])
        flat = array("I")
        for held in per_doc:
            flat.extend(held)
            starts.append(len(flat))
        values[facet], offsets[facet], ids[facet] = names, starts, flat
    return FacetMap(values, offsets, ids)


def cached(searcher: Searcher, folder: Path, facets: Sequence[str]) -> FacetMap:
    """The map for the index generation ``searcher`` reads, from ``folder`` or built and saved there."""
    generation = searcher.reader().generation()
    name = f"{CACHE_PREFIX}{generation}-v{CACHE_VERSION}.bin"
    path = folder / name
    try:
        with open(path, "rb") as handle:
            found = _load(handle.read(), facets)
        if found is not None:
            return found
    except (OSError, ValueError, EOFError, pickle.UnpicklingError):
        pass
    facet_map = build(searcher, facets)
    _save(folder, name, facet_map)
    return facet_map


def _load(data: bytes, facets: Sequence[str]) -> FacetMap | None:
    stored = pickle.loads(data)  # noqa: S301 - our own file, in the index folder the archive writes
    if stored.get("version") != CACHE_VERSION or set(stored["values"]) < set(facets):
        return None
    offsets = {name: array("I", raw) for name, raw in stored["offsets"].items()}
    ids = {name: array("I", raw) for name, raw in stored["ids"].items()}
    return FacetMap(stored["values"], offsets, ids)


def _save(folder: Path, name: str, facet_map: FacetMap) -> None:
    """Write atomically; a search that cannot write (a read-only copy, a full disk) just goes without."""
    data = pickle.dumps({
        "version": CACHE_VERSION, "values": facet_map.values,
        "offsets": {k: v.tobytes() for k, v in facet_map.offsets.items()},
        "ids": {k: v.tobytes() for k, v in facet_map.ids.items()},
    }, protocol=pickle.HIGHEST_PROTOCOL)
    temporary = folder / f".{name}.{os.getpid()}"
    try:
        temporary.write_bytes(data)
        os.replace(temporary, folder / name)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()
        return
    for old in folder.glob(f"{CACHE_PREFIX}*.bin"):
        if old.name != name:
            with contextlib.suppress(OSError):
                old.unlink()


def is_cache_file(name: str) -> bool:
    """A facet map, or one being written (``archive verify`` does not count these as stray files)."""
    return (name.startswith(CACHE_PREFIX) or name.startswith(f".{CACHE_PREFIX}")) and ".bin" in name
