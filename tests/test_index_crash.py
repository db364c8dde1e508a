"""Processes that die or collide while writing the index: ``kill -9`` mid-commit and mid-rebuild, and
two ingests at once. Each leaves an index that ``verify`` judges correctly and ``reindex`` repairs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine

from archive.search.index import current_dir, rebuild_index, stray_files, update_index
from archive.search.index_verify import verify_index
from archive.search.searcher import ArchiveSearcher, SearchRequest
from archive.store.config import Archive
from archive.store.ingest import ingest
from tests.test_index import account, descriptions

# Runs in a child process: index ``ids`` but stall at the given point, so the test can kill -9 it there.
STALLING_WRITER = """
import sys, time
from pathlib import Path
import whoosh.index, whoosh.writing
from archive.store.config import load_archive
from archive.store.db import make_engine
from archive.search.index import rebuild_index, update_index

root, signal_file, where, ids = sys.argv[1], Path(sys.argv[2]), sys.argv[3], sys.argv[4]

def stall(real, after=1):
    calls = []
    def wrapper(*args, **kwargs):
        calls.append(1)
        if len(calls) == after:
            signal_file.write_text("stalled")
            time.sleep(120)
        return real(*args, **kwargs)
    return wrapper

archive = load_archive(Path(root))
engine = make_engine(archive.db_url())
if where == "commit":  # the segment files are written; the table of contents naming them is not
    whoosh.index.TOC.write = stall(whoosh.index.TOC.write)
    update_index(archive.index_dir, engine, [int(i) for i in ids.split(",")])
else:  # halfway through the documents of a rebuild
    whoosh.writing.SegmentWriter.add_document = stall(whoosh.writing.SegmentWriter.add_document, after=3)
    rebuild_index(archive.index_dir, engine)
"""


def kill_when_stalled(archive: Archive, tmp_path: Path, where: str, ids: list[int]) -> None:
    signal_file = tmp_path / f"stalled-{where}"
    child = subprocess.Popen([sys.executable, "-c", STALLING_WRITER, str(archive.root), str(signal_file), where,
                              ",".join(map(str, ids))])
    deadline = time.monotonic() + 60
    while not signal_file.exists():
        assert child.poll() is None, "the writer ended before it stalled"
        assert time.monotonic() < deadline, "the writer never stalled"
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    assert child.wait(timeout=30) == -signal.SIGKILL


def prepare(archive: Archive, engine: Engine, write, shared_data: Path) -> list[int]:
    """Three indexed accounts, then three more stored but not indexed; return the new ones' ids."""
    texts = descriptions(shared_data, 6, containing="workers")
    ingest(engine, [write(f"{n}.md", account(f"old-{n}", text)) for n, (_, text) in enumerate(texts[:3])])
    rebuild_index(archive.index_dir, engine)
    report = ingest(engine, [write(f"new-{n}.md", account(f"new-{n}", text)) for n, (_, text) in enumerate(texts[3:])])
    return report.changed_ids


def count(archive: Archive, engine: Engine, query: str) -> int:
    with ArchiveSearcher(archive.index_dir, engine) as searcher:
        return searcher.search(SearchRequest(query, limit=100)).total


@pytest.mark.slow  # a crash suite
def test_kill_9_mid_commit(archive: Archive, engine: Engine, write, shared_data: Path, tmp_path: Path) -> None:
    new_ids = prepare(archive, engine, write, shared_data)
    kill_when_stalled(archive, tmp_path, "commit", new_ids)

    assert count(archive, engine, "workers") == 3  # the old generation still answers
    report = verify_index(archive.index_dir, engine)
    assert report.count("missing") == 3
    assert report.count("stray") >= 1  # the dead writer's segment files
    # The kernel released the dead writer's lock: the next writer does not wait for it.
    started = time.monotonic()
    update_index(archive.index_dir, engine, [], timeout=5)
    assert time.monotonic() - started < 5

    rebuild_index(archive.index_dir, engine)
    assert verify_index(archive.index_dir, engine).ok
    assert not stray_files(archive.index_dir)
    assert count(archive, engine, "workers") == 6


@pytest.mark.slow  # a crash suite
def test_kill_9_mid_rebuild(archive: Archive, engine: Engine, write, shared_data: Path, tmp_path: Path) -> None:
    prepare(archive, engine, write, shared_data)
    live = current_dir(archive.index_dir)
    kill_when_stalled(archive, tmp_path, "rebuild", [])

    assert current_dir(archive.index_dir) == live  # never swapped in
    report = verify_index(archive.index_dir, engine)
    assert report.count("stray") == 1 and report.count("missing") == 3
    rebuild_index(archive.index_dir, engine)
    assert verify_index(archive.index_dir, engine).ok
    assert [p.name for p in archive.index_dir.glob("gen-*")] == [current_dir(archive.index_dir).name]


@pytest.mark.slow
def test_two_ingests_at_once(archive: Archive, engine: Engine, write, shared_data: Path) -> None:
    texts = descriptions(shared_data, 40)
    for n, (action, text) in enumerate(texts):
        write(f"{'ab'[n % 2]}/{n}.md", account(f"cait-{action}", text))
    command = "from archive.cli import main; main()"
    children = [subprocess.Popen([sys.executable, "-c", command, "--archive", str(archive.root), "ingest",
                                  str(archive.root.parent / "in" / half)], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for half in "ab"]
    outputs = [child.communicate(timeout=120) for child in children]
    for child, (out, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err
        assert "Search index" in out and "Traceback" not in err
    report = verify_index(archive.index_dir, engine)
    assert report.ok, [str(d) for d in report.drifts]
    assert report.records == report.documents == 40
