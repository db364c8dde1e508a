"""``archive.analysis``: the terms and scores the index and the site's browser search share."""

from __future__ import annotations

import re

from archive import analysis
from archive.index import make_schema


def test_english_is_the_default_and_stems() -> None:
    assert analysis.analyze("The Strikers were striking at U.S.A. factories") == [
        "striker", "strike", "u.s.a", "factori"]
    assert analysis.analyze("striking", None) == analysis.analyze("striking", "en-GB") == ["strike"]


def test_each_language_its_own_stemmer() -> None:
    assert analysis.analyze("De stakingen in de havens", "nl") == ["staking", "haven"]
    assert analysis.analyzer_language("nld") == analysis.analyzer_language("Dutch") == "nl"
    assert analysis.analyze("grèves des cheminots", "fr") == ["grev", "cheminot"]
    # No stemmer for Swahili: words are kept as written, lowercased.
    assert analysis.analyzer_language("sw") == analysis.PLAIN
    assert analysis.analyze("Mgomo wa Wafanyakazi", "sw") == ["mgomo", "wa", "wafanyakazi"]


def test_stop_words_and_single_letters_leave_no_gap() -> None:
    tokens = [(t.text, t.pos) for t in analysis.analyzer_for("en")("tear down the wall a b", positions=True)]
    assert tokens == [("tear", 0), ("wall", 1)]


def test_words_map_to_their_terms() -> None:
    assert analysis.analyze_words("Stakers, stakingen!", "nl") == [("stakers", "staker"), ("stakingen", "staking")]


def test_query_alternatives_cover_every_language_present() -> None:
    assert analysis.query_alternatives("stakingen", ["en", "nl"]) == [("stakingen",), ("staking",)]
    assert analysis.query_alternatives("strike", ["en"]) == [("strike",)]
    assert analysis.query_alternatives("the", ["en", "nl"]) == []
    assert analysis.query_alternatives("general strike", []) == [("general", "strike")]


def test_the_body_is_the_body_then_the_other_text_columns() -> None:
    values = {"body": "Text.", "lessons": ["One", "Two"], "outcome": "Won.", "author": "A"}
    assert analysis.compose_body(values) == "Text.\n\nWon.\n\nOne\nTwo\n\nA"


def test_the_javascript_token_pattern_reads_the_same_tokens() -> None:
    # Python's \\w is letters, digits and "_"; the JS class says so explicitly.
    js_as_python = analysis.TOKEN_PATTERN_JS.replace(r"[\p{L}\p{N}_]", r"[^\W]")
    text = "Arbeiders' stakingen, U.S.A. 1.5 дни grève_générale"
    assert re.findall(js_as_python, text) == re.findall(analysis.TOKEN_PATTERN, text)


def test_ranking_constants_and_the_index_agree() -> None:
    schema = make_schema()
    assert set(analysis.FIELD_BOOSTS) <= set(schema.names())
    assert analysis.FIELD_BOOSTS["title"] > analysis.FIELD_BOOSTS["body"]
    assert analysis.stored_field_length(7) == 7 and analysis.stored_field_length(300) == 302
    assert analysis.idf(100, 9) > analysis.idf(100, 50)
    assert analysis.bm25(2.0, 1, 10, 10) == 2.0
