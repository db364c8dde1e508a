"""Shared fixtures. The suite runs on SQLite, and on PostgreSQL when ARCHIVE_TEST_DATABASE_URL is set.

On PostgreSQL every test gets its own schema (through ``search_path`` in the URL), so tests cannot see
each other's rows and no table is shared.
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
SHARED_DATA = Path(os.environ.get("ARCHIVE_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
PG_URL = os.environ.get("ARCHIVE_TEST_DATABASE_URL")


def pytest_report_header(config: pytest.Config) -> str:
    if PG_URL:
        return f"store: PostgreSQL ({make_url(PG_URL).render_as_string(hide_password=True)})"
    return "store: SQLite"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public data sets in ../shared/data."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the shared data sets are not at {SHARED_DATA} (set ARCHIVE_SHARED_DATA)")
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
