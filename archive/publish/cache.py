"""A build cache for the slow pure functions: Markdown rendering, snippets and text analysis.

Every entry is keyed by the SHA-256 of its exact input (and the cache is dropped whole when the
analysis, the sanitizer or this package changes), so a cached value is always what a fresh computation
would give: the output stays byte-identical, only faster. Entries not used by a build are dropped when it
saves, so the cache never keeps the text of a record that has left the public projection for longer than
one build. It lives in the archive folder, never in the published output.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from markupsafe import Markup

from archive import __version__
from archive.publish import markdown
from archive.search import analysis

CACHE_NAME = ".site-cache.json"
# Bump when markdown.py's output changes without a package version change.
FORMAT = 1
_VERSION = f"{FORMAT}:{__version__}:{analysis.ANALYSIS_VERSION}"


def _key(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


class BuildCache:
    """Memoizes pure functions of text; ``path=None`` keeps it in memory only."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.old: dict[str, Any] = {}
        self.used: dict[str, Any] = {}
        if path and path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if data.get("version") == _VERSION:
                    self.old = data.get("entries", {})
            except (ValueError, OSError):
                self.old = {}  # a damaged cache is only a slower build

    def _get(self, key: str, compute: Callable[[], Any]) -> Any:
        if key in self.used:
            return self.used[key]
        value = self.old[key] if key in self.old else compute()
        self.used[key] = value
        return value

    def markdown(self, text: str) -> Markup:
        return Markup(self._get(_key("md", text), lambda: str(markdown.render_markdown(text))))

    def snippet(self, text: str, length: int = 200) -> str:
        return self._get(_key("snippet", str(length), text), lambda: markdown.snippet(text, length))

    def terms(self, text: str, language: str | None) -> list[str]:
        return self._get(_key("terms", language or "", text), lambda: analysis.analyze(text, language))

    def alternatives(self, word: str, languages: list[str]) -> list[list[str]]:
        return self._get(_key("alt", " ".join(languages), word),
                         lambda: [list(t) for t in analysis.query_alternatives(word, languages)])

    def page(self, path: str) -> list[Any] | None:
        """The last build's ``[fingerprint, sha256, size]`` for the page at ``path``."""
        return self.old.get("page:" + path)

    def set_page(self, path: str, fingerprint: str, digest: str, size: int) -> None:
        self.used["page:" + path] = [fingerprint, digest, size]

    def save(self) -> None:
        if not self.path:
            return
        data = json.dumps({"version": _VERSION, "entries": self.used}, ensure_ascii=False, separators=(",", ":"))
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(data, encoding="utf-8")
        os.replace(temporary, self.path)
