"""Benchmark: what mapping transforms and placeholder recognition cost per row, against baselines.

Rows are the FMCS excerpt (tests/data/mapping_examples), repeated with fresh case numbers to N rows.

1. ``Mapping.apply`` with examples/fmcs.map.yaml (dates, numbers, regexes, templates), against the same
   columns mapped plainly (no transforms): the cost of the transforms.
2. ``records.normalize`` of the mapped rows with placeholder recognition, against the same with it
   switched off: the cost of checking every referenced name.

Usage::

    python benchmarks/mapping.py              # 1,000 / 10,000 / 100,000 rows
    python benchmarks/mapping.py -n 5000      # one size
"""

from __future__ import annotations

import argparse
import csv
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import archive.ingest.records as records
from archive.ingest.mapping import load_mapping
from archive.ingest.records import normalize

ROOT = Path(__file__).resolve().parent.parent
EXCERPT = ROOT / "tests" / "data" / "mapping_examples" / "fmcs_work_stoppages.csv"
PLAIN = """
columns: {Start Date: start, End Date: end, "City, State": places, Union: organizations, Industry: tags,
          Employer: employer, Case Number: fmcs_case, "# Idled": workers, Union Local: union_local,
          BU: bargaining_unit, NAICS: naics, Duration: duration_days}
split: {places: ";", organizations: ";"}
constants: {type: struggle}
slug: "fmcs-{Case Number}-{Start Date}"
title: "{Employer} work stoppage ({Union}), {City, State}"
"""


def rows(n: int) -> list[dict[str, str]]:
    with EXCERPT.open(encoding="utf-8", newline="") as handle:
        sample = [r for r in csv.DictReader(handle) if r["End Date"] >= r["Start Date"] or not r["End Date"]]
    return [{**sample[i % len(sample)], "Case Number": f"X{i:07d}"} for i in range(n)]


def timed(function: Callable[[], Any], repeat: int = 3) -> float:
    """The best of ``repeat`` runs: the machine's other load only ever adds time."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def measure(n: int, plain_path: Path) -> dict[str, float]:
    data = rows(n)
    example = load_mapping(ROOT / "examples" / "fmcs.map.yaml")
    plain = load_mapping(plain_path)
    plain_time = timed(lambda: [plain.apply(r) for r in data])
    example_time = timed(lambda: [example.apply(r) for r in data])
    mapped = [example.apply(r) for r in data]
    with_time = timed(lambda: [normalize(f) for f in mapped])
    original = records.is_placeholder
    records.is_placeholder = lambda value: False  # the baseline: no recognition
    try:
        without_time = timed(lambda: [normalize(f) for f in mapped])
    finally:
        records.is_placeholder = original
    return {"rows": n, "apply_plain_s": plain_time, "apply_transforms_s": example_time,
            "transforms_ratio": example_time / plain_time, "normalize_without_s": without_time,
            "normalize_with_s": with_time, "placeholders_ratio": with_time / without_time}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, help="one size instead of 1,000 / 10,000 / 100,000")
    args = parser.parse_args()
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        plain_path = Path(tmp) / "plain.map.yaml"
        plain_path.write_text(PLAIN, encoding="utf-8")
        for n in [args.n] if args.n else [1_000, 10_000, 100_000]:
            result = measure(n, plain_path)
            print(f"{result['rows']:>7,} rows: apply {result['apply_plain_s']:.3f}s plain, "
                  f"{result['apply_transforms_s']:.3f}s with transforms (x{result['transforms_ratio']:.2f}); "
                  f"normalize {result['normalize_without_s']:.3f}s without placeholders, "
                  f"{result['normalize_with_s']:.3f}s with (x{result['placeholders_ratio']:.2f})")


if __name__ == "__main__":
    main()
