"""Search: the Whoosh indexes derived from the store, and every way of asking them.

What it owns: text analysis and lemmas (``analysis``, ``lemmas``), the index and its upkeep (``index``,
``index_docs``, ``index_verify``, ``term_map``, ``whoosh_tuning``, ``whoosh_import``), the query language,
filters, facets and scoring (``query``, ``filters``, ``facets``, ``scoring``, ``topn``), the searcher
(``searcher``), the public projection's own index (``public_index``) and record lookups for ``show`` and
``stats`` (``lookup``).

What it may import: the kernel, ``archive.ingest``, ``archive.store`` and ``archive.public``. The index is a
cache: nothing here writes records.
"""

from archive.search.whoosh_import import lighten

lighten()
