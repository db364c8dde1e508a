"""XSS suite: hostile payloads in every text field; the built site runs none of them.

Static checks parse every published HTML file; the browser checks load every page and search for every
payload in headless Chromium (Debian's, driven by Playwright), watching for dialogs, script effects,
requests to other origins and CSP violations.
"""

from __future__ import annotations

import asyncio
import html
import os
import re
import shutil
import threading
from html.parser import HTMLParser
from pathlib import Path

import nh3
import pytest
import yaml

from archive.publish.build import build
from archive.publish.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES, render_markdown
from archive.store.ingest import ingest
from tests.helpers import PUBLIC
from tests.xss.payloads import payloads

PAYLOADS = payloads()
CHROMIUM = "/usr/bin/chromium"
_BAD_URL = re.compile(r"^(javascript|vbscript|data):", re.IGNORECASE)


CHUNK = 6  # payloads per record: each field holds all of them, so every payload reaches every field


def packed_tags(chunk: list[str], limit: int = 200) -> list[str]:
    """The chunk's payloads as few tags as fit the 200-character limit on a tag."""
    tags: list[str] = []
    for payload in chunk:
        if tags and len(tags[-1]) + 1 + len(payload) <= limit:
            tags[-1] += " " + payload
        else:
            tags.append(payload[:limit])
    return tags


def hostile_records() -> list[dict]:
    records = []
    for start in range(0, len(PAYLOADS), CHUNK):
        chunk = PAYLOADS[start:start + CHUNK]
        text = "\n\n".join(chunk)
        line = " ".join(chunk)
        n = start // CHUNK
        struggle = f"s-{n}"
        # One place and one tag per chunk (named by all its payloads) keeps the page count low.
        records.append({"type": "struggle", "slug": struggle, "title": line, "body": text, "outcome": line,
                        "demands": chunk, "tags": packed_tags(chunk), "places": [line], "start": "2020"})
        records.append({"type": "account", "slug": f"a-{n}", "title": line, "body": text, "narrator": line,
                        "source": line, "tags": packed_tags(chunk), "struggles": [struggle], "date": "2020-05",
                        "kind": "testimony"})
        records.append({"type": "balance_sheet", "slug": f"b-{n}", "title": line, "body": text,
                        "struggle": struggle, "author": line, "won": line, "lost": line,
                        "limits": chunk, "lessons": chunk, "date": "2021"})
    return records


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    from archive.store.db import make_engine
    from archive.trust.create import init_archive

    root = tmp_path_factory.mktemp("xss")
    archive = init_archive(root / "archive", title="<script>alert('title')</script>")
    engine = make_engine(archive.db_url(), writer=True)
    path = root / "hostile.yaml"
    path.write_text(yaml.safe_dump_all(hostile_records(), allow_unicode=True), encoding="utf-8")
    report = ingest(engine, [path], defaults=PUBLIC)
    assert report.errors == [], report.errors[:3]
    build(archive, engine, out=root / "site")
    engine.dispose()
    return root / "site"


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.lower().startswith("on"):
                self.problems.append(f"<{tag} {name}>")
            if name.lower() in ("href", "src", "action", "formaction", "xlink:href", "data") and value:
                # Browsers drop raw tabs and newlines from URLs; a percent-encoded one makes no scheme.
                cleaned = re.sub(r"[\x00-\x20]", "", html.unescape(value))
                if _BAD_URL.match(cleaned):
                    self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "script" and not any(n == "src" and v and not _BAD_URL.match(v) for n, v in attrs):
            self.problems.append("<script> without a local src")
        if tag in ("iframe", "object", "embed", "base", "meta") and not (
                tag == "meta" and any(n in ("charset", "name", "http-equiv", "content") for n, _ in attrs)
                and not any(n == "http-equiv" and v and v.lower() == "refresh" for n, v in attrs)):
            self.problems.append(f"<{tag}>")


def test_at_least_200_payloads():
    assert len(PAYLOADS) >= 200


def test_no_handler_or_script_url_in_any_page(hostile_site):
    pages = sorted(hostile_site.rglob("*.html"))
    assert len(pages) > 3 * len(PAYLOADS) // CHUNK
    problems = []
    for page in pages:
        collector = _Collector()
        collector.feed(page.read_text(encoding="utf-8"))
        problems += [f"{page.relative_to(hostile_site)}: {p}" for p in collector.problems]
    assert problems == []


def test_sanitizing_twice_equals_once():
    for payload in PAYLOADS:
        once = str(render_markdown(payload))
        twice = nh3.clean(once, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                          link_rel="noopener noreferrer nofollow")
        assert twice == once, payload


def _browser():
    if os.environ.get("ARCHIVE_TEST_DATABASE_URL"):
        pytest.skip("the XSS site is built from its own SQLite archive; the SQLite pass already ran it")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    playwright = pytest.importorskip("playwright.sync_api")
    return playwright


WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation',
  e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
"""
DOM_CHECK = """
() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const v = a.value.replace(/[\\x00-\\x20]/g, '');
      if (a.name.toLowerCase().startsWith('on')) bad.push(el.tagName + ' ' + a.name);
      if (/^(javascript|vbscript|data):/i.test(v) && /href|src|action|data/i.test(a.name)) {
        bad.push(el.tagName + ' ' + a.name + '=' + a.value);
      }
    }
  }
  if (window.__xss) bad.push('window.__xss set');
  return bad.concat(window.__violations || []);
}
"""


PARALLEL = 2  # pages at once; navigation waits on the browser more than on the CPU


@pytest.mark.slow
@pytest.mark.browser
def test_every_page_and_every_search_in_chromium(hostile_site):
    _browser()
    from playwright.async_api import TimeoutError as PlaywrightTimeout
    from playwright.async_api import async_playwright

    search = (hostile_site / "search.html").as_uri()
    urls = [f.as_uri() for f in sorted(hostile_site.rglob("*.html"))]
    dialogs: list[str] = []
    foreign: list[str] = []
    console: list[str] = []
    problems: list[str] = []

    async def visit(page, queue: list[str]) -> None:  # noqa: ANN001
        while queue:
            url = queue.pop()
            await page.goto(url, wait_until="domcontentloaded")
            problems.extend(f"{url[-60:]}: {b}" for b in await page.evaluate(DOM_CHECK))

    async def search_each(page, queue: list[str]) -> None:  # noqa: ANN001
        """Type each payload into the search box of one loaded page, as a reader would."""
        await page.goto(search, wait_until="domcontentloaded")
        while queue:
            payload = queue.pop()
            done = await page.evaluate("() => document.getElementById('search-form').dataset.done || ''")
            await page.fill("#q", payload)
            await page.press("#q", "Enter")
            try:
                await page.wait_for_function(
                    "(before) => (document.getElementById('search-form').dataset.done || '') !== before",
                    arg=done, timeout=30_000)
            except PlaywrightTimeout:
                status = await page.evaluate("() => document.getElementById('search-status').textContent")
                problems.append(f"search never finished ({status!r}): {payload!r}")
            problems.extend(f"search {payload!r}: {b}" for b in await page.evaluate(DOM_CHECK))

    async def run() -> None:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            pages = []
            for _ in range(PARALLEL):
                page = await browser.new_page()
                await page.add_init_script(WATCH)
                page.on("dialog", lambda d: (dialogs.append(d.message), asyncio.ensure_future(d.dismiss())))
                page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
                page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith("file://") else None)
                pages.append(page)
            queue = list(urls)
            await asyncio.gather(*(visit(page, queue) for page in pages))
            payloads = list(PAYLOADS)
            await asyncio.gather(*(search_each(page, payloads) for page in pages))
            await browser.close()

    # Its own thread: another suite's sync Playwright may hold an event loop in this one.
    failures: list[BaseException] = []
    worker = threading.Thread(target=lambda: _capture(failures, lambda: asyncio.run(run())))
    worker.start()
    worker.join()
    if failures:
        raise failures[0]
    assert len(urls) > 4 * len(PAYLOADS) // CHUNK
    assert dialogs == []
    assert foreign == []
    assert console == []
    assert problems == []


def _capture(failures: list[BaseException], function) -> None:  # noqa: ANN001
    try:
        function()
    except BaseException as exc:  # re-raised in the test's thread
        failures.append(exc)


def test_chromium_is_the_debian_one():
    if shutil.which("chromium") is None:
        pytest.skip("chromium not installed")
    assert Path(shutil.which("chromium")).resolve().as_posix().startswith("/usr/")
