"""The map of indexed words' terms (archive.search.term_map): the same query terms with it as without it, no
dictionary loaded for words the archive holds, and kept current by rebuilds and updates."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.search import lemmas, term_map
from archive.search.analysis import ANALYSIS_VERSION
from archive.search.index import current_dir, open_index, rebuild_index, stray_files, update_index
from archive.search.query import expand_languages, parse
from archive.search.searcher import ArchiveSearcher, SearchRequest
from archive.store.db import make_engine
from archive.store.ingest import ingest
from archive.trust.create import init_archive
from tests.helpers import PUBLIC

RECORDS = {
    "dutch.md": "---\ntype: account\nslug: dutch-joins\ntitle: Verslag uit de haven\nlanguage: nl\n---\n"
                "Na de staking.De directie ontsloeg de havenarbeiders.In augustus kwamen zij terug.\n",
    "english.yaml": """
- {type: account, slug: buses, title: Drivers, body: "The drivers parked the buses and walked out."}
- {type: account, slug: sit-in, title: Lunch counter, body: "Students held a sit-in at the lunch counter."}
- {type: account, slug: boycotting, title: Consumers, body: "Consumers were boycotting the grapes."}
""",
    "spanish.md": "---\ntype: account\nslug: huelga\ntitle: La fábrica\nlanguage: es\n---\n"
                  "La huelga duró tres semanas en la fábrica textil.\n",
}

# Held words (also across languages), compounds, joins, inflections the archive does not hold, unknown words.
QUERIES = ["staking", "havenarbeiders", "directie", "staking.De", "buses", "bus", "sit-in", "sit-ins", "sit",
           "boycotting", "boycotted", "huelga", "huelgas", "fábrica", "fabrica", "semanas", "drivers",
           "Philips", "arbeider", "walkouted", "zzqx", "the", "kwamen", "1937.01.11", '"lunch counter"',
           "consumers AND grapes", "title:verslag"]


@pytest.fixture
def built(tmp_path: Path) -> Iterator[tuple[Path, object]]:
    archive = init_archive(tmp_path / "archive", title="Term map")
    texts = tmp_path / "texts"
    texts.mkdir()
    for name, text in RECORDS.items():
        (texts / name).write_text(text, encoding="utf-8")
    engine = make_engine(archive.db_url(), writer=True)
    report = ingest(engine, [texts], defaults=PUBLIC)
    assert not report.errors, report.errors[:3]
    rebuild_index(archive.index_dir, engine)
    yield archive.index_dir, engine
    lemmas.use_known_terms(None)
    engine.dispose()


def _live_map(index_dir: Path) -> term_map.TermMap | None:
    ix = open_index(index_dir)
    try:
        return term_map.read(Path(ix.storage.folder), ix.latest_generation())
    finally:
        ix.close()


def _query_terms(queries: list[str], languages: list[str], schema: object) -> list[str]:
    lemmas.term.cache_clear()
    return [repr(expand_languages(parse(query, schema), languages)) for query in queries]  # type: ignore[arg-type]


def test_query_terms_are_the_same_with_and_without_the_map(built: tuple[Path, object]) -> None:
    index_dir, _ = built
    known = _live_map(index_dir)
    assert known is not None
    assert known.languages() == ["en", "es", "nl"]
    ix = open_index(index_dir)
    schema = ix.schema
    ix.close()
    for languages in (["en", "es", "nl"], ["nl"], ["es"], ["en"]):
        lemmas.use_known_terms(None)
        without = _query_terms(QUERIES, languages, schema)
        lemmas.use_known_terms(lambda: known)
        assert _query_terms(QUERIES, languages, schema) == without, languages
    # The map is what answered: its terms are simplemma's, for held words in every language.
    assert known.term("havenarbeiders", "nl") == lemmas.term("havenarbeiders", "nl")
    assert known.term("buses", "en") == "bus"
    assert known.term("buses", "nl") is not None  # an English word has its Dutch term too
    assert known.term("sit", "en") is not None and known.term("in", "en") is not None  # sit-in's parts
    assert known.term("zzqx", "en") is None
    assert stray_files(index_dir) == []  # archive verify does not count the map as a stray file


def test_a_search_for_held_words_loads_no_dictionary(built: tuple[Path, object], tmp_path: Path) -> None:
    index_dir, engine = built
    script = f"""
import sys
from archive.store.db import make_engine
from archive.search.searcher import ArchiveSearcher, SearchRequest
engine = make_engine({str(engine.url)!r})
with ArchiveSearcher(__import__('pathlib').Path({str(index_dir)!r}), engine) as searcher:
    held = [h.slug for h in searcher.search(SearchRequest("buses havenarbeiders", limit=5)).hits]
    loaded_after_held = "simplemma" in sys.modules
    unheld = [h.slug for h in searcher.search(SearchRequest("huelgas", limit=5)).hits]
print(held, loaded_after_held, unheld, "simplemma" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    # AND of the two words matches nothing, but both were analyzed in en, es and nl without simplemma;
    # a word the archive does not hold (a plural) still finds its singular through the dictionary.
    assert out.split() == ["[]", "False", "['huelga']", "True"]


def test_a_stale_map_is_ignored(built: tuple[Path, object]) -> None:
    index_dir, _ = built
    folder = current_dir(index_dir)
    assert folder is not None
    ix = open_index(index_dir)
    generation = ix.latest_generation()
    ix.close()
    path = folder / term_map.MAP_NAME
    data = path.read_bytes()
    header, _, body = data.partition(b"\n")
    assert term_map.read(folder, generation + 1) is None  # written for another generation
    for change in ({"analysis_version": ANALYSIS_VERSION - 1}, {"simplemma": "0.0"}):
        path.write_bytes(json.dumps({**json.loads(header), **change}).encode() + b"\n" + body)
        assert term_map.read(folder, generation) is None, change
    path.write_bytes(b"not a map")
    assert term_map.read(folder, generation) is None


def test_an_update_keeps_the_map_current(built: tuple[Path, object], tmp_path: Path) -> None:
    index_dir, engine = built
    texts = tmp_path / "more"
    texts.mkdir()
    (texts / "new.yaml").write_text(
        "- {type: account, slug: picket, title: Picket, body: 'Pickets blockaded the warehouse gates.'}\n",
        encoding="utf-8")
    report = ingest(engine, [texts], defaults=PUBLIC)  # type: ignore[arg-type]
    assert not report.errors
    update_index(index_dir, engine, report.changed_ids)  # type: ignore[arg-type]
    known = _live_map(index_dir)
    assert known is not None  # written for the new generation
    assert known.term("blockaded", "en") == lemmas.term("blockaded", "en")
    assert known.term("blockaded", "nl") == lemmas.term("blockaded", "nl")
    assert known.term("havenarbeiders", "nl") == lemmas.term("havenarbeiders", "nl")  # the old words stay
    with ArchiveSearcher(index_dir, engine) as searcher:  # type: ignore[arg-type]
        assert [hit.slug for hit in searcher.search(SearchRequest("blockade", limit=5)).hits] == ["picket"]


def test_the_binary_search_finds_every_word_and_only_those(tmp_path: Path) -> None:
    words = {f"w{index:05d}{'é' if index % 7 == 0 else ''}": f"t{index}" for index in range(0, 3000, 3)}
    words["same"] = "same"
    term_map.write(tmp_path, 5, {"en": words, "nl": {"één": "een"}})
    known = term_map.read(tmp_path, 5)
    assert known is not None
    assert all(known.term(word, "en") == found for word, found in words.items())
    assert known.term("één", "nl") == "een"
    assert [known.term(word, "en") for word in ("w00001", "", "a", "zzzz", "w0000", "één")] == [None] * 6
    assert known.term("w00003", "nl") is None and known.term("w00003", "de") is None
