"""Text inside the site's SVG drawings."""

from __future__ import annotations


def short_label(title: str, chars: int) -> str:
    """``title`` cut to at most ``chars`` characters at a word boundary, with "…" when cut.

    Whole words only: a link's accessible name is the full title, and the words a reader sees must appear
    in it as they are (WCAG 2.5.3, axe ``label-content-name-mismatch``), which half a word would not."""
    if len(title) <= chars:
        return title
    cut = title[:chars - 1]
    # Keep the cut where it falls between words (or in a title that is one long word), else drop the half word.
    between = title[chars - 1].isspace() or " " not in cut.strip()
    kept = cut if between else cut[:cut.rstrip().rfind(" ")]
    return kept.rstrip(" ,;:–-") + "…"
