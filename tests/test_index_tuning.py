"""The archive's faster index writer writes exactly what Whoosh as shipped writes from the same documents:
the same terms, postings (documents, frequencies, positions), field lengths and stored fields.

The speed itself is measured by benchmarks/search.py, never here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.formats import Positions

from archive.search import whoosh_tuning
from archive.search.analysis import analyze, mark_language
from archive.search.index import make_schema, to_fields
from archive.search.index_docs import Document

EDGE_CASES = [
    ("en", "The strike", "The the a of strike. Strikes, STRIKING: strikers' U.S.A. 1.5 x y z"),
    ("en", "Café", "Cafe\u0301 cafés Caf\u00e9 naïve nai\u0308ve — the end"),
    ("nl", "De staking", "De stakingen van de havenarbeiders, en de staking in Rotterdam in 1946."),
    ("de", "Der Streik", "Die Arbeiter und die Arbeiterinnen streikten; der Streik dauerte drei Wochen."),
    ("xx-unknown", "Plain", "Words in a language with no stemmer: stakingen strikes Streik"),
    (None, "", "a an the of"),  # nothing but stop words: no terms, length 0
    # Context the tokenizer reads around a word: a sentence join, and stop words kept inside a compound.
    ("nl", "Na de staking.De directie", "Na de staking.De directie ontsloeg de havenarbeiders.In augustus"),
    ("en", "The sit-in", "A sit-in at the mother-in-law's house; they sit in the hall. See www.example.org."),
]


def documents(shared_data: Path) -> list[Document]:
    """Real passages of the Gutenberg texts, plus the edge cases above."""
    texts = []
    for path in sorted((shared_data / "gutenberg_movement_texts").glob("*.txt"))[:3]:
        words = path.read_text(encoding="utf-8-sig").split()
        texts += [("en", " ".join(words[i:i + 12]), " ".join(words[i:i + 400])) for i in range(2000, 30000, 1500)]
    texts += EDGE_CASES
    return [
        Document(record_id=number, type="account", slug=f"a-{number}", title=title, body=body, language=language,
                 kind="testimony", date="1937-01", start=None, end=None, visibility="public",
                 embargo_until=dt.date(2030, 1, 1) if number % 5 == 0 else None, consent=None, is_stub=False,
                 content_sha256="0" * 64, links={"places": ["flint"], "struggles": [f"s-{number % 3}"]},
                 tags=["speed-up"])
        for number, (language, title, body) in enumerate(texts, start=1)
    ]


def build(folder: Path, docs: list[Document], *, tuned: bool) -> dict:
    schema = make_schema()
    if not tuned:
        for name in ("title", "body"):
            schema[name].format = Positions(field_boost=schema[name].format.field_boost)
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), schema)
    if tuned:
        writer = ix.writer(limitmb=1)  # small: the pool spills runs to disk, as a large rebuild does
        for doc in docs:
            writer.add_document(**to_fields(doc))
        writer.commit()
    else:
        with whoosh_tuning.reverted():
            writer = ix.writer(limitmb=1)
            for doc in docs:
                writer.add_document(**to_fields(doc))
            writer.commit()
    with ix.searcher() as searcher:
        reader = searcher.reader()
        postings = {}
        for fieldname, text in reader.all_terms():
            matcher = reader.postings(fieldname, text)
            postings[(fieldname, text)] = _walk(matcher)
        lengths = {(docnum, name): reader.doc_field_length(docnum, name)
                   for docnum in reader.all_doc_ids() for name in ("title", "body")}
        stored = [searcher.stored_fields(docnum) for docnum in reader.all_doc_ids()]
    return {"postings": postings, "lengths": lengths, "stored": stored}


def _walk(matcher) -> list[tuple[int, bytes]]:  # noqa: ANN001 - a Whoosh matcher
    found = []
    while matcher.is_active():
        found.append((matcher.id(), matcher.value()))
        matcher.next()
    return found


def test_tuned_writer_writes_what_whoosh_writes(tmp_path: Path, full_shared_data: Path) -> None:
    docs = documents(full_shared_data)
    tuned = build(tmp_path / "tuned", docs, tuned=True)
    shipped = build(tmp_path / "shipped", docs, tuned=False)
    assert len(tuned["postings"]) > 1000
    assert tuned["postings"].keys() == shipped["postings"].keys()
    for key, postings in shipped["postings"].items():
        assert tuned["postings"][key] == postings, key
    assert tuned["lengths"] == shipped["lengths"]
    assert tuned["stored"] == shipped["stored"]


@pytest.mark.parametrize(("language", "title", "body"), EDGE_CASES)
def test_term_positions_are_the_analyzers(language: str | None, title: str, body: str) -> None:
    from archive.search.analysis import MultilingualAnalyzer

    for text in (title, body):
        value = mark_language(text, language)
        expected = [(token.text, token.pos) for token in MultilingualAnalyzer()(value, positions=True)]
        assert whoosh_tuning.term_positions(value) == expected
        assert [term for term, _ in expected] == analyze(text, language)
