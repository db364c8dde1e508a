"""Build a small example archive from real public records that ship with the package."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from archive.errors import ArchiveError
from archive.publish.build import build
from archive.search.index import rebuild_index
from archive.store.config import CONFIG_NAME, Archive, write_config
from archive.store.db import make_engine
from archive.store.ingest import IngestReport, ingest
from archive.trust.create import init_archive

DEMO_DATA = Path(__file__).resolve().parent.parent / "demo_data"
DEMO_LICENCE = {"licence": "The Unlicense (public domain)",
                "licence_url": "https://unlicense.org/"}


class DemoError(ArchiveError):
    """The demo archive could not be built."""


@dataclass
class DemoResult:
    archive: Archive
    report: IngestReport
    indexed: int
    site: Path


def build_demo(path: Path) -> DemoResult:
    """Create an archive at ``path`` and ingest the shipped demo records into it."""
    if (path / CONFIG_NAME).exists():
        raise DemoError(f"{path} already holds an archive; choose a new folder")
    if path.exists() and any(path.iterdir()):
        raise DemoError(f"{path} is not empty; choose a new folder")
    archive = init_archive(
        path,
        title="Living Archive demo: Collective Action in Tech",
        description="Worker actions in the tech industry, 1969-2022, from the Collective Action in Tech "
        "dataset (public domain).",
        open_end="not recorded",  # the data set dates each action's start and records no ends
    )
    # The demo's records come from a public-domain data set: its About page says so.
    archive.extra.setdefault("site", {}).update(DEMO_LICENCE)
    archive.site = dataclasses.replace(archive.site, **DEMO_LICENCE)
    write_config(archive)
    engine = make_engine(archive.db_url(), writer=True)
    try:
        report = ingest(engine, [DEMO_DATA], default_language=archive.language, strict=True)
        if report.errors:
            raise DemoError("the shipped demo records did not ingest: " + "; ".join(map(str, report.errors)))
        indexed = rebuild_index(archive.index_dir, engine)
        site = build(archive, engine).out
    finally:
        engine.dispose()
    return DemoResult(archive, report, indexed, site)
