"""Two ingests and a reindex at once all finish, and the index then equals the store."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from archive.search.index_verify import verify_index
from tests.helpers import count


@pytest.mark.slow
def test_two_ingests_and_a_reindex_at_once(archive, engine, tmp_path):
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        for f in range(6):
            rows = [{"type": "account", "slug": f"{name}-{f}-{r}", "title": f"Account {name} {f} {r}",
                     "body": f"Strike committee minutes {name} {f} {r}. " * 20, "places": [f"Town {r % 5}"],
                     "struggles": ["shared-strike"]} for r in range(100)]
            (folder / f"{f}.jsonl").write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")
    env = {**os.environ, "ARCHIVE_INDEX_LOCK_TIMEOUT": "300"}
    base = [sys.executable, "-m", "archive", "--archive", str(archive.root)]
    processes = [
        subprocess.Popen([*base, "ingest", str(tmp_path / "a")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=env, text=True),
        subprocess.Popen([*base, "ingest", str(tmp_path / "b")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=env, text=True),
        subprocess.Popen([*base, "reindex"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True),
    ]
    results = [p.communicate(timeout=600) for p in processes]
    for process, (out, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, (out, err)
        assert "Traceback" not in err
    assert count(engine, "account") == 1200
    assert count(engine, "struggle") == 1
    report = verify_index(archive.index_dir, engine)
    if report.pending:  # an ingest found the index busy and queued its update: the next writer applies it
        subprocess.run([*base, "reindex"], check=True, capture_output=True, env=env)
        report = verify_index(archive.index_dir, engine)
    assert report.ok, [str(d) for d in report.drifts][:5]
    assert report.records == report.documents == 1201 + 5
