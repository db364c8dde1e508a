"""Benchmark ``archive search --public`` (the kept index of the public projection) against ``archive
search`` (the archive's index), in the library and as a whole command, at growing sizes.

    python benchmarks/public_search.py                     # 1,000 and 10,000 accounts
    python benchmarks/public_search.py --sizes 100000 --rounds 5 --no-change
    python benchmarks/public_search.py --upkeep-only --sizes 1000 10000 100000   # the upkeep alone

Accounts are those of ``benchmarks/search.py`` (real texts from ../shared/data), all public, one in ten
with its own ``redactions``. For each size, in one run:

- p50/p95 of a term, an AND, a phrase and a prefix query (``benchmarks/search.py``'s queries, no facets,
  snippets or suggestions), each one ``archive.search.searcher.search`` call (opening the index, as a command
  does), archivist and public; and the same as a whole command (``archive search --json [--public]``);
- what a public search pays to learn that its index is current (``projection_state``), against loading
  the projection (what every public search paid before);
- the first public search, which builds the public index from scratch;
- the upkeep after ingesting 1 and 100 new accounts: the archive's index update and the public index's
  (appended in place), then the next public search (warm);
- with ``--change`` (default below 100,000): the upkeep after 1% of the accounts are retitled, which
  rebuilds the public index (see docs/search.md).

Figures are ratios against the archivist's query in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
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

from sqlalchemy import text  # noqa: E402

from archive.public import load  # noqa: E402
from archive.public.state import projection_state  # noqa: E402
from archive.search.index import rebuild_index, update_index  # noqa: E402
from archive.search.public_index import keep_current  # noqa: E402
from archive.search.searcher import SearchRequest, search  # noqa: E402
from archive.store.db import make_engine  # noqa: E402
from archive.store.ingest import ingest  # noqa: E402
from archive.trust.create import init_archive  # noqa: E402

KINDS = {"term": "term (common)", "AND": "two-term AND", "phrase": "phrase", "prefix": "prefix"}


def progress(row: dict[str, object], name: str) -> None:
    """Each figure as it comes (to stderr), so that a long run can be followed and a cut-short one read."""
    print(f"[{row['n']}] {name}: {json.dumps(row[name])}", file=sys.stderr, flush=True)


def seconds(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def request(query: str, public: bool) -> SearchRequest:
    return SearchRequest(query, public=public, facets=False, snippets=False, suggest=False, count=False)


def library_latency(archive, engine, rounds: int) -> dict[str, tuple[float, ...]]:  # noqa: ANN001
    out = {}
    for kind, name in KINDS.items():
        queries = search_benchmark.QUERIES[name]
        samples: dict[bool, list[float]] = {False: [], True: []}
        for public in (False, True):
            search(archive.index_dir, engine, request(queries[0], public))  # warm the caches
        for _ in range(rounds):
            for query in queries:
                for public in (False, True):
                    samples[public].append(seconds(lambda q=query, p=public: search(archive.index_dir, engine,
                                                                                     request(q, p))))
        out[kind] = (*percentiles(samples[False]), *percentiles(samples[True]))
    return out


def command_latency(root: Path, rounds: int) -> dict[str, tuple[float, ...]]:
    out = {}
    for kind, name in KINDS.items():
        query = search_benchmark.QUERIES[name][0]
        samples: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(rounds):
            for public in (False, True):
                args = [sys.executable, "-m", "archive", "--archive", str(root), "search", query, "--json"]
                args += ["--public"] if public else []
                samples[public].append(seconds(lambda a=args: subprocess.run(a, check=True, capture_output=True)))
        out[kind] = (*percentiles(samples[False]), *percentiles(samples[True]))
    return out


def upkeep(archive, engine, root: Path, accounts: list[dict]) -> dict[str, float]:  # noqa: ANN001
    path = root / f"new-{len(accounts)}.jsonl"
    path.write_text("".join(json.dumps(a) + "\n" for a in accounts), encoding="utf-8")
    report = ingest(engine, [path])
    archivist = seconds(lambda: update_index(archive.index_dir, engine, report.changed_ids))
    outcome: list[str | None] = []
    public = seconds(lambda: outcome.append(keep_current(archive.index_dir, engine)))
    search_s = seconds(lambda: search(archive.index_dir, engine, request("workers union", True)))
    return {"archivist_update_s": archivist, "public_upkeep_s": public, "next_public_search_s": search_s,
            "outcome": outcome[0] or "current"}


def measure(n: int, rounds: int, command_rounds: int, change: bool) -> dict[str, object]:
    everything = make_accounts(n + 101)
    for number, account in enumerate(everything):
        account["visibility"] = "public"
        account["slug"] = f"account-{number}"
        if number % 10 == 0:
            account["redactions"] = {f"Person{number}": "A. N."}
    accounts, later = everything[:n], everything[n:]
    row: dict[str, object] = {"n": n, "load_average": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = root / "accounts.jsonl"
        path.write_text("".join(json.dumps(a) + "\n" for a in accounts), encoding="utf-8")
        archive = init_archive(root / "archive")
        engine = make_engine(archive.db_url(), writer=True)
        row["ingest_s"] = seconds(lambda: ingest(engine, [path]))
        progress(row, "ingest_s")
        with engine.begin() as conn:  # statistics for the planner (issue 11: without them a rebuild is quadratic)
            conn.execute(text("ANALYZE"))
        row["archivist_rebuild_s"] = seconds(lambda: rebuild_index(archive.index_dir, engine))
        progress(row, "archivist_rebuild_s")
        row["public_first_s"] = seconds(lambda: search(archive.index_dir, engine, request("workers union", True)))
        progress(row, "public_first_s")
        with engine.connect() as conn:
            row["state_s"] = statistics.median(seconds(lambda: projection_state(conn, None, {}))
                                               for _ in range(rounds))
            progress(row, "state_s")
        row["projection_load_s"] = statistics.median(seconds(lambda: load(engine, archive.root)) for _ in range(2))
        progress(row, "projection_load_s")
        row["library"] = library_latency(archive, engine, rounds)
        progress(row, "library")
        row["command"] = command_latency(archive.root, command_rounds)
        progress(row, "command")
        row["upkeep_1"] = upkeep(archive, engine, root, later[:1])
        progress(row, "upkeep_1")
        row["upkeep_100"] = upkeep(archive, engine, root, later[1:101])
        progress(row, "upkeep_100")
        if change:
            changed = [{**a, "title": a["title"] + " (revised)"} for a in accounts[::100]]
            row["upkeep_1pct_changed"] = upkeep(archive, engine, root, changed)
            progress(row, "upkeep_1pct_changed")
        engine.dispose()
    return row


def cpu_and_wall(fn: Callable[[], object]) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - cpu, time.perf_counter() - wall


def measure_upkeep(n: int, rebuild: bool = True) -> dict[str, object]:
    """The public index's upkeep after new accounts, against a rebuild of the same projection and against
    loading the whole projection and making its documents (what every append cost before), in one run."""
    from archive.search.public_index import _documents

    everything = make_accounts(n + 101)
    for number, account in enumerate(everything):
        account["visibility"] = "public"
        account["slug"] = f"account-{number}"
        if number % 10 == 0:
            account["redactions"] = {f"Person{number}": "A. N."}
    accounts, later = everything[:n], everything[n:]
    row: dict[str, object] = {"n": n, "load_average": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = root / "accounts.jsonl"
        path.write_text("".join(json.dumps(a) + "\n" for a in accounts), encoding="utf-8")
        archive = init_archive(root / "archive")
        engine = make_engine(archive.db_url(), writer=True)
        ingest(engine, [path])
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        row["first_build"] = cpu_and_wall(lambda: keep_current(archive.index_dir, engine, create=True))
        progress(row, "first_build")
        for label, batch in (("append_1", later[:1]), ("append_100", later[1:101])):
            batch_path = root / f"{label}.jsonl"
            batch_path.write_text("".join(json.dumps(a) + "\n" for a in batch), encoding="utf-8")
            ingest(engine, [batch_path])
            outcome: list[str | None] = []
            row[label] = cpu_and_wall(lambda o=outcome: o.append(keep_current(archive.index_dir, engine)))
            row[f"{label}_outcome"] = outcome[0]
            progress(row, label)
            row[f"{label}_whole_load"] = cpu_and_wall(lambda: list(_documents(load(engine, archive.root))))
            progress(row, f"{label}_whole_load")
            if rebuild:  # else the first build stands for it (the same whole build, one record fewer)
                other = root / f"rebuild-{label}"
                row[f"{label}_rebuild"] = cpu_and_wall(lambda o=other: keep_current(o, engine, create=True))
                progress(row, f"{label}_rebuild")
        engine.dispose()
    return row


def report_upkeep(row: dict[str, object]) -> None:
    print(f"\n{row['n']:,} accounts (load average {', '.join(f'{x:.1f}' for x in row['load_average'])}), "
          f"CPU / wall seconds; first public index build {row['first_build'][0]:.2f} / {row['first_build'][1]:.2f}")
    for label in ("append_1", "append_100"):
        cpu, wall = row[label]
        load_cpu, load_wall = row[f"{label}_whole_load"]
        rebuild_cpu, rebuild_wall = row.get(f"{label}_rebuild", row["first_build"])
        print(f"  {label}: upkeep {cpu:.2f} / {wall:.2f} ({row[f'{label}_outcome']}); whole projection loaded "
              f"with its documents {load_cpu:.2f} / {load_wall:.2f} ({load_cpu / cpu:.1f}x); full rebuild "
              f"{rebuild_cpu:.2f} / {rebuild_wall:.2f} ({rebuild_cpu / cpu:.1f}x)")
    sys.stdout.flush()


def report(row: dict[str, object]) -> None:
    n = row["n"]
    print(f"\n{n:,} accounts (load average {', '.join(f'{x:.1f}' for x in row['load_average'])}): "
          f"ingest {row['ingest_s']:.1f} s, archivist rebuild {row['archivist_rebuild_s']:.1f} s, "
          f"first public search (builds the public index) {row['public_first_s']:.1f} s")
    print(f"  current? {row['state_s'] * 1000:.1f} ms (projection_state) against "
          f"{row['projection_load_s']:.2f} s to load the projection")
    for where in ("library", "command"):
        print(f"  {where:8} {'archivist p50':>14} {'p95':>9} {'public p50':>11} {'p95':>9} "
              f"{'ratio p50':>10} {'p95':>6}")
        for kind, (a50, a95, p50, p95) in row[where].items():
            print(f"  {kind:8} {a50 * 1000:12.1f}ms {a95 * 1000:7.1f}ms {p50 * 1000:9.1f}ms {p95 * 1000:7.1f}ms "
                  f"{p50 / a50:9.2f}x {p95 / a95:5.2f}x")
    for name in ("upkeep_1", "upkeep_100", "upkeep_1pct_changed"):
        if name in row:
            u = row[name]
            print(f"  {name}: archivist index {u['archivist_update_s']:.2f} s, public index "
                  f"{u['public_upkeep_s']:.2f} s ({u['outcome']}), "
                  f"next public search {u['next_public_search_s']:.3f} s")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--rounds", type=int, default=5, help="times each library query is run")
    parser.add_argument("--command-rounds", type=int, default=5, help="times each command is run")
    parser.add_argument("--change", action=argparse.BooleanOptionalAction, default=None,
                        help="also retitle 1%% of the accounts (a rebuild; default below 100,000)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--upkeep-only", action="store_true",
                        help="only the public index's upkeep after 1 and 100 new accounts, against a rebuild")
    parser.add_argument("--no-rebuild", action="store_true",
                        help="with --upkeep-only: the first build stands for the rebuild (for 100,000)")
    args = parser.parse_args(argv)
    rows = []
    if args.upkeep_only:
        for n in args.sizes:
            rows.append(measure_upkeep(n, rebuild=not args.no_rebuild))
            report_upkeep(rows[-1])
        if args.json:
            args.json.write_text(json.dumps(rows, indent=2))
        return
    for n in args.sizes:
        row = measure(n, args.rounds, args.command_rounds, args.change if args.change is not None else n < 100_000)
        report(row)
        rows.append(row)
    for previous, row in zip(rows, rows[1:], strict=False):
        growth = {kind: row["library"][kind][2] / previous["library"][kind][2] for kind in KINDS}
        print(f"growth {previous['n']:,} -> {row['n']:,}, public p50 in the library: "
              + ", ".join(f"{k} x{v:.1f}" for k, v in growth.items())
              + f"; projection_state x{row['state_s'] / previous['state_s']:.1f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
