"""Preview a built site on 127.0.0.1. Only for looking at it: any static host serves it for real."""

from __future__ import annotations

import functools
import http.server
from pathlib import Path

HOST = "127.0.0.1"  # never another interface: this is a preview, not a server for the world


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".js": "text/javascript", ".xml": "application/xml", ".json": "application/json"}

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # Serve the site's own 404 page, as static hosts do.
        page = Path(self.directory) / "404.html"
        if code == 404 and page.is_file():
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
    handler = functools.partial(_Handler, directory=str(site))
    return http.server.ThreadingHTTPServer((HOST, port), handler)
