"""``archive build``: the published site from a small real archive (see test_site_data.py)."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, update
from test_site_data import SECRET_WORDS, XSS_SLUG, write_sample

from archive.cli import cli
from archive.publish import SiteError, build, verify_site
from archive.publish.cache import CACHE_NAME
from archive.publish.output import MANIFEST
from archive.store.config import Archive
from archive.store.db import make_engine
from archive.store.ingest import ingest
from archive.store.models import Record
from archive.trust.create import init_archive
from tests.helpers import PUBLIC

TODAY = dt.date(2026, 1, 1)


@pytest.fixture
def site_archive(archive: Archive, engine, shared_data: Path, tmp_path: Path) -> Archive:
    report = ingest(engine, [write_sample(tmp_path / "sample", shared_data)], default_language="en", defaults=PUBLIC)
    assert not report.errors, report.errors
    return archive


@pytest.fixture
def site(site_archive: Archive, engine) -> Path:
    build(site_archive, engine, today=TODAY)
    return site_archive.public_dir


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """One site for the tests that only read it (SQLite; the per-test fixtures cover other stores)."""
    root = tmp_path_factory.mktemp("built")
    archive = init_archive(root / "archive", title="Test Archive")
    engine = make_engine(archive.db_url(), writer=True)
    try:
        ingest(engine, [write_sample(root / "sample", shared_data)], default_language="en", defaults=PUBLIC)
        build(archive, engine, today=TODAY)
    finally:
        engine.dispose()
    return archive.public_dir


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str, str]] = []  # tag, attribute, value
        self.ids: set[str] = set()
        self.html_lang: str | None = None
        self.csp: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if "id" in values:
            self.ids.add(values["id"] or "")
        if tag == "html":
            self.html_lang = values.get("lang")
        if tag == "meta" and values.get("http-equiv") == "Content-Security-Policy":
            self.csp = values.get("content")
        for name in ("href", "src", "action"):
            if values.get(name) is not None:
                self.links.append((tag, name, values[name] or ""))


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _all_files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def test_every_internal_link_and_asset_resolves(built: Path) -> None:
    pages = sorted(built.rglob("*.html"))
    assert len(pages) > 300
    broken = []
    for page in pages:
        parsed = _parse(page)
        for tag, _attribute, value in parsed.links:
            parts = urlsplit(value)
            if parts.scheme or value.startswith("//"):
                # Another site: only a link the reader follows, never something the page loads itself.
                assert tag == "a" and parts.scheme in ("http", "https", "mailto"), (page, value)
                continue
            if not parts.path:
                assert not parts.fragment or parts.fragment in parsed.ids, (page, value)
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            if not target.is_file() or built.resolve() not in target.parents:
                broken.append(f"{page.relative_to(built)}: {value}")
    assert not broken, broken[:20]


def test_every_page_has_csp_lang_skip_link_and_search(built: Path) -> None:
    for page in sorted(built.rglob("*.html")):
        parsed = _parse(page)
        assert parsed.csp and "default-src 'none'" in parsed.csp and "script-src 'self'" in parsed.csp, page
        assert "unsafe-inline" not in parsed.csp
        assert parsed.html_lang, page
        assert "main" in parsed.ids, page
        hrefs = [v for _, _, v in parsed.links]
        assert "#main" in hrefs and any(v.endswith("search.html") for v in hrefs), page
        text = page.read_text(encoding="utf-8")
        assert "style=" not in text and "<script>" not in text, page  # CSP allows no inline code


def test_page_language_follows_the_record(built: Path) -> None:
    # The page is in the interface's language; the record's own text carries its language.
    assert _parse(built / "accounts" / "dutch-account.html").html_lang == "en"
    assert _parse(built / "index.html").html_lang == "en"
    text = (built / "accounts" / "dutch-account.html").read_text(encoding="utf-8")
    assert re.search(r'<h1 lang="nl">', text) and re.search(r'<div class="body" lang="nl">', text)


def test_non_public_records_leave_no_trace(built: Path) -> None:
    for path, data in _all_files(built).items():
        for word in (*SECRET_WORDS, "restricted-account", "secret-struggle-private", "embargoed-account",
                     "secrettagprivate"):
            assert word.encode() not in data and word.lower().encode() not in data.lower(), (word, path)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_markdown_is_sanitized(built: Path) -> None:
    html = (built / "accounts" / f"{XSS_SLUG}.html").read_text(encoding="utf-8")
    parser = _Tags()
    parser.feed(html.split('<div class="body">', 1)[1].split("</div>", 1)[0])
    assert parser.tags, "the body should still render"
    for tag, attrs in parser.tags:
        assert tag in ("p", "a"), tag
        assert not [name for name in attrs if name.startswith("on")], attrs
        assert not (attrs.get("href") or "").lower().startswith("javascript"), attrs
    assert "&lt;script&gt;" in html  # shown as text, not run
    assert re.findall(r"<script[^>]*>", html) == []  # record pages load no script at all
    assert ("a", {"href": "https://evil.example/p.png", "rel": "noopener noreferrer nofollow"}) in parser.tags


def test_manifest_verifies_and_reports_changes(site: Path) -> None:
    report = verify_site(site)
    assert report.ok and report.checked > 300
    (site / "index.html").write_text("tampered", encoding="utf-8")
    (site / "feed.xml").unlink()
    (site / "extra.html").write_text("x", encoding="utf-8")
    report = verify_site(site)
    assert (report.changed, report.missing, report.extra) == (["index.html"], ["feed.xml"], ["extra.html"])


def test_second_build_is_byte_identical_and_writes_nothing(site_archive: Archive, engine, site: Path,
                                                           tmp_path: Path) -> None:
    before = _all_files(site)
    report = build(site_archive, engine, today=TODAY)
    assert report.write.written == [] and report.write.deleted == []
    assert _all_files(site) == before
    other = build(site_archive, engine, tmp_path / "elsewhere", today=TODAY)
    assert _all_files(other.out) == before
    (site_archive.root / CACHE_NAME).unlink()  # the build cache only saves time, never changes a byte
    fresh = build(site_archive, engine, tmp_path / "fresh", today=TODAY)
    assert _all_files(fresh.out) == before


@pytest.mark.parametrize("change", ["delete", "private"])
def test_rebuild_after_deletion_or_privacy_leaves_no_trace(site_archive: Archive, engine, site: Path,
                                                           change: str) -> None:
    slug = "cat-382-account"
    word = b"research stoppages in universities"  # past the 300 characters its struggle quotes
    page = site / "accounts" / f"{slug}.html"
    assert page.is_file()
    with engine.begin() as conn:
        where = (Record.slug == slug) & (Record.type == "account")
        if change == "delete":
            conn.execute(delete(Record).where(where))
        else:
            conn.execute(update(Record).where(where).values(visibility="private"))
    report = build(site_archive, engine, today=TODAY)
    assert "accounts/cat-382-account.html" in report.write.deleted
    assert not page.exists()
    for path, data in _all_files(site).items():
        assert slug.encode() not in data, path
        if path.startswith("search/") or path.startswith("accounts/") or path == "feed.xml":
            assert word not in data, path
    assert verify_site(site).ok
    assert word not in (site_archive.root / CACHE_NAME).read_bytes()  # nor in the build cache


def test_embargo_lifts_on_its_day(site_archive: Archive, engine, tmp_path: Path) -> None:
    report = build(site_archive, engine, tmp_path / "future", today=dt.date(3000, 1, 1))
    assert (report.out / "accounts" / "embargoed-account.html").is_file()


def test_stub_is_listed_as_to_be_described(built: Path) -> None:
    html = (built / "struggles" / "undescribed-struggle.html").read_text(encoding="utf-8")
    assert "to be described" in html


def test_form_page_lists_organizations_in_time_order(built: Path) -> None:
    html = (built / "forms" / "union.html").read_text(encoding="utf-8")
    years = [int(y) for y in re.findall(r"founded (\d{4})", html)]
    assert years and years == sorted(years)


def test_lists_are_paginated(built: Path) -> None:
    assert (built / "accounts" / "index_2.html").is_file()
    html = (built / "accounts" / "index.html").read_text(encoding="utf-8")
    assert 'rel="next"' in html


def test_timeline_and_feeds(built: Path) -> None:
    html = (built / "waves" / "index.html").read_text(encoding="utf-8")
    assert '<svg class="timeline"' in html and html.count('class="wave-band"') == 3
    feed = (built / "feed.xml").read_text(encoding="utf-8")
    assert feed.count("<entry") == 50 and "<script" not in feed
    # Without [site] base_url no sitemap (it needs absolute URLs), and the feed says why its links are relative.
    assert not (built / "sitemap.xml").exists()
    assert "sets no [site] base_url" in feed and '<link href="accounts/' in feed


def test_user_templates_override_the_bundled_ones(site_archive: Archive, engine) -> None:
    folder = site_archive.root / "templates"
    folder.mkdir()
    (folder / "404.html").write_text('{% extends "base.html" %}{% block main %}<h1>Lost here</h1>{% endblock %}',
                                     encoding="utf-8")
    build(site_archive, engine, today=TODAY)
    assert "Lost here" in (site_archive.public_dir / "404.html").read_text(encoding="utf-8")


def test_refuses_a_folder_that_is_not_a_site(site_archive: Archive, engine, tmp_path: Path) -> None:
    out = tmp_path / "documents"
    out.mkdir()
    (out / "thesis.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(SiteError, match="not empty"):
        build(site_archive, engine, out)
    assert (out / "thesis.txt").read_text(encoding="utf-8") == "keep me"


def test_verify_rejects_a_manifest_pointing_outside(tmp_path: Path) -> None:
    (tmp_path / MANIFEST).write_text('{"files": {"../secret": "00"}}', encoding="utf-8")
    with pytest.raises(SiteError, match="outside"):
        verify_site(tmp_path)


def test_build_command(site_archive: Archive, tmp_path: Path) -> None:
    out = tmp_path / "cli-site"
    result = CliRunner().invoke(cli, ["--archive", str(site_archive.root), "build", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Built" in result.output and (out / "index.html").is_file()
    result = CliRunner().invoke(cli, ["--archive", str(site_archive.root), "build", "--out", str(tmp_path)])
    assert result.exit_code == 1 and "not empty" in result.output


def test_verify_site_command(built: Path, tmp_path: Path) -> None:
    import shutil

    mirror = tmp_path / "mirror"
    shutil.copytree(built, mirror)
    result = CliRunner().invoke(cli, ["verify", "--site", str(mirror)])
    assert result.exit_code == 0 and "matches its manifest" in result.output, result.output
    (mirror / "index.html").write_bytes(b"defaced")
    result = CliRunner().invoke(cli, ["verify", "--site", str(mirror)])
    assert result.exit_code == 1 and "changed  index.html" in result.output


def test_serve_previews_on_localhost_with_the_404_page(built: Path) -> None:
    import threading
    import urllib.error
    import urllib.request

    from archive.publish.serve import make_server

    server = make_server(built, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1"
        with urllib.request.urlopen(f"http://{host}:{port}/index.html") as response:
            assert b"Test Archive" in response.read()
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(f"http://{host}:{port}/no-such-page.html")
        assert error.value.code == 404 and b"Page not found" in error.value.read()
    finally:
        server.shutdown()
        server.server_close()


def test_rebuild_rerenders_pages_that_show_a_changed_neighbour(site_archive: Archive, engine, site: Path) -> None:
    with engine.begin() as conn:
        conn.execute(update(Record).where((Record.type == "struggle") & (Record.slug == "cat-382"))
                     .values(title="Renamed struggle"))
    # Changed behind ingest's back, so past its content hash: only --allow-unverified publishes it.
    with pytest.raises(SiteError, match="struggle/cat-382: content does not match"):
        build(site_archive, engine, today=TODAY)
    report = build(site_archive, engine, today=TODAY, allow_unverified=True)
    assert [problem.split(":")[0] for problem in report.unverified] == ["struggle/cat-382"]
    assert "accounts/cat-382-account.html" in report.write.written  # it names the struggle
    assert "Renamed struggle" in (site / "accounts" / "cat-382-account.html").read_text(encoding="utf-8")
    assert "accounts/cat-9-account.html" not in report.write.written  # it does not


def test_redacted_names_leave_no_trace(site_archive: Archive, engine, tmp_path: Path) -> None:
    (site_archive.root / "redactions.yaml").write_text("Clark Squire: C. S.\n", encoding="utf-8")
    extra = tmp_path / "redacted.jsonl"
    extra.write_text('{"type": "account", "slug": "jane-roe-testimony", "title": "Jane Roe speaks", '
                     '"body": "I am Jane  Roe and I struck.", "redactions": "Jane Roe=J.", "date": "2020"}\n',
                     encoding="utf-8")
    assert not ingest(engine, [extra], defaults=PUBLIC).errors
    report = build(site_archive, engine, today=TODAY)
    files = _all_files(report.out)
    for path, data in files.items():
        for name in (b"clark squire", b"jane roe", b"jane-roe", b"squire"):
            assert name not in data.lower(), (name, path)
    assert "accounts/j-testimony.html" in files
    assert b"J. speaks" in files["accounts/j-testimony.html"]
    assert b"C. S." in files["accounts/cat-382-account.html"]


def test_base_url_makes_feed_sitemap_and_404_absolute(site_archive: Archive, engine) -> None:
    from archive.store.config import load_archive

    with site_archive.config_path.open("a", encoding="utf-8") as handle:
        handle.write('\n[site]\nbase_url = "https://archive.example.org/memory"\n')
    report = build(load_archive(site_archive.root), engine, today=TODAY)
    sitemap = (report.out / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://archive.example.org/memory/struggles/cat-382.html</loc>" in sitemap
    assert "404.html" not in sitemap and "<loc>https://archive.example.org/memory/index.html</loc>" in sitemap
    assert report.notices == []
    assert 'xml:base="https://archive.example.org/memory/"' in (report.out / "feed.xml").read_text()
    page = (report.out / "404.html").read_text(encoding="utf-8")
    assert 'href="https://archive.example.org/memory/assets/site.css"' in page
