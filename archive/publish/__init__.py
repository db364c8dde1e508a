"""Publish the archive's public projection as a static site: pages, feed, sitemap, browser search.

``build`` gathers every public record first and plans every page, then writes (see ``build.py``). The
interface is in the language ``--lang`` or ``[site] language`` chooses, through gettext catalogs
(``i18n.py``, ``locales/``; ``docs/translating.md``).
``verify_site`` checks a copy of a published site against its manifest. The room also holds the same
views as text for the command line (``crosswave``: demands, lessons and lineage across waves) and the demo
archive (``demo``).

What it may import: every room below it (the kernel, ``archive.ingest``, ``archive.store``,
``archive.public``, ``archive.search``, ``archive.trust``, ``archive.continuity``); only ``archive.cli`` imports
it. Records reach pages only through ``archive.public``.
"""

from archive.publish.build import BuildReport, build
from archive.publish.output import SiteError, VerifyReport, WriteReport, verify_site

__all__ = ["BuildReport", "SiteError", "VerifyReport", "WriteReport", "build", "verify_site"]
