"""Untrusted Markdown to safe HTML: markdown-it without raw HTML, then the nh3 allowlist.

Two layers on purpose: markdown-it's ``js-default`` preset escapes raw HTML and refuses ``javascript:``
links, and nh3 removes anything that slips through. Images become plain links, because an image from
another host would make the site send a request outside itself.
"""

from __future__ import annotations

import html as html_lib
import re

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}

_md = MarkdownIt("js-default")


def _image_as_link(self, tokens, idx, options, env) -> str:  # noqa: ANN001 - markdown-it renderer rule
    token = tokens[idx]
    src = token.attrGet("src") or ""
    alt = "".join(child.content for child in token.children or []) or src
    return f'<a href="{escape(src)}">{escape("image: " + alt)}</a>'


_md.add_render_rule("image", _image_as_link)


def render_markdown(text: str) -> Markup:
    """Render a record's Markdown body to sanitized HTML, with headings shifted below the page's h1."""
    html = _md.render(text or "")
    # The page title is the only h1; a body's "# heading" becomes h2.
    html = re.sub(r"<(/?)h1>", r"<\1h2>", html)
    clean = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                      link_rel="noopener noreferrer nofollow")
    return Markup(clean)


_SPACE = re.compile(r"\s+")


def plain_text(text: str) -> str:
    """The readable text of a Markdown body, on one line, for snippets and feeds."""
    # Tags are stripped and entities decoded: the result is text, escaped again wherever it is written.
    text = html_lib.unescape(nh3.clean(_md.render(text or ""), tags=set()))
    return _SPACE.sub(" ", text).strip()


def snippet(text: str, length: int = 200) -> str:
    plain = plain_text(text)
    if len(plain) <= length:
        return plain
    cut = plain[:length].rsplit(" ", 1)[0]
    return cut + "…"
