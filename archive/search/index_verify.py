"""Check that the index agrees with the store: every difference is a drift that ``archive reindex`` repairs.

Kinds of drift:
- ``missing``: a record in the store that the index lacks;
- ``extra``: a document in the index whose record the store no longer has (or a second copy of one);
- ``stale``: a document indexed from an older version of its record (its ``content_sha256`` differs), or
  from older links (its fingerprint differs: a struggle it inherits waves from changed);
- ``stray``: files in the index folder that no live index uses (left by a crash);
- ``outdated``: the index was built by another version of the analysis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from archive.search.analysis import ANALYSIS_VERSION
from archive.search.index import (
    IndexBusy,
    SearchIndexError,
    current_dir,
    index_meta,
    open_index,
    pending_ids,
    stray_files,
    writer_lock,
)
from archive.search.index_docs import iter_documents

STRAY_CHECK_TIMEOUT = 10.0


@dataclass(frozen=True)
class Drift:
    kind: str  # missing, extra, stale, stray, outdated
    key: str  # type/slug, a file name, or the index folder
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.kind:8} {self.key}" + (f"  ({self.detail})" if self.detail else "")


@dataclass
class VerifyReport:
    records: int = 0
    documents: int = 0
    drifts: list[Drift] = field(default_factory=list)
    pending: int = 0  # updates queued because the lock was busy; the next index update applies them
    busy: bool = False  # a writer held the lock, so stray files were not checked

    @property
    def ok(self) -> bool:
        return not self.drifts

    def count(self, kind: str) -> int:
        return sum(1 for drift in self.drifts if drift.kind == kind)


def verify_index(index_dir: Path, engine: Engine) -> VerifyReport:
    """Compare every record in the store with its document in the index."""
    report = VerifyReport(pending=len(pending_ids(index_dir)))
    indexed: dict[str, list[dict]] = {}
    has_index = current_dir(index_dir) is not None
    if not has_index:
        report.drifts.append(Drift("missing", str(index_dir), "no index has been built; run 'archive reindex'"))
    else:
        version = index_meta(index_dir).get("analysis_version")
        if version != ANALYSIS_VERSION:
            report.drifts.append(Drift("outdated", str(index_dir),
                                       f"built with analysis version {version}, this is {ANALYSIS_VERSION}"))
        try:
            ix = open_index(index_dir)
        except SearchIndexError as exc:
            report.drifts.append(Drift("missing", str(index_dir), str(exc)))
        else:
            with ix.searcher() as searcher:
                for fields in searcher.all_stored_fields():
                    indexed.setdefault(fields["rid"], []).append(fields)
            ix.close()
    report.documents = sum(len(copies) for copies in indexed.values())
    with engine.connect() as conn:
        for doc in iter_documents(conn):
            report.records += 1
            copies = indexed.pop(str(doc.record_id), None)
            if not copies:
                if has_index:
                    report.drifts.append(Drift("missing", doc.key, "in the store, not in the index"))
                continue
            fields = copies[0]
            if fields.get("content_sha256") != doc.content_sha256:
                report.drifts.append(Drift("stale", doc.key, "indexed from an older version"))
            elif fields.get("fingerprint") != doc.fingerprint():
                report.drifts.append(Drift("stale", doc.key, "indexed with older links or visibility"))
            for extra in copies[1:]:
                report.drifts.append(Drift("extra", extra.get("key", "?"), "indexed twice"))
    for copies in indexed.values():
        for fields in copies:
            report.drifts.append(Drift("extra", fields.get("key", "?"), "in the index, not in the store"))
    try:
        # Under the lock: a writer's new segment files are not strays while it is still committing.
        with writer_lock(index_dir, STRAY_CHECK_TIMEOUT):
            strays = stray_files(index_dir)
    except IndexBusy:
        report.busy = True
        strays = []
    for path in strays:
        report.drifts.append(Drift("stray", str(path.relative_to(index_dir)), "left by an interrupted write"))
    return report
