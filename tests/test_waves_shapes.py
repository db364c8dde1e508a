"""Wave suggestion on the shapes a moving median misses (issue 13): a plateau decade, a regional wave in a
flat global count, a monthly burst in a five-year series, messy weights; and no wave in plain noise."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from archive.cli import cli
from archive.continuity.wave_activity import activity_series, period_label, period_of, read_amount
from archive.continuity.waves import apply_waves, suggest_by_place, suggest_waves
from archive.store.ingest import ingest
from tests.helpers import links


def noisy(levels: list[float], seed: int) -> dict[int, float]:
    """Poisson counts around ``levels`` (one a year from 1980) with 10% extra spread, as real series have."""
    rng = np.random.default_rng(seed)
    return {1980 + i: float(rng.poisson(level * rng.lognormal(0, 0.1))) for i, level in enumerate(levels)}


PLATEAU = [100.0] * 25 + [150.0] * 9 + [100.0] * 10  # rises by half in one year (2005), high for nine


@pytest.mark.parametrize("seed", range(5))
def test_a_plateau_decade_is_a_wave(seed: int) -> None:
    series = noisy(PLATEAU, seed)
    waves = suggest_waves(series)
    plateau = [w for w in waves if w.start <= 2013 and w.end >= 2005]
    assert len(plateau) == 1, waves
    assert "level" in plateau[0].kind
    assert 2004 <= plateau[0].start <= 2006 and 2012 <= plateau[0].end <= 2014
    assert len(waves) == 1  # and nothing else


def test_the_moving_median_alone_absorbs_the_plateau() -> None:
    """The failure the issue reports: the old method (peaks alone) sees at most the plateau's first years."""
    series = {1980 + i: level for i, level in enumerate(PLATEAU)}
    assert suggest_waves(series, methods=("peak",)) == []
    assert [(w.start, w.end, w.kind) for w in suggest_waves(series)] == [(2005, 2013, "level")]


def test_a_plateau_still_going_at_the_end_is_a_wave() -> None:
    series = noisy([100.0] * 30 + [150.0] * 9, seed=3)
    assert [(w.start, w.end) for w in suggest_waves(series)] == [(2010, 2018)]


def test_noise_and_a_slow_decline_rarely_propose_anything() -> None:
    """Twenty flat noisy series and twenty slow declines: the old summed score proposed a blip in most;
    a wave must now stand 40% above its baseline (50% for one year) or be a sustained level."""
    flat = [noisy([100.0] * 50, seed) for seed in range(20)]
    decline = [noisy([400 * 0.97 ** i for i in range(60)], seed) for seed in range(20)]
    found = sum(len(suggest_waves(series)) for series in flat + decline)
    before = sum(len(suggest_waves(series, methods=("peak",))) for series in flat + decline)
    assert found <= 2 and before >= 20, (found, before)


def test_a_staircase_rise_is_not_a_row_of_waves() -> None:
    steps = {1950 + i: 20.0 * 1.15 ** (i // 5) for i in range(50)}  # +15% every five years
    assert suggest_waves(steps) == []


@pytest.mark.parametrize(("cell", "value"), [
    ("1000s", 1000), ("50+", 50), ("1,200", 1200), ("1.200", 1200), ("2.5", 2.5), ("~300", 300),
    ("about 40", 40), ("more than 5,000", 5000), ("2-3 thousand", 2500), ("300–500", 400), ("1.5k", 1500),
    ("hundreds", 100), ("tens of thousands", 10000), ("2 million", 2_000_000), (" 12 ", 12), (7, 7)])
def test_messy_weights_are_read(cell: object, value: float) -> None:
    assert read_amount(cell) == pytest.approx(value)


@pytest.mark.parametrize("cell", ["unknown", "", "n/a", "many", True, None, "12 apples", "nan"])
def test_cells_without_a_number_are_skipped(cell: object) -> None:
    assert read_amount(cell) is None


def test_months_are_periods() -> None:
    assert period_of("2019-03-14", "month") == 2019 * 12 + 2
    assert period_of("2019", "month") is None
    assert period_label(2019 * 12 + 2, "month") == "2019-03"


def _jsonl(write, name: str, rows: list[dict]) -> object:
    return write(name, "\n".join(json.dumps(r) for r in rows))


def test_a_monthly_burst_in_a_five_year_series(archive, engine, write) -> None:
    rng = np.random.default_rng(7)
    rows = []
    for month in range(60):  # 2018-01 to 2022-12: ten actions a month, forty for three months of 2020
        year, m = 2018 + month // 12, month % 12 + 1
        level = 40 if (year, m) in ((2020, 4), (2020, 5), (2020, 6)) else 10
        rows += [{"type": "struggle", "slug": f"s-{month}-{i}", "title": f"Action {month} {i}",
                  "start": f"{year}-{m:02d}-{1 + i % 28:02d}"} for i in range(int(rng.poisson(level)))]
    rows += [{"type": "struggle", "slug": f"y-{i}", "title": f"Year-only {i}", "start": "2020"} for i in range(3)]
    assert ingest(engine, [_jsonl(write, "m.jsonl", rows)]).errors == []
    yearly = activity_series(engine)
    # Five yearly points can at best name the whole year; the months say when.
    assert [(w.start, w.end) for w in suggest_waves(yearly.counts)] in ([], [(2020, 2020)])
    monthly = activity_series(engine, resolution="month")
    assert monthly.skipped == 3  # the year-only dates cannot be put in a month
    waves = suggest_waves(monthly.counts, resolution="month")
    assert len(waves) == 1
    # April to June, give or take a noisy neighbouring month
    assert "2020-03" <= waves[0].label(waves[0].start) <= "2020-04" <= "2020-06" <= waves[0].label(waves[0].end) \
        <= "2020-07"
    root = archive.root
    result = CliRunner().invoke(cli, ["--archive", str(root), "waves", "suggest", "--resolution", "month", "--json"])
    assert result.exit_code == 0, result.output
    assert [(w["start"], w["end"]) for w in json.loads(result.output)] == [
        (waves[0].label(waves[0].start), waves[0].label(waves[0].end))]
    applied = apply_waves(engine, waves)
    assert applied.waves_added == 1
    assert links(engine, "struggle", rows[0]["slug"]) == []
    in_burst = next(r["slug"] for r in rows if r["start"].startswith("2020-05"))
    assert links(engine, "struggle", in_burst) == [("waves", "wave", waves[0].slug)]
    assert links(engine, "struggle", "y-0") == []  # "2020" may not be in April to June


def test_a_regional_wave_inside_a_flat_global_series(archive, engine, write) -> None:
    rng = np.random.default_rng(11)
    regions = [f"region-{n}" for n in range(8)]  # eight regions of about twelve strikes a year
    rows: list[dict] = [{"type": "place", "slug": "world", "title": "The world"}]
    rows += [{"type": "place", "slug": r, "title": f"Region {r[-1]}", "parent": "world"} for r in regions]
    rows += [{"type": "place", "slug": f"{r}-town", "title": f"Town of {r}", "parent": r} for r in regions]
    for year in range(1990, 2020):
        for r in regions:
            level = 36 if (r == "region-3" and 2000 <= year <= 2003) else 12
            rows += [{"type": "struggle", "slug": f"{r}-{year}-{i}", "title": f"Strike {r} {year} {i}",
                      "start": str(year), "places": [f"{r}-town"]} for i in range(int(rng.poisson(level)))]
    assert ingest(engine, [_jsonl(write, "r.jsonl", rows)]).errors == []
    series = activity_series(engine, by_place=True)
    assert suggest_waves(series.counts) == []  # a quarter more for four years in the world: drowned
    regional = suggest_by_place(series)
    assert {(w.place, w.start, w.end) for w in regional} == {("region-3", 2000, 2003)}
    assert regional[0].title == "Wave of 2000–2003 in Region 3 (suggested)"
    result = CliRunner().invoke(cli, ["--archive", str(archive.root), "waves", "suggest", "--by", "place"])
    assert result.exit_code == 0, result.output
    assert "2000–2003" in result.output and "in Region 3 (place/region-3)" in result.output
    applied = apply_waves(engine, regional)
    assert applied.waves_added == 1
    assert ("waves", "wave", "wave-region-3-2000-2003") in links(engine, "struggle", "region-3-2001-0")
    # the same years elsewhere: not this wave
    assert not [x for x in links(engine, "struggle", "region-4-2001-0") if x[0] == "waves"]


def test_messy_weights_through_the_cli(archive, engine, write) -> None:
    cells = ["1000s", "50+", "2-3 thousand", "unknown", "~300"]
    rows = [{"type": "struggle", "slug": f"s{i}", "title": f"S{i}", "start": "2001", "workers": cell}
            for i, cell in enumerate(cells)]
    assert ingest(engine, [_jsonl(write, "w.jsonl", rows)]).errors == []
    series = activity_series(engine, weight="workers")
    assert series.counts == {2001: 1000 + 50 + 2500 + 300} and series.skipped == 1
