"""Wave suggestion on real series: the waves a labour historian would name, and no others."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli import cli
from archive.continuity.wave_activity import activity_series
from archive.continuity.waves import apply_waves, suggest_waves
from archive.ingest.mapping import load_mapping
from archive.store.ingest import ingest
from tests.helpers import get, links, revisions

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def overlaps(wave, first: int, last: int) -> bool:
    return wave.start <= last and wave.end >= first


def test_bls_major_work_stoppages_since_1947(shared_data):
    path = shared_data / "bls_us_work_stoppages" / "bls_annual_major_work_stoppages_1947_onward.csv"
    with path.open(encoding="utf-8") as f:
        series = {int(r["year"]): float(r["stoppages_beginning"]) for r in csv.DictReader(f)}
    waves = suggest_waves(series)
    # The post-war wave peaking in 1952, the late-1960s/1970s rank-and-file wave, the 2018-2019
    # teachers' strikes, and nothing in the long drought after the 1981 PATCO defeat.
    assert any(w.start <= 1952 <= w.end and w.peak == 1952 for w in waves)
    assert any(overlaps(w, 1966, 1974) for w in waves)
    assert any(overlaps(w, 2018, 2019) for w in waves)
    assert not any(overlaps(w, 1982, 2016) for w in waves)
    assert len(waves) == 3


def test_fmcs_strikes_by_year(full_shared_data):
    counts: Counter[int] = Counter()
    with (full_shared_data / "fmcs_work_stoppages" / "work_stoppages.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            counts[int(row["Start Date"][:4])] += 1
    waves = suggest_waves(counts)
    # The mid-1980s (Hormel, TWA, the meatpackers) and the 2012 teachers' and public-sector fights; the
    # data set's thin first years (1981-1983) are partial, not a wave's start.
    assert any(w.start <= 1985 <= w.end for w in waves)
    assert all(w.start >= 1984 for w in waves)
    assert not any(overlaps(w, 1990, 2009) for w in waves)


def test_collective_action_in_tech_through_the_store(engine, full_shared_data):
    mapping = load_mapping(EXAMPLES / "collective_action_in_tech.map.yaml")
    source = full_shared_data / "collective_action_in_tech" / "actions.csv"
    assert ingest(engine, [source], mapping=mapping).errors == []
    series = activity_series(engine)
    waves = suggest_waves(series.counts)
    # The tech worker movement: the 2018 Google walkout through the pandemic actions, peaking in 2020;
    # the scattered actions of 1969-2011 are too few to be a wave.
    assert [(w.start, w.end, w.peak) for w in waves] == [(2018, 2021, 2020)]
    assert series.records == 506


def test_weight_by_workers_involved(engine, shared_data):
    mapping = load_mapping(EXAMPLES / "collective_action_in_tech.map.yaml")
    ingest(engine, [shared_data / "collective_action_in_tech" / "actions.csv"], mapping=mapping)
    series = activity_series(engine, weight="workers")
    assert series.skipped > 0 and series.records > 0
    assert sum(series.counts.values()) > series.records  # many actions involve thousands


def test_apply_records_waves_and_keeps_assigned_struggles(engine, write):
    records = [{"type": "struggle", "slug": f"s{year}-{i}", "title": f"Strike {year} {i}", "start": str(year)}
               for year in range(1990, 2011) for i in range(3 if year not in (2000, 2001) else 40)]
    records[0]["start"] = "2000"
    records[0]["waves"] = ["hand-made-wave"]
    path = write("s.jsonl", "\n".join(json.dumps(r) for r in records))
    ingest(engine, [path])
    proposals = suggest_waves(activity_series(engine).counts)
    assert [(p.start, p.end, p.peak) for p in proposals] == [(2000, 2001, 2000)]
    result = apply_waves(engine, proposals)
    assert result.waves_added == 1 and result.struggles_assigned == 80
    assert get(engine, "wave", "wave-2000-2001").start == "2000"
    assert links(engine, "struggle", "s2000-5") == [("waves", "wave", "wave-2000-2001")]
    assert links(engine, "struggle", "s1990-0") == [("waves", "wave", "hand-made-wave")]
    assert links(engine, "struggle", "s1995-0") == []
    assert len(revisions(engine, "struggle", "s2000-5")) == 2
    assert apply_waves(engine, proposals).struggles_assigned == 0  # applying again changes nothing


def test_cli_json(tmp_path, write):
    root = tmp_path / "a"
    CliRunner().invoke(cli, ["init", str(root)])
    rows = [{"type": "account", "title": f"A {y} {i}", "date": str(y)} for y in range(1960, 1990)
            for i in range(30 if 1970 <= y <= 1972 else 2)]
    path = write("a.jsonl", "\n".join(json.dumps(r) for r in rows))
    CliRunner().invoke(cli, ["--archive", str(root), "ingest", str(path)])
    result = CliRunner().invoke(cli, ["--archive", str(root), "waves", "suggest", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [{"start": "1970", "end": "1972", "peak": "1970", "count": 90,
                                          "score": pytest.approx(json.loads(result.output)[0]["score"]),
                                          "kind": "peak"}]
    assert set(json.loads(result.output)[0]) == {"start", "end", "peak", "count", "score", "kind"}
