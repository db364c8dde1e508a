"""The browser's query files: keyword values as Whoosh indexes them, dates by year, phrase positions."""

from __future__ import annotations

import datetime as dt

from archive.publish.searchindex import _day, keyword_values, positions_name


def test_keyword_values_are_split_and_lowercased_as_whoosh_indexes_them() -> None:
    fields = [{"type": "struggle", "tags": "Pay and benefits,Ethics", "places": "oakland-usa", "language": "en"},
              {"type": "account", "tags": "ethics", "kind": "Report"}]
    keys, prefixes = keyword_values(fields)
    assert keys[("tags", "pa")] == {"pay and benefits": [0]}
    assert keys[("tags", "et")] == {"ethics": [0, 1]}
    # ID fields keep the value as written (Whoosh's ID does not lowercase; the query must match it).
    assert keys[("kind", "Re")] == {"Report": [1]}
    assert prefixes["type"] == {"st", "ac"}


def test_dates_are_days() -> None:
    assert _day(dt.datetime(1937, 1, 11)) == 19370111


def test_positions_file_names_are_fnv1a_32() -> None:
    # Reference values of FNV-1a (32 bits); search.js computes the same over the term's UTF-8 bytes.
    assert positions_name("") == "811c9dc5"
    assert positions_name("a") == "e40c292c"
    assert positions_name("foobar") == "bf9cf968"
    assert positions_name("huelg") != positions_name("huelga")
