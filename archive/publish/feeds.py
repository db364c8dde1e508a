"""The Atom feed of recent accounts and ``sitemap.xml``. Neither carries a build time: both are dated
from the records themselves, so the same store always gives the same bytes.

With ``[site] base_url`` every link in both is absolute (``base_url`` + the page's path) and each entry's
id is its permanent address. Without it the feed's links are relative to the feed's own address (which
a feed reader resolves against the address it fetched) and say so in a comment, and there is no
sitemap: the sitemap protocol accepts absolute URLs only, so ``sitemap`` returns None and the build
says why in its report."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from archive.dates import sort_key
from archive.publish.markdown import snippet
from archive.publish.model import Item, time_key
from archive.publish.paths import item_path

FEED_SIZE = 50


def _stamp(date: str | None) -> str:
    """An RFC 3339 time for a partial date: its first day at midnight UTC."""
    if not date or date.startswith("-"):
        return "1970-01-01T00:00:00Z"
    year, month, day = sort_key(date)
    return f"{year:04d}-{month or 1:02d}-{day or 1:02d}T00:00:00Z"


NO_BASE_URL = ("This archive sets no [site] base_url in archive.toml: the links below are relative to "
               "this feed's address.")


def atom_feed(accounts: list[Item], title: str, base_url: str, language: str) -> str:
    """The newest accounts under ``title``; links are absolute when the archive sets ``[site] base_url``."""
    recent = sorted((a for a in accounts if a.date), key=time_key, reverse=True)[:FEED_SIZE]
    updated = _stamp(recent[0].date) if recent else _stamp(None)
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={quoteattr(language)}'
             + (f" xml:base={quoteattr(base_url)}" if base_url else "") + ">",
             *([] if base_url else [f"<!-- {NO_BASE_URL} -->"]),
             f"<title>{escape(title)}</title>",
             f"<id>{escape(base_url or 'urn:living-archive:')}feed.xml</id>",
             f'<link rel="self" href={quoteattr(base_url + "feed.xml")}/>',
             f'<link href={quoteattr(base_url + "index.html")}/>',
             f"<updated>{updated}</updated>"]
    for account in recent:
        lang = f" xml:lang={quoteattr(account.language)}" if account.language else ""
        address = base_url + item_path(account)
        # Without a base address the id is a URN: an id must never change, and a relative one is not allowed.
        entry_id = address if base_url else f"urn:living-archive:account:{account.slug}"
        lines += [f"<entry{lang}>", f"<title>{escape(account.title)}</title>",
                  f"<id>{escape(entry_id)}</id>",
                  f'<link href={quoteattr(address)}/>',
                  f"<updated>{_stamp(account.date)}</updated>",
                  f"<author><name>{escape(account.fields.get('narrator') or 'unknown')}</name></author>",
                  f"<summary>{escape(snippet(account.body, 400))}</summary>", "</entry>"]
    lines.append("</feed>")
    return "\n".join(lines) + "\n"


def sitemap(paths: list[str], base_url: str) -> str | None:
    """Every HTML page, or None without ``[site] base_url``: the sitemap protocol wants absolute URLs."""
    if not base_url:
        return None
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    lines += [f"<url><loc>{escape(base_url + path)}</loc></url>" for path in sorted(paths)]
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"
