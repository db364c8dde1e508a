"""Benchmark "Earlier struggles like this one" (archive/publish/earlier.py) on a big archive.

In one process, on one archive: a full build without any view across waves (``continuity=False``), and
the same build with only the earlier-struggles view switched on, each from a cold build cache into an
empty folder; plus the view's own parts (building the index, ``find`` for every struggle). The archive is
``benchmarks/site.py``'s ``--views`` archive (10,000 struggles and 100,000 accounts by default), or a
records file such a run kept.

Usage::

    python benchmarks/earlier.py                                  # generate 10,000 struggles, 100,000 accounts
    python benchmarks/earlier.py --records /tmp/vb-large/records.jsonl
    python benchmarks/earlier.py -n 10000 --struggles 2000        # smaller
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TODAY = dt.date(2026, 11, 27)


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=100_000, help="accounts (default 100,000)")
    parser.add_argument("--struggles", type=int, default=10_000, help="struggles (default 10,000)")
    parser.add_argument("--records", type=Path, help="a records.jsonl to ingest instead of generating one")
    parser.add_argument("--no-builds", action="store_true", help="time only the view's parts, not full builds")
    parser.add_argument("--order", default="plain,earlier,earlier,plain",
                        help="the full builds, in order (default ABBA, so that drift on a shared machine cancels)")
    args = parser.parse_args()

    from archive.publish import build, pages
    from archive.publish.build import plan
    from archive.publish.cache import CACHE_NAME
    from archive.publish.earlier import EarlierIndex
    from archive.publish.model import gather
    from archive.store.db import make_engine
    from archive.store.ingest import ingest
    from archive.trust.create import init_archive

    workdir = Path(tempfile.mkdtemp(prefix="earlier-bench-"))
    result: dict[str, Any] = {}
    try:
        archive = init_archive(workdir / "archive", title="Benchmark")
        engine = make_engine(archive.db_url(), writer=True)
        records = args.records
        if records is None:
            import importlib.util

            spec = importlib.util.spec_from_file_location("site_bench", Path(__file__).with_name("site.py"))
            site_bench = importlib.util.module_from_spec(spec)  # "site" is also a standard module
            spec.loader.exec_module(site_bench)
            records = workdir / "records.jsonl"
            site_bench.write(records, site_bench.records(args.n, args.struggles, views=True))
        _, wall, _ = timed(ingest, engine, [records], default_language="en")
        result["ingest_s"] = round(wall, 1)
        data, wall, cpu = timed(gather, engine, TODAY)
        result["records"] = {t: len(v) for t, v in data.items.items()}
        result["gather_s"] = [round(wall, 2), round(cpu, 2)]

        # The view's own parts, three times each (median): index, then every struggle's list.
        index_cpu, find_cpu, shown = [], [], 0
        struggles = data.of_type("struggle")
        for _ in range(3):
            index, _, cpu = timed(EarlierIndex, data)
            index_cpu.append(cpu)
            views, _, cpu = timed(lambda index=index: [index.find(s) for s in struggles])
            find_cpu.append(cpu)
            shown = sum(len(v.struggles) for v in views if v)
        result["index_cpu_s"] = round(statistics.median(index_cpu), 2)
        result["find_all_cpu_s"] = round(statistics.median(find_cpu), 2)
        result["find_per_struggle_ms"] = round(1000 * statistics.median(find_cpu) / len(struggles), 3)
        result["earlier_struggles_shown"] = shown
        _, wall, cpu = timed(plan, archive, data, False)
        result["plan_without_views_s"] = [round(wall, 2), round(cpu, 2)]
        del data, views, index

        if not args.no_builds:
            original = pages.Planner.__init__

            def only_earlier(self: Any, data: Any, continuity: bool = True, **settings: Any) -> None:
                original(self, data, continuity=False, **settings)
                self.earlier = EarlierIndex(data)  # the one view switched on

            runs = []
            for label in args.order.split(","):
                (archive.root / CACHE_NAME).unlink(missing_ok=True)
                out = workdir / f"site-{label}-{len(runs)}"
                pages.Planner.__init__ = only_earlier if label == "earlier" else original
                try:
                    report, wall, cpu = timed(build, archive, engine, out, TODAY, continuity=False)
                finally:
                    pages.Planner.__init__ = original
                runs.append({"build": label, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1), "pages": report.pages})
                print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
                shutil.rmtree(out, ignore_errors=True)
            result["builds"] = runs
            for key in ("wall_s", "cpu_s"):
                plain = statistics.mean(r[key] for r in runs if r["build"] == "plain")
                earlier = statistics.mean(r[key] for r in runs if r["build"] == "earlier")
                result[f"extra_{key}"] = round(earlier - plain, 1)
                result[f"ratio_{key}"] = round(earlier / plain, 3)
        engine.dispose()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
