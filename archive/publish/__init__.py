"""Publish the archive's public projection as a static site: pages, feed, sitemap, browser search.

``build`` gathers every public record first and plans every page, then writes (see ``build.py``).
``verify_site`` checks a copy of a published site against its manifest.
"""

from archive.publish.build import BuildReport, build
from archive.publish.output import SiteError, VerifyReport, WriteReport, verify_site

__all__ = ["BuildReport", "SiteError", "VerifyReport", "WriteReport", "build", "verify_site"]
