"""What checking the fixity of every published record adds to ``archive build``.

Ingests N public accounts (one JSON Lines file) into a new archive, then times, in the same run,
``gather_published`` (the build's read of the public projection: the baseline) and ``check_published``
over the records it returned (rebuilding each record's canonical content and hashing it).

    python benchmarks/build_fixity.py [--sizes 1000,10000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from archive.publish.model import gather_published
from archive.store.db import make_engine
from archive.store.ingest import ingest
from archive.trust.create import init_archive
from archive.trust.fixity import check_published


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    print("| records | gather_published | check_published | ratio |")
    print("|---:|---:|---:|---:|")
    for count in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            archive = init_archive(Path(tmp) / "archive")
            engine = make_engine(archive.db_url(), writer=True)
            rows = Path(tmp) / "rows.jsonl"
            rows.write_text("".join(json.dumps({
                "slug": f"account-{i}", "title": f"Account {i}", "date": f"{1900 + i % 120}",
                "visibility": "public", "struggles": [f"struggle-{i % 50}"], "tags": ["rent", f"t{i % 30}"],
                "body": "We sat down at the machines and did not move. " * 20}) + "\n" for i in range(count)))
            report = ingest(engine, [rows])
            assert not report.errors, report.errors[:3]
            started = time.perf_counter()
            data = gather_published(engine, archive.root)
            gathered = time.perf_counter() - started
            ids = [item.id for items in data.items.values() for item in items.values() if not item.is_stub]
            started = time.perf_counter()
            problems = check_published(engine, ids)
            checked = time.perf_counter() - started
            assert problems == [], problems[:3]
            engine.dispose()
        print(f"| {len(ids):,} | {gathered:.2f} s | {checked:.2f} s | {checked / gathered:.2f}x |")


if __name__ == "__main__":
    main()
