"""The test suite's own guarantees: a test that needs the full shared data sets never skips silently.

Run as a user would, in a fresh pytest process pointed at a folder without the data sets: the skip names
what is missing, the run ends with a line counting such skips (also when pytest-xdist runs the tests in
worker processes, where the skips happen), and ARCHIVE_REQUIRE_SHARED_DATA=1 turns them into failures.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT

# Two tests that need the full sets and reach the fixture without building anything large first (run whatever
# their tier: -m "").
NEEDS_FULL_DATA = ["tests/test_waves.py::test_fmcs_strikes_by_year",
                   "tests/test_waves.py::test_collective_action_in_tech_through_the_store"]


def _pytest(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {key: value for key, value in os.environ.items()
               if key not in ("ARCHIVE_REQUIRE_SHARED_DATA", "ARCHIVE_TEST_DATABASE_URL", "PYTEST_ADDOPTS")}
    environ.update(ARCHIVE_SHARED_DATA=str(tmp_path / "no-data-here"), **env)
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-m", "", *args, *NEEDS_FULL_DATA],
                          cwd=REPO_ROOT, env=environ, capture_output=True, text=True, timeout=300)


def test_missing_data_skips_are_named_and_counted_across_worker_processes(tmp_path: Path) -> None:
    run = _pytest(tmp_path, "-n", "2")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 skipped" in run.stdout
    assert "needs the full shared data sets (bls_us_work_stoppages" in run.stdout  # -rs names each reason
    assert "2 tests skipped: they need the full shared data sets, not found in" in run.stdout
    assert str(tmp_path / "no-data-here") in run.stdout


def test_requiring_the_data_turns_the_skips_into_failures(tmp_path: Path) -> None:
    run = _pytest(tmp_path, "-n", "0", ARCHIVE_REQUIRE_SHARED_DATA="1")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "ARCHIVE_REQUIRE_SHARED_DATA=1 makes this an error" in run.stdout
    assert "2 failed" in run.stdout or "2 errors" in run.stdout
