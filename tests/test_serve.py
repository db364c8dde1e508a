"""``archive serve`` serves the site's own files only: no symbolic link out of it, no folder listing."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.publish.serve import make_server


@pytest.fixture
def site(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("SECRET-CANARY")
    (outside / "index.html").write_text("OUTSIDE-INDEX")
    site = tmp_path / "site"
    (site / "struggle" / "a").mkdir(parents=True)
    (site / "index.html").write_text("<title>home</title>")
    (site / "404.html").write_text("Page not found")
    (site / "struggle" / "a" / "index.html").write_text("struggle a")
    (site / "assets").mkdir()
    (site / "assets" / "site.css").write_text("body{}")
    (site / "etc").symlink_to("/etc")
    (site / "out").symlink_to(outside)
    (site / "secret.txt").symlink_to(outside / "secret.txt")
    (site / "loop").symlink_to(site / "loop")
    (site / "style.css").symlink_to(site / "assets" / "site.css")  # a link inside the site is fine
    (site / "linked").mkdir()
    (site / "linked" / "index.html").symlink_to(outside / "index.html")
    return site


@pytest.fixture
def base(site: Path) -> Iterator[str]:
    server = make_server(site, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server_close()


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.parametrize("path", ["/etc/passwd", "/etc/", "/out/secret.txt", "/out/", "/secret.txt", "/loop",
                                  "/linked/", "/linked/index.html", "/%2e%2e/outside/secret.txt",
                                  "/../outside/secret.txt"])
def test_nothing_outside_the_site_is_served(base: str, path: str) -> None:
    status, body = fetch(base + path)
    assert status == 404
    assert body == b"Page not found"


@pytest.mark.parametrize("path", ["/struggle/", "/assets/", "/struggle"])
def test_a_folder_without_index_html_is_not_listed(base: str, path: str) -> None:
    status, body = fetch(base + path)
    assert status == 404
    assert b"Directory listing" not in body and body == b"Page not found"


def test_the_site_itself_is_served(base: str) -> None:
    assert fetch(base + "/") == (200, b"<title>home</title>")
    assert fetch(base + "/struggle/a/") == (200, b"struggle a")
    assert fetch(base + "/struggle/a") == (200, b"struggle a")  # redirected to the folder, then its index
    assert fetch(base + "/style.css") == (200, b"body{}")
