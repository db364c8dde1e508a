"""Preview a built site on 127.0.0.1. Only for looking at it: any static host serves it for real.

It serves the site's own files and nothing else: a symbolic link that leads out of the site folder is
not followed, and a folder without ``index.html`` is not listed (both answer with the site's 404 page).
"""

from __future__ import annotations

import functools
import http.server
import os
from pathlib import Path

HOST = "127.0.0.1"  # never another interface: this is a preview, not a server for the world


def inside(root: Path, path: Path) -> bool:
    """Whether ``path``, with every symbolic link followed, is ``root`` or lies under it (``root`` resolved)."""
    try:
        return path.resolve(strict=True).is_relative_to(root)
    except (OSError, RuntimeError):  # missing, unreadable, or a link loop
        return False


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".js": "text/javascript", ".xml": "application/xml", ".json": "application/json"}

    def send_head(self):  # noqa: ANN201 - the base class's signature
        root = Path(self.directory)
        path = Path(self.translate_path(self.path))
        # A folder is served through its index page: that file must stay inside the site too.
        served = [path, *(path / name for name in ("index.html", "index.htm") if (path / name).is_symlink())]
        if not all(inside(root, p) for p in served):
            self.send_error(404)
            return None
        return super().send_head()

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        # A static host lists no folder; neither does the preview.
        self.send_error(404)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # Serve the site's own 404 page, as static hosts do.
        page = Path(self.directory) / "404.html"
        if code == 404 and page.is_file() and inside(Path(self.directory), page):
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


def make_server(site: Path, port: int = 8000) -> http.server.ThreadingHTTPServer:
    """A server for ``site`` on 127.0.0.1:``port`` (0 picks a free port); call ``serve_forever``."""
    handler = functools.partial(_Handler, directory=str(site.resolve()))
    return http.server.ThreadingHTTPServer((HOST, port), handler)
