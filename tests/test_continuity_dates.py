"""Earlier means earlier: the failures of issue 13 on synthetic archives, in the archivist's view (Whoosh),
the public one (``--public``) and the published site.

- A wave 1990-2019 holds a 2016 struggle; a 2012 struggle in no wave must not list it as earlier.
- Waves named without dates take their span from their struggles; when nothing can be placed in time the
  command says why instead of an empty list.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from archive.cli import cli
from archive.continuity.earlier import (
    EARLIER_TIME,
    EARLIER_WAVE,
    Placement,
    earlier_because,
    earlier_struggles,
    placement,
    starts_before,
)
from archive.continuity.waves import WaveSpan, wave_span
from archive.publish import build
from archive.search.index import rebuild_index
from archive.store.ingest import ingest

TODAY = dt.date(2026, 1, 1)

LATER_IN_LONG_WAVE = """
- {type: wave, slug: long-wave, title: The long wave, start: 1990, end: 2019, visibility: public}
- {type: struggle, slug: strike-2016, title: Port strike 2016, start: 2016, waves: [long-wave],
   tags: [port, wages], places: [rotterdam], visibility: public,
   body: "Dock workers stopped the port for wages."}
- {type: struggle, slug: strike-2003, title: Port strike 2003, start: 2003, tags: [port, wages],
   places: [rotterdam], visibility: public, body: "Dock workers stopped the port for wages."}
- {type: struggle, slug: strike-2012, title: Port strike 2012, start: 2012-04, tags: [port, wages],
   places: [rotterdam], visibility: public, body: "Dock workers stopped the port for wages."}
- {type: struggle, slug: strike-2012-undated-month, title: Port strike in 2012, start: 2012, tags: [port, wages],
   places: [rotterdam], visibility: public, body: "Dock workers stopped the port for wages."}
"""

UNDATED_WAVES = """
- {type: wave, slug: first-wave, title: The first wave, visibility: public}
- {type: wave, slug: second-wave, title: The second wave, visibility: public}
- {type: struggle, slug: mill-1911, title: Mill strike, start: 1911, end: 1912, waves: [first-wave],
   tags: [textile, wages], visibility: public, body: "Weavers walked out of the mills."}
- {type: struggle, slug: mill-1913, title: Second mill strike, start: 1913, waves: [first-wave],
   tags: [textile], visibility: public}
- {type: struggle, slug: mill-1971, title: Mill occupation, start: 1971-06, waves: [second-wave],
   tags: [textile, wages], visibility: public, body: "Weavers occupied the mills."}
"""

NOTHING_DATED = """
- {type: wave, slug: w1, title: Wave one, visibility: public}
- {type: wave, slug: w2, title: Wave two, visibility: public}
- {type: wave, slug: w3, title: Wave three, visibility: public}
- {type: struggle, slug: a, title: Strike A, waves: [w1], tags: [wages], visibility: public}
- {type: struggle, slug: b, title: Strike B, waves: [w2], tags: [wages], visibility: public}
- {type: struggle, slug: c, title: Strike C, start: 2001, tags: [wages], visibility: public}
"""


def _archive(archive, engine, write, text: str):
    assert ingest(engine, [write("records.yaml", text)]).errors == []
    rebuild_index(archive.index_dir, engine)
    return archive, engine


def _cli(archive, *args: str) -> dict:
    result = CliRunner().invoke(cli, ["--archive", str(archive.root), "continuity", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_a_later_struggle_of_an_earlier_wave_is_never_earlier(archive, engine, write):
    _archive(archive, engine, write, LATER_IN_LONG_WAVE)
    result = earlier_struggles(engine, archive.index_dir, "strike-2012")
    slugs = [e.slug for e in result.earlier]
    assert "strike-2016" not in slugs
    assert slugs == ["strike-2003"]  # 2012 (no month) may be after April 2012: not earlier either
    assert result.earlier[0].because == EARLIER_TIME
    assert not result.in_waves and result.rule == "started before 2012-04; this struggle is in no dated wave"
    public = _cli(archive, "strike-2012", "--public")
    assert [e["slug"] for e in public["earlier"]] == ["strike-2003"]
    assert public["earlier"][0]["because"] == "from an earlier time"


def test_the_site_says_why_each_is_earlier(archive, engine, write, tmp_path):
    _archive(archive, engine, write, LATER_IN_LONG_WAVE)
    build(archive, engine, tmp_path / "site", today=TODAY)
    page = (tmp_path / "site" / "struggles" / "strike-2012.html").read_text(encoding="utf-8")
    section = page[page.index('<section class="earlier"'):]
    assert "strike-2016.html" not in section and "strike-2003.html" in section
    assert "Started before April 2012 (this struggle is in no dated wave)" in section  # the date in words
    assert '<span class="result-meta earlier-because">from an earlier time</span>' in section


def test_undated_waves_take_their_span_from_their_struggles(archive, engine, write, tmp_path):
    _archive(archive, engine, write, UNDATED_WAVES)
    result = earlier_struggles(engine, archive.index_dir, "mill-1971")
    assert result.cutoff == "1971-06" and result.in_waves  # its own wave, dated by its struggle
    assert [(e.slug, e.because) for e in result.earlier][0] == ("mill-1911", EARLIER_WAVE)
    public = _cli(archive, "mill-1971", "--public")
    assert public["earlier"][0]["slug"] == "mill-1911" and public["rule"] == "from waves that began before 1971-06"
    shown = CliRunner().invoke(cli, ["--archive", str(archive.root), "show", "wave/first-wave"])
    assert shown.exit_code == 0, shown.output
    assert "span: 1911–1913 (the wave gives no dates: taken from its 2 dated struggles)" in shown.output
    build(archive, engine, tmp_path / "site", today=TODAY)
    page = (tmp_path / "site" / "waves" / "first-wave.html").read_text(encoding="utf-8")
    assert "Span: 1911–1913 (the wave gives no dates: taken from its 2 dated struggles)." in page
    assert "Still open" not in page
    home = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "The first wave" in home[home.index('<svg class="timeline"'):]  # on the timeline


def test_an_empty_answer_says_why(archive, engine, write):
    _archive(archive, engine, write, NOTHING_DATED)
    text = CliRunner().invoke(cli, ["--archive", str(archive.root), "continuity", "c"]).output
    assert "none found: 3 waves have no dates and no dated struggles; 2 struggles have neither a start " \
           "nor a dated wave." in text
    assert _cli(archive, "c", "--public")["notes"] == [
        "3 waves have no dates and no dated struggles", "2 struggles have neither a start nor a dated wave"]
    refused = CliRunner().invoke(cli, ["--archive", str(archive.root), "continuity", "a"])
    assert refused.exit_code == 1
    assert "neither a start date nor a dated wave" in refused.output
    assert "1 wave has no dates and no dated struggles" in refused.output


@pytest.mark.parametrize(("first", "second", "before"), [
    ("2003", "2012-04", True), ("2012", "2012-04", False), ("2012-03", "2012-04", True),
    ("2012-04", "2012-04", False), ("2016", "2012-04", False), ("2012-04-30", "2012-04", False)])
def test_starts_before_respects_precision(first: str, second: str, before: bool) -> None:
    assert starts_before(first, second) is before


def test_the_rule_on_placements() -> None:
    spans = {"old": WaveSpan("1990", "2019"), "new": WaveSpan("2020", None), "open": WaveSpan("1930", None)}
    in_new = placement("2021", frozenset({"new"}), spans)
    assert earlier_because(in_new, placement("2016", frozenset({"old"}), spans)) == EARLIER_WAVE
    assert earlier_because(in_new, placement("2015", frozenset(), spans)) is None  # no wave: not an earlier wave
    assert earlier_because(in_new, placement(None, frozenset({"old"}), spans)) == EARLIER_WAVE  # by 2019 at the latest
    assert earlier_because(in_new, placement(None, frozenset({"open"}), spans)) is None  # can't tell when it started
    no_wave = Placement("2012-04", frozenset(), None, None)
    assert earlier_because(no_wave, placement("2016", frozenset({"old"}), spans)) is None
    assert earlier_because(no_wave, placement("2005", frozenset({"old"}), spans)) == EARLIER_TIME
    same = placement("2021-05", frozenset({"new"}), spans)
    assert earlier_because(same, in_new) is None  # same wave


def test_wave_span_keeps_given_dates_and_open_ends() -> None:
    assert wave_span("1990", None, [("2030", None)]) == WaveSpan("1990", None)
    derived = wave_span(None, None, [("1911", "1912"), ("1913", None), (None, None)])
    assert (derived.start, derived.end, derived.struggles) == ("1911", "1913", 2)
    assert wave_span(None, "1920", [("1911", None)]).describe() == \
        "1911–1920 (the wave gives no start: taken from its 1 dated struggle)"
    assert not wave_span(None, None, []).dated


def test_the_sites_inline_rule_is_earlier_because(archive, engine, write) -> None:
    """publish.earlier applies continuity.earlier_because inline: both give the same candidates."""
    from archive.publish.earlier import EarlierIndex
    from archive.publish.model import gather

    assert ingest(engine, [write("a.yaml", LATER_IN_LONG_WAVE), write("b.yaml", UNDATED_WAVES)]).errors == []
    index = EarlierIndex(gather(engine, TODAY))
    checked = 0
    for n, mine in enumerate(index.placements):
        if not mine.earliest_start:
            continue
        every = {rank: 1.0 for rank in range(len(index.by_rank))}
        bound = sum(1 for key in index.rank_starts if key < tuple(int(p) for p in mine.earliest_start.split("-"))
                    + (0,) * (3 - len(mine.earliest_start.split("-"))))
        inline = set(index._earlier_only({r: v for r, v in every.items() if r < bound}, mine))
        rule = {rank for rank, other in enumerate(index.by_rank) if earlier_because(mine, index.placements[other])}
        assert inline == rule, index.profiles[n].slug
        checked += 1
    assert checked >= 6
