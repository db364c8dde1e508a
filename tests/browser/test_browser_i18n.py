"""One Arabic build in Chromium (issue 15, item 4): the page reads right to left, and the search page's
words, those of the template and those search.js writes, are Arabic, over file:// and http."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from archive.publish import build
from archive.publish.demo import build_demo
from archive.store.db import make_engine
from tests.browser.conftest import _serve, _watch

ARABIC = re.compile(r"[\u0600-\u06ff]")


@pytest.fixture(scope="module")
def arabic_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("arabic")
    demo = build_demo(root / "demo")
    engine = make_engine(demo.archive.db_url())
    try:
        return build(demo.archive, engine, out=root / "site", language="ar").out
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def arabic_http(arabic_site: Path) -> Iterator[str]:
    yield from _serve(arabic_site)


@pytest.fixture(params=["file", "http"])
def arabic(request: pytest.FixtureRequest, browser: Any, arabic_site: Path) -> Iterator[Any]:
    base = arabic_site.as_uri() + "/" if request.param == "file" else request.getfixturevalue("arabic_http")
    yield from _watch(browser, base)


def test_the_home_page_reads_right_to_left(arabic: Any) -> None:
    page = arabic.page
    page.goto(arabic.base + "index.html")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    nav = page.locator('nav[aria-label="الأقسام"] a').all_inner_texts()
    assert nav[:3] == ["الموجات", "النضالات", "الشهادات"]
    # Right to left for real: the first navigation link sits to the right of the second.
    first, second = (page.locator('nav[aria-label="الأقسام"] a').nth(i).bounding_box() for i in (0, 1))
    assert first["x"] > second["x"]
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    arabic.assert_clean()


def test_the_search_page_speaks_arabic(arabic: Any) -> None:
    page = arabic.page
    page.goto(arabic.base + "search.html?q=strike")
    page.wait_for_selector("#search-form[data-done]")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    status = page.locator("#search-status").inner_text()
    assert ARABIC.search(status) and not re.search(r"[A-Za-z]", status), status
    assert page.locator("#search-results li").count() == 10
    more = page.locator("#more-results").inner_text()
    assert more == "مزيد من النتائج"
    for selector in ("h1", 'label[for="q"]', "#search-help", "legend", "#filter-type option >> nth=0"):
        # The help's query examples (<code>) are the query language, the same in every language.
        text = page.locator(selector).evaluate(
            "e => Array.from(e.childNodes).filter(n => n.nodeName !== 'CODE').map(n => n.textContent).join('')")
        assert ARABIC.search(text) and not re.search(r"[A-Za-z]{3}", text), (selector, text)
    page.fill("#q", "zzzznothing")
    page.click("#search-form button[type=submit]")
    # Polled from the driver: the page's CSP refuses the string evaluation wait_for_function would use.
    expect = pytest.importorskip("playwright.sync_api").expect
    expect(page.locator("#search-status")).to_have_text("لا نتائج.")
    arabic.assert_clean()
