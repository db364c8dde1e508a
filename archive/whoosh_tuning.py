"""One fix to Whoosh's writer, applied when ``archive.index`` is imported.

When Whoosh writes a segment it asks the new segment for each posting's field length. For a field that
keeps no lengths (an ID or KEYWORD field, such as ``type`` or ``places``) its reader does not remember
that the lengths file is absent, and checks the disk again: one ``stat`` per posting, about a quarter of
the time of a rebuild. Remembering the absence is safe because a written segment never changes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from whoosh.codec import whoosh3

_ORIGINAL = whoosh3.W3PerDocReader._cached_reader


def _cached_reader(self: whoosh3.W3PerDocReader, fieldname: str, column: Any) -> Any:
    try:
        return self._readers[fieldname]
    except KeyError:
        reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        self._readers[fieldname] = reader  # None too: the segment will never grow that file
        return reader


def apply() -> None:
    whoosh3.W3PerDocReader._cached_reader = _cached_reader


@contextlib.contextmanager
def reverted() -> Iterator[None]:
    """Whoosh as shipped, for a fair baseline in the benchmark."""
    whoosh3.W3PerDocReader._cached_reader = _ORIGINAL
    try:
        yield
    finally:
        apply()
