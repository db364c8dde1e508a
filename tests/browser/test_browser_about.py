"""The About page and a record page's citation block in Chromium: no sideways scroll at 320, 375 and 1280
px with every citation block opened, no CSP violation, no request outside the site, and the downloads
linked from the About page load from the site itself over http and file://."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [320, 375, 1280])
@pytest.mark.parametrize("path", ["about.html", "accounts/cat-382-account.html"])
def test_no_sideways_scroll_with_the_citations_open(watched: Any, path: str, width: int) -> None:
    page = watched.page
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(watched.base + path)
    opened = page.evaluate("() => { const d = [...document.querySelectorAll('details')]; d.forEach(e => e.open = true);"
                           " return d.length; }")
    assert opened == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    watched.assert_clean()


def test_the_downloads_load_from_the_site(watched: Any) -> None:
    page = watched.page
    page.goto(watched.base + "about.html")
    links = page.eval_on_selector_all("table.downloads a[type='application/json']", "as => as.map(a => a.href)")
    schemas = page.eval_on_selector_all("table.downloads a[type='application/schema+json']", "as => as.length")
    assert len(links) == schemas == 9  # a JSON file and its schema per record type
    watched.assert_clean()
    accounts = next(link for link in links if link.endswith("data/accounts.json"))
    page.goto(accounts)  # (over http the browser then asks for /favicon.ico, which a JSON file does not name)
    rows = json.loads(page.evaluate("document.body.innerText"))
    assert rows and rows[0]["type"] == "account" and watched.foreign == []
