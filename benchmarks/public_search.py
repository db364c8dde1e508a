"""Benchmark ``archive search --public`` (an index of the public projection, built per command) against
``archive search`` (the archive's index on disk), one command each, at growing sizes.

    python benchmarks/public_search.py                     # 1,000 and 10,000 accounts
    python benchmarks/public_search.py --sizes 1000 10000 100000

Accounts are those of ``benchmarks/search.py`` (real texts from ../shared/data), all public, one in ten
with its own ``redactions``. For each size, in one run, each figure the median of ``--rounds``:

- archivist: open the index on disk and run one query (``archive search --json`` minus start-up);
- public, cold: the first query with ``public=True`` after a change, which loads the projection and
  indexes it into ``ARCHIVE/index/public/`` (one run);
- public: the same query again, which loads the projection, finds it unchanged and opens that index;
- public, after a small change: 1% of the accounts retitled and ingested again, then one public query,
  which indexes the changed projection again (one run);
- of which the projection alone (``archive.public.load``), the part every ``--public`` command and the
  site's build pay;
- a second public query on the same searcher (the in-memory index is kept while the searcher lives).

Figures are ratios against the archivist's query measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import search as search_benchmark  # noqa: E402

# The shared data sets, as the tests find them (a worktree is not beside ../shared).
search_benchmark.DATA = Path(os.environ.get("ARCHIVE_SHARED_DATA", search_benchmark.DATA))
make_accounts = search_benchmark.make_accounts

from archive.create import init_archive  # noqa: E402
from archive.db import make_engine  # noqa: E402
from archive.index import rebuild_index  # noqa: E402
from archive.ingest import ingest  # noqa: E402
from archive.public import load  # noqa: E402
from archive.search import ArchiveSearcher, SearchRequest, search  # noqa: E402

QUERY = "workers union"


def median_seconds(fn: Callable[[], object], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def measure(n: int, rounds: int) -> dict[str, float]:
    accounts = [{**a, "visibility": "public"} for a in make_accounts(n)]
    for number, account in enumerate(accounts[::10]):
        account["redactions"] = {f"Person{number}": "A. N."}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = root / "accounts.jsonl"
        path.write_text("".join(json.dumps(a) + "\n" for a in accounts), encoding="utf-8")
        archive = init_archive(root / "archive")
        engine = make_engine(archive.db_url(), writer=True)
        ingest(engine, [path])
        rebuild_index(archive.index_dir, engine)
        request = SearchRequest(QUERY, facets=False, snippets=False, suggest=False, count=False)
        public = SearchRequest(QUERY, public=True, facets=False, snippets=False, suggest=False, count=False)
        archivist_s = median_seconds(lambda: search(archive.index_dir, engine, request), rounds)
        cold_s = median_seconds(lambda: search(archive.index_dir, engine, public), 1)
        public_s = median_seconds(lambda: search(archive.index_dir, engine, public), rounds)
        load_s = median_seconds(lambda: load(engine, archive.root), rounds)
        with ArchiveSearcher(archive.index_dir, engine) as searcher:
            searcher.search(public)
            again_s = median_seconds(lambda: searcher.search(public), rounds)
        changed = [{**a, "title": a["title"] + " (revised)"} for a in accounts[:: 100]]
        path.write_text("".join(json.dumps(a) + "\n" for a in changed), encoding="utf-8")
        ingest(engine, [path])
        update_s = median_seconds(lambda: search(archive.index_dir, engine, public), 1)
        engine.dispose()
    return {"n": n, "archivist_s": archivist_s, "public_cold_s": cold_s, "public_s": public_s, "projection_s": load_s,
            "public_again_s": again_s, "public_after_change_s": update_s}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    rows = []
    print(f"{'accounts':>9} {'archivist':>10} {'cold':>9} {'ratio':>7} {'public':>9} {'ratio':>7} "
          f"{'projection':>11} {'same searcher':>14} {'after 1% change':>16}")
    for n in args.sizes:
        row = measure(n, args.rounds)
        rows.append(row)
        base = row["archivist_s"]
        print(f"{n:9d} {base:9.3f}s {row['public_cold_s']:8.2f}s {row['public_cold_s'] / base:6.0f}x "
              f"{row['public_s']:8.2f}s {row['public_s'] / base:6.0f}x {row['projection_s']:10.2f}s "
              f"{row['public_again_s'] / base:13.2f}x {row['public_after_change_s']:8.2f}s "
              f"{row['public_after_change_s'] / base:6.0f}x", flush=True)
    for previous, row in zip(rows, rows[1:], strict=False):
        cold = row["public_cold_s"] / previous["public_cold_s"]
        print(f"growth {previous['n']} -> {row['n']}: public cold x{cold:.1f}, "
              f"public x{row['public_s'] / previous['public_s']:.1f}, "
              f"archivist x{row['archivist_s'] / previous['archivist_s']:.1f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
