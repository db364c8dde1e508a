"""The readable text a search snippet is cut from: a record's Markdown rendered to plain text.

Bodies are Markdown. Cut from the source, a snippet keeps its syntax, and the match marks (``**word**``)
collide with it: ``**laundry** room`` highlighted became ``****laundry** room**``. So snippets, in
``archive search`` (human and ``--json``) and on the published site, are cut from the text a reader sees:
the Markdown rendered by markdown-it (raw HTML escaped, as on the site), tags removed, entities decoded,
whitespace folded to single spaces.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

import nh3
from markdown_it import MarkdownIt

from archive.search.analysis import BODY_COLUMNS, compose_body

_MARKDOWN = MarkdownIt("js-default")  # the site's preset: raw HTML is shown as text, never run
_SPACE = re.compile(r"\s+")


def markdown_text(text: str | None) -> str:
    """The readable text of a Markdown text, on one line."""
    rendered = _MARKDOWN.render(text or "")
    # Block ends become spaces, so that two paragraphs do not run into one word.
    rendered = re.sub(r"</(p|h[1-6]|li|blockquote|pre|tr|td|th|dt|dd)>|<br\s*/?>|<hr\s*/?>", " ", rendered)
    return _SPACE.sub(" ", html.unescape(nh3.clean(rendered, tags=set()))).strip()


def readable_body(row: Mapping[str, Any]) -> str:
    """The text a record's snippet is cut from: its body and other text columns (as ``compose_body``
    composes them for the index), each rendered from Markdown."""
    values = {name: row.get(name) for name in ("body", *BODY_COLUMNS)}
    return compose_body({name: _readable(value) for name, value in values.items()})


def _readable(value: Any) -> Any:
    if isinstance(value, list):
        return [markdown_text(str(item)) for item in value]
    return markdown_text(str(value)) if value else value
