"""Shared fixtures. The suite runs on SQLite, and on PostgreSQL when ARCHIVE_TEST_DATABASE_URL is set.

On PostgreSQL every test gets its own schema (through ``search_path`` in the URL), so tests cannot see
each other's rows and no table is shared.

Real data comes in two sizes. ``shared_data`` is the folder of samples in the repository
(tests/data/samples: small cuts of each public data set, same layout, same file names), always there.
``full_shared_data`` is the full sets (../shared/data, or $ARCHIVE_SHARED_DATA), which a fresh checkout does
not have: a test that needs them skips with a reason naming what is missing and where to get it, the run
ends with a count of those skips, and with ARCHIVE_REQUIRE_SHARED_DATA=1 (CI) the missing sets are an error.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from archive.store.config import Archive
from archive.store.db import make_engine
from archive.trust.create import init_archive

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DATA = REPO_ROOT / "tests" / "data" / "samples"
SHARED_DATA = Path(os.environ.get("ARCHIVE_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
SHARED_SETS = ("bls_us_work_stoppages", "collective_action_in_tech", "fmcs_work_stoppages",
               "gutenberg_movement_texts", "wikidata_protests_strikes")
REQUIRE_SHARED_DATA = os.environ.get("ARCHIVE_REQUIRE_SHARED_DATA") == "1"
MISSING_SHARED_DATA = "needs the full shared data sets"  # starts each such skip reason; counted at the end
PG_URL = os.environ.get("ARCHIVE_TEST_DATABASE_URL")
_missing_data_skips = [0]  # skips for want of the full shared data sets, in this process's reports
# Fixtures that hand a test the store under test; a test that uses one is marked ``store``.
STORE_FIXTURES = frozenset({"db_url", "store_url"})
BROWSER_TESTS = REPO_ROOT / "tests" / "browser"  # every test there is marked ``browser``


def missing_shared_sets() -> list[str]:
    return [name for name in SHARED_SETS if not (SHARED_DATA / name).is_dir()]


def pytest_report_header(config: pytest.Config) -> list[str]:
    store = (f"store: PostgreSQL ({make_url(PG_URL).render_as_string(hide_password=True)})" if PG_URL
             else "store: SQLite")
    missing = missing_shared_sets()
    data = (f"full shared data: {SHARED_DATA}" if not missing
            else f"full shared data: missing at {SHARED_DATA} ({len(missing)} of {len(SHARED_SETS)} sets); "
                 "the tests that need them skip")
    if PG_URL:
        store += "; only the tests that open the store under test run (marker `store`), the SQLite pass runs the rest"
    return [store, data]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the browser suites, and the tests that open the store under test; on PostgreSQL, run only those.

    A test that never opens the store under test (a parser, the analysis, a site built from its own SQLite
    archive) does the same thing in both passes, so the PostgreSQL pass leaves it to the SQLite pass."""
    for item in items:
        if STORE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.store)
        if BROWSER_TESTS in item.path.parents:
            item.add_marker(pytest.mark.browser)
    if not PG_URL:
        return
    kept = [item for item in items if item.get_closest_marker("store") is not None]
    dropped = [item for item in items if item.get_closest_marker("store") is None]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Samples of the public data sets, kept in the repository (tests/data/samples, with their licences).

    The folder has the layout of the full sets: ``shared_data / "fmcs_work_stoppages" / "work_stoppages.csv"``.
    """
    return SAMPLE_DATA


@pytest.fixture(scope="session")
def full_shared_data() -> Path:
    """The full public data sets (../shared/data or $ARCHIVE_SHARED_DATA); a loud skip without them."""
    missing = missing_shared_sets()
    if missing:
        reason = (f"{MISSING_SHARED_DATA} ({', '.join(missing)}), not found in {SHARED_DATA}: put them there or "
                  "set ARCHIVE_SHARED_DATA to their folder (sources: tests/data/samples/README.md)")
        if REQUIRE_SHARED_DATA:
            pytest.fail(f"{reason}; ARCHIVE_REQUIRE_SHARED_DATA=1 makes this an error", pytrace=False)
        pytest.skip(reason)
    return SHARED_DATA


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh PostgreSQL schema."""
    if not PG_URL:
        yield f"sqlite:///{(tmp_path / 'archive.sqlite').as_posix()}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def archive(tmp_path: Path, db_url: str) -> Archive:
    """A new, empty archive folder on the store under test."""
    url = "" if db_url.startswith("sqlite") else db_url
    return init_archive(tmp_path / "archive", title="Test Archive", database_url=url)


@pytest.fixture
def engine(archive: Archive) -> Iterator[Engine]:
    engine = make_engine(archive.db_url(), writer=True)
    yield engine
    engine.dispose()


@pytest.fixture
def write(tmp_path: Path):
    """Write a file under tmp_path/in and return its path."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / "in" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return _write


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """In CI (ARCHIVE_REQUIRE_BROWSER=1) a browser test that skips for want of Chromium fails instead."""
    outcome = yield
    report = outcome.get_result()
    if (report.skipped and not hasattr(report, "wasxfail") and os.environ.get("ARCHIVE_REQUIRE_BROWSER") == "1"
            and not PG_URL
            and item.get_closest_marker("browser") is not None):
        report.outcome = "failed"
        report.longrepr = f"browser test skipped but ARCHIVE_REQUIRE_BROWSER=1: {report.longrepr}"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count the skips for want of the full shared data sets, for the summary at the end of the run.

    Counted from the reports (not where they are made) so that the count is right when pytest-xdist runs
    the tests in worker processes: the reports come back to the main process."""
    if report.skipped and isinstance(report.longrepr, tuple) and MISSING_SHARED_DATA in str(report.longrepr[2]):
        _missing_data_skips[0] += 1


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """Say, last, how many tests did not run for want of the full shared data sets, and how to run them."""
    skipped = _missing_data_skips[0]
    if skipped:
        terminalreporter.write_sep(
            "=", f"{skipped} tests skipped: they need the full shared data sets, not found in {SHARED_DATA}",
            yellow=True, bold=True)
        terminalreporter.write_line(
            f"missing: {', '.join(missing_shared_sets())}. Set ARCHIVE_SHARED_DATA to the folder that holds them "
            "(sources: tests/data/samples/README.md) to run them; the other tests ran on the samples in "
            "tests/data/samples.")
