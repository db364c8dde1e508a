"""Browser tests: Playwright for Python driving Debian's Chromium (``apt-get install chromium``).

Playwright's own browser download is not used. Without Chromium or Playwright these tests skip. One
browser and one built site serve the whole session, over http (a server on 127.0.0.1) and over file://.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from test_site_data import sample_records, write_sample

from archive.publish import build
from archive.publish.serve import make_server
from archive.store.config import Archive
from archive.store.db import make_engine
from archive.store.ingest import ingest
from archive.trust.create import init_archive
from tests.helpers import PUBLIC

CHROMIUM = os.environ.get("ARCHIVE_CHROMIUM", "/usr/bin/chromium")
TODAY = dt.date.today()  # archive search --public decides embargoes by today's date too


@dataclass
class BuiltSite:
    archive: Archive
    out: Path


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> BuiltSite:
    from archive.search.index import rebuild_index

    root = tmp_path_factory.mktemp("browser")
    archive = init_archive(root / "archive", title="Browser Test Archive")
    engine = make_engine(archive.db_url(), writer=True)
    try:
        report = ingest(engine, [write_sample(root / "sample", shared_data)], default_language="en", defaults=PUBLIC)
        assert not report.errors
        rebuild_index(archive.index_dir, engine)  # for archive search --public, the reference
        build(archive, engine, today=TODAY)
    finally:
        engine.dispose()
    return BuiltSite(archive, archive.public_dir)


# Added after the first build, as a user would: ``archive ingest`` (which updates the search index), then
# ``archive build`` again, incrementally. Words the archive holds, and one it does not.
NEW_ACCOUNT = {"type": "account", "slug": "night-shift-zymurgists", "title": "The night shift zymurgists walk out",
               "body": "Warehouse workers struck for union recognition; the zymurgists joined them at dawn.",
               "date": "2019-06", "struggles": ["cat-382"], "visibility": "public", "language": "en"}


@pytest.fixture(scope="session")
def grown_site(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> BuiltSite:
    """A site built, then rebuilt incrementally after one more account."""
    import json

    from click.testing import CliRunner

    from archive.cli import cli
    from archive.search.index import rebuild_index

    root = tmp_path_factory.mktemp("grown")
    archive = init_archive(root / "archive", title="Browser Test Archive")
    engine = make_engine(archive.db_url(), writer=True)
    # Records that say nothing about visibility made public, as `archive ingest --set visibility=public` would.
    sample = root / "sample.jsonl"
    sample.write_text("".join(json.dumps({"visibility": "public", **r}, ensure_ascii=False) + "\n"
                              for r in sample_records(shared_data)), encoding="utf-8")
    try:
        report = ingest(engine, [sample], default_language="en")
        assert not report.errors
        rebuild_index(archive.index_dir, engine)
        build(archive, engine, today=TODAY)
    finally:
        engine.dispose()
    new = root / "new.jsonl"
    new.write_text(json.dumps(NEW_ACCOUNT) + "\n", encoding="utf-8")
    for args in (["ingest", str(new)], ["build"]):
        result = CliRunner().invoke(cli, ["--archive", str(archive.root), *args])
        assert result.exit_code == 0, result.output
    return BuiltSite(archive, archive.public_dir)


def _serve(folder: Path) -> Iterator[str]:
    server = make_server(folder, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def http_base(built_site: BuiltSite) -> Iterator[str]:
    yield from _serve(built_site.out)


@pytest.fixture(scope="session")
def grown_http_base(grown_site: BuiltSite) -> Iterator[str]:
    yield from _serve(grown_site.out)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if os.environ.get("ARCHIVE_TEST_DATABASE_URL"):
        # The site is built from its own SQLite archive; the SQLite pass of the suite already ran these.
        pytest.skip("browser tests run in the SQLite pass only")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        pytest.skip(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium (or set ARCHIVE_CHROMIUM)")
    with sync_api.sync_playwright() as playwright:
        # --no-sandbox: CI containers run as root, where Chromium's sandbox cannot start.
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield instance
        instance.close()


@pytest.fixture(params=["http", "file"])
def base_url(request: pytest.FixtureRequest, built_site: BuiltSite) -> str:
    if request.param == "http":
        return request.getfixturevalue("http_base")
    return built_site.out.as_uri() + "/"


class Watched:
    """A page with everything that must not happen recorded: errors, CSP violations, foreign requests."""

    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.base = base
        self.errors: list[str] = []
        self.foreign: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", self._request)
        # Injected by the driver, not by the page, so the CSP does not apply to it.
        page.add_init_script("window.__csp = []; document.addEventListener('securitypolicyviolation',"
                             " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")

    def _request(self, request: Any) -> None:
        if not request.url.startswith(self.base) and not request.url.startswith("data:"):
            self.foreign.append(request.url)

    def csp_violations(self) -> list[str]:
        return self.page.evaluate("window.__csp || []")

    def assert_clean(self) -> None:
        assert self.errors == [], self.errors
        assert self.foreign == [], self.foreign
        assert self.csp_violations() == []


@pytest.fixture
def watched(browser: Any, base_url: str) -> Iterator[Watched]:
    yield from _watch(browser, base_url)


@pytest.fixture(params=["http", "file"])
def grown_watched(request: pytest.FixtureRequest, browser: Any, grown_site: BuiltSite) -> Iterator[Watched]:
    """A watched page on the incrementally rebuilt site."""
    base = request.getfixturevalue("grown_http_base") if request.param == "http" else grown_site.out.as_uri() + "/"
    yield from _watch(browser, base)


def _watch(browser: Any, base_url: str) -> Iterator[Watched]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield Watched(page, base_url)
    context.close()
