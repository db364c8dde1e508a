"""After an incremental rebuild that adds one account, the browser still ranks as ``archive search --public``.

The site was built, then one account was ingested with ``archive ingest`` and the site rebuilt with
``archive build`` (see ``grown_site``): only the new account's shards, its summary chunk and
``search/meta.js`` were rewritten, so every other shard's postings were written before the account
existed. The browser must still score them with today's document count and average lengths.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import NEW_ACCOUNT
from test_browser_search import assert_same_ranking, cli_hits, site_hits

pytestmark = pytest.mark.browser

KEY = f"account/{NEW_ACCOUNT['slug']}"
QUERIES = ["zymurgists", "warehouse workers union", "strike", "union workers", "walk out", "night shift",
           "google walkout", "recognition"]


@pytest.mark.parametrize("query", QUERIES)
def test_top_results_equal_archive_search_public_after_adding_an_account(grown_watched: Any, grown_site: Any,
                                                                         query: str) -> None:
    reference = cli_hits(grown_site, query, "--limit", "1000")[:10]
    assert_same_ranking(site_hits(grown_watched, query), reference)
    grown_watched.assert_clean()


def test_the_new_account_is_found_with_its_summary(grown_watched: Any, grown_site: Any) -> None:
    assert KEY in [key for key, _ in site_hits(grown_watched, "warehouse workers union")]
    assert KEY in [f"{h['type']}/{h['slug']}" for h in cli_hits(grown_site, "warehouse workers union")]
    assert [key for key, _ in site_hits(grown_watched, "zymurgists")] == [KEY]
    first = grown_watched.page.locator("#search-results li").first
    assert "zymurgists" in first.locator(".snippet").inner_text()
    first.locator("h2 a").click()
    grown_watched.page.wait_for_load_state()
    assert grown_watched.page.locator("h1").inner_text() == NEW_ACCOUNT["title"]
    grown_watched.assert_clean()
