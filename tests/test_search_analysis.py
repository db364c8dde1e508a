"""``archive.search.analysis``: the terms and scores the index and the site's browser search share."""

from __future__ import annotations

import regex

from archive.search import analysis
from archive.search.index import make_schema


def test_english_is_the_default_and_stems_the_lemma() -> None:
    assert analysis.analyze("The Strikers were striking at U.S.A. factories") == [
        "striker", "strike", "u.s.a", "factori"]
    assert analysis.analyze("striking", None) == analysis.analyze("striking", "en-GB") == ["strike"]


def test_each_language_its_own_lemmas_and_stems() -> None:
    assert analysis.analyze("De stakingen in de havens", "nl") == ["staking", "hav"]
    assert analysis.analyzer_language("nld") == analysis.analyzer_language("Dutch") == "nl"
    assert analysis.analyze("grèves des cheminots", "fr") == ["grev", "cheminot"]
    assert analysis.analyze("las huelgas", "es") == analysis.analyze("la huelga", "es") == ["huelg"]
    # A name simplemma does not know is kept as written: Snowball alone made "philip" of both.
    assert analysis.analyze("Philips Philip", "nl") == ["philips", "philip"]
    # What Snowball joined stays joined: the lemma is stemmed.
    assert analysis.analyze("unionizing unions", "en") == ["union", "union"]


def test_inflection_families_meet() -> None:
    assert set(analysis.analyze("bus buses")) == {"bus"}
    assert set(analysis.analyze("boycott boycotts boycotting boycotted")) == {"boycott"}
    assert set(analysis.analyze("men man children child fought fight")) == {"man", "child", "fight"}
    # A word the dictionary does not know: Snowball's stem when it cuts a suffix, not a lone "s".
    assert analysis.analyze("walkouted") == ["walkout"]
    assert analysis.analyze("Philips", "nl") == ["philips"]


def test_sentences_joined_by_a_full_stop_are_split() -> None:
    text = "Na de staking.De directie ontsloeg de havenarbeiders.In augustus 1937.In mei"
    assert analysis.analyze(text, "nl") == [
        "staking", "directie", "ontslan", "havenarbeider", "augustus", "1937", "mei"]
    assert analysis.analyze("the word.Word", "en") == ["word", "word"]


def test_what_must_stay_whole_stays_whole() -> None:
    for language in analysis.LANGUAGES + ("sw",):
        terms = analysis.analyze("3.5 U.S. U.S.A. Ph.D. 1937.01.11 union.org info@union.org "
                                 "https://www.union.org/News/2020.html.", language)
        assert terms[:4] == ["3.5", "u.s", "u.s.a", "ph.d"], language
        assert terms[-4:] == ["1937.01.11", "union.org", "info@union.org",
                              "https://www.union.org/news/2020.html"], language


def test_a_compound_keeps_its_stop_words_and_its_positions() -> None:
    tokens = [(t.text, t.pos) for t in analysis.analyzer_for("en")("a sit-in in the hall", positions=True)]
    assert tokens == [("sit", 1), ("in", 2), ("hall", 3)]
    assert analysis.analyze("mother-in-law x-ray", "en") == ["mother", "in", "law", "x", "ray"]
    assert analysis.query_alternatives("sit-in", ["en"]) == [("sit", "in")]
    # An en dash is a range, not a compound.
    assert analysis.analyze("1937–1938 in", "en") == ["1937", "1938"]


def test_query_languages_are_the_ones_asked_for() -> None:
    assert analysis.query_languages(["NL"], ["en", "nl"]) == ["nl"]
    assert analysis.query_languages([], ["nl", "en"]) == ["en", "nl"]
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


def test_the_javascript_token_pattern_is_the_python_one() -> None:
    # Written in the syntax the regex module and JavaScript's "u" flag share (\\p classes, lookbehind).
    assert analysis.TOKEN_PATTERN_JS == analysis.TOKEN_PATTERN
    text = "Arbeiders' stakingen, U.S.A. 1.5 дни grève_générale staking.De"
    assert regex.findall(analysis.TOKEN_PATTERN, text) == [
        "Arbeiders", "stakingen", "U.S.A", "1.5", "дни", "grève_générale", "staking", "De"]


def test_ranking_constants_and_the_index_agree() -> None:
    schema = make_schema()
    assert set(analysis.FIELD_BOOSTS) <= set(schema.names())
    assert analysis.FIELD_BOOSTS["title"] > analysis.FIELD_BOOSTS["body"]
    assert analysis.stored_field_length(7) == 7 and analysis.stored_field_length(300) == 302
    assert analysis.idf(100, 9) > analysis.idf(100, 50)
    assert analysis.bm25(2.0, 1, 10, 10) == 2.0
