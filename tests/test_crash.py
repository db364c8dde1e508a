"""kill -9 during ingest and indexing: the store stays sound, everything reported as stored is there and
whole, `verify` reports any index drift and `reindex` clears it."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from archive.search.index import rebuild_index
from archive.search.index_verify import verify_index
from archive.trust.fixity import verify_fixity

KILLS = 12
FILES = 16  # large enough that an ingest still runs when the kill comes (ingest got faster)
PER_FILE = 100


def make_batch(folder, prefix: str, words: list[str], rng: random.Random) -> None:
    folder.mkdir(parents=True)
    for f in range(FILES):
        rows = [{"type": "account", "slug": f"{prefix}-{f}-{r}", "title": f"Account {prefix} {f}-{r}",
                 "body": " ".join(rng.choice(words) for _ in range(120)), "date": f"{1950 + f}-{1 + r % 12:02d}",
                 "struggles": [f"struggle-{f % 7}"], "places": [f"Place {r % 11}"], "tags": [rng.choice(words)]}
                for r in range(PER_FILE)]
        (folder / f"{prefix}-{f:03}.jsonl").write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")


@pytest.mark.slow
def test_kill_nine_at_random_moments(archive, engine, tmp_path, shared_data):
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite crash safety; PostgreSQL keeps its own write-ahead log")
    text = (shared_data / "gutenberg_movement_texts" / "pg34856_pankhurst_my_own_story.txt").read_text(
        encoding="utf-8-sig")
    words = [w for w in text.split() if w.isalpha()][:5000]
    rng = random.Random(2026)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    reported: set[str] = set()
    kills = 0
    for round_number in range(KILLS):
        batch = tmp_path / f"batch-{round_number}"
        make_batch(batch, f"r{round_number}", words, rng)
        command = [sys.executable, "-m", "archive", "--archive", str(archive.root), "ingest", "-v", str(batch)]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        time.sleep(rng.uniform(0.4, 3.0))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        out, _ = process.communicate()
        for line in out.decode().splitlines():
            action, _, key = line.partition(" ")
            if action in ("added", "updated"):
                reported.add(key.strip())
        raw = sqlite3.connect(archive.root / "archive.sqlite")
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        stored = {f"{t}/{s}" for t, s in raw.execute("SELECT type, slug FROM records WHERE is_stub = 0")}
        raw.close()
        assert reported <= stored, sorted(reported - stored)[:5]
        per_file: dict[str, int] = {}
        for key in stored:  # account/r3-5-17 belongs to file r3-5
            per_file[key.rsplit("-", 1)[0]] = per_file.get(key.rsplit("-", 1)[0], 0) + 1
        assert set(per_file.values()) <= {PER_FILE}, "a file went in partly"
        fixity = verify_fixity(engine, record_run=False)
        assert fixity.changed == [] and fixity.untracked == []
    assert kills >= KILLS // 2, "the ingests finished before they could be killed; make the batches larger"
    rebuild_index(archive.index_dir, engine)
    report = verify_index(archive.index_dir, engine)
    assert report.ok, [str(d) for d in report.drifts][:5]
    assert not any(p.name.endswith((".toc", ".seg")) and "tmp" in p.name for p in archive.index_dir.rglob("*"))
