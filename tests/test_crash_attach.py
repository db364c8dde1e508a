"""kill -9 during ``archive attach`` with many files: the store stays sound, every attachment names bytes
that are kept whole, ``archive verify`` passes, no temporary file is named, and the same command run again
completes."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive.store.files import FileStore
from archive.store.ingest import ingest
from tests import media_files as make
from tests.helpers import PUBLIC

ROUNDS = 8
RECORDINGS = 24  # enough bytes to fsync that the command is still running when the kill comes
PICTURES = 8


def make_files(folder: Path, round_number: int) -> list[Path]:
    """New files each round, and files under names kept from round to round with new bytes (replaced)."""
    folder.mkdir(parents=True)
    paths = [make.mp3(folder / f"r{round_number}-interview-{i}.mp3", frames=900 + 13 * i + round_number)
             for i in range(RECORDINGS)]
    paths += [make.mp3(folder / f"shared-{i}.mp3", frames=400 + 7 * i + 3 * round_number) for i in range(4)]
    paths += [make.photo(folder / f"r{round_number}-picket-{i}.jpg", size=(40 + i, 30 + round_number))
              for i in range(PICTURES)]
    paths.append(make.leaflet_pdf(folder / f"r{round_number}-leaflet.pdf"))
    paths.append(make.transcript(folder / f"r{round_number}-interview-0.vtt"))
    return paths


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_store(root: Path) -> None:
    raw = sqlite3.connect(root / "archive.sqlite")
    try:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        named = [row[0] for row in raw.execute("SELECT sha256 FROM attachments")]
        kept_rows = {row[0] for row in raw.execute("SELECT sha256 FROM files")}
    finally:
        raw.close()
    store = FileStore(root)
    assert set(named) <= kept_rows, "an attachment names a file the store does not register"
    for digest in kept_rows:
        assert store.check(digest) is None, store.check(digest)  # the bytes are there, whole
    incoming = {p.name for p in store.stray_incoming()}
    assert not incoming & (set(named) | kept_rows), "a temporary file is named by the store"
    assert all(p.parent == store.root for p in store.stray_incoming())  # never under a kept name's folder


def run(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "archive", "--archive", str(root), *args],
                          capture_output=True, text=True, timeout=300)


def assert_verify_passes(root: Path) -> None:
    """``archive verify`` passes on the store (every hash, every kept file). A kill during the index update
    that follows the commit leaves the search index behind the store, which verify reports as index drift
    and ``archive reindex`` repairs (as after an interrupted ingest, tests/test_crash.py); then it passes."""
    verified = run(root, "verify")
    if verified.returncode != 0:
        assert "fixity" not in verified.stdout and "fixity" not in verified.stderr, verified.stdout
        assert "The index disagrees with the store" in verified.stderr, verified.stdout + verified.stderr
        assert run(root, "reindex").returncode == 0
        verified = run(root, "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr


@pytest.mark.slow
def test_kill_nine_while_attaching(archive, engine, tmp_path, write):
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite crash safety; PostgreSQL keeps its own write-ahead log")
    ingest(engine, [write("walkout.md", "---\ntitle: Laundry walkout\nslug: laundry-walkout\n---\nWe walked.\n")],
           defaults=PUBLIC)
    assert run(archive.root, "reindex").returncode == 0
    rng = random.Random(2026)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    kills = 0
    timing_files = make_files(tmp_path / "timing", 99)
    started = time.monotonic()
    timed = run(archive.root, "attach", "account/laundry-walkout", *map(str, timing_files))
    duration = time.monotonic() - started
    assert timed.returncode == 0, timed.stderr
    for round_number in range(ROUNDS):
        files = make_files(tmp_path / f"round-{round_number}", round_number)
        command = [sys.executable, "-m", "archive", "--archive", str(archive.root), "attach",
                   "account/laundry-walkout", *map(str, files)]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        # From start-up through checking, keeping the bytes, the transaction and the index update.
        time.sleep(duration * (round_number + 0.5) / ROUNDS * rng.uniform(0.8, 1.2))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
        check_store(archive.root)
        assert_verify_passes(archive.root)
        again = run(archive.root, "attach", "account/laundry-walkout", *map(str, files))
        assert again.returncode == 0, again.stderr
        check_store(archive.root)
        assert_verify_passes(archive.root)
        raw = sqlite3.connect(archive.root / "archive.sqlite")
        attached = dict(raw.execute("SELECT a.name, a.sha256 FROM attachments a JOIN records r ON r.id = a.record_id"
                                    " WHERE r.slug = 'laundry-walkout'").fetchall())
        raw.close()
        assert {path.name: sha(path) for path in files}.items() <= attached.items()
    assert kills >= ROUNDS // 2, "the commands finished before they could be killed; attach more files"
    assert run(archive.root, "verify").returncode == 0
