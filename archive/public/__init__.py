"""The public projection: the one definition of what may leave the archive.

What it owns: every part of the rule for "public" (visibility, embargo, withdrawn consent for every
record type, and stubs only as public as the most public described record naming them, see ``rule``)
and where redaction applies (the archive's ``redactions.yaml`` and each record's own ``redactions``, on
titles, bodies, published fields, tags, stub titles and slugs, see ``graph``). ``load`` is the one entry
point: the archive's graph as the public, redacted projection, or (``everything=True``) every record for
the archivist. The site, every ``--public`` command, the public search (its documents, filters, facets
and "did you mean") and the build's report of what was left out are all built from it; no other module
decides what is public.

What it may import: the kernel, ``archive.ingest`` and ``archive.store``, never ``archive.publish``, the
search modules or the command line, and nothing that loads Whoosh: the publisher imports it, and a build
must not need the search index.
"""

from __future__ import annotations

import importlib
from typing import Any

# Exported names -> the module defining them. Loaded on first use, so that a reader needing only the rule
# (``archive search``, which must start fast) does not import the graph, SQLAlchemy's ORM and the models.
_EXPORTS = {
    **dict.fromkeys(("PUBLISHED_COLUMNS", "Graph", "Item", "left_out", "load", "names_in_search_text", "time_key"),
                    "archive.public.graph"),
    **dict.fromkeys(("REASONS", "always_public_clause", "is_always_public", "is_public", "projection_clause",
                     "public_among", "public_clause", "reason_left_out"), "archive.public.rule"),
}

__all__ = [
    "PUBLISHED_COLUMNS", "REASONS", "Graph", "Item", "always_public_clause", "is_always_public", "is_public",
    "left_out", "load", "names_in_search_text", "projection_clause", "public_among", "public_clause",
    "reason_left_out", "time_key",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'archive.public' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value
