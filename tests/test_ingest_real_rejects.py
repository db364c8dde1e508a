"""--skip-invalid on a real published file: FMCS work stoppages (public domain, 14,317 rows), whose 8 rows
that end before they start are refused, written verbatim under the header, fixed and ingested again."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.ingest.mapping import load_mapping
from archive.store.ingest import ingest
from tests.helpers import count, get

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FMCS_BAD_LINES = [323, 541, 586, 927, 1398, 2459, 4129, 9432]  # rows whose end date is before their start


@pytest.mark.slow  # the whole FMCS file (14,317 rows)
def test_fmcs_goes_in_but_for_eight_rows_that_round_trip(engine, full_shared_data, tmp_path):
    mapping = load_mapping(EXAMPLES / "fmcs.map.yaml")
    source = full_shared_data / "fmcs_work_stoppages" / "work_stoppages.csv"
    rejects = tmp_path / "rejects"
    report = ingest(engine, [source], mapping=mapping, skip_invalid=True, rejects=rejects)
    assert (report.added, report.refused, report.files_failed) == (14_317 - 8, 8, 0)
    assert [(e.line, e.field) for e in report.errors] == [(line, "end") for line in FMCS_BAD_LINES]
    assert count(engine, "struggle") == 14_309

    physical = source.read_text(encoding="utf-8").splitlines()
    rejected = rejects / "work_stoppages.csv"
    assert rejected.read_text(encoding="utf-8").splitlines() == [physical[0]] + [
        physical[line - 1] for line in FMCS_BAD_LINES]
    log = (rejects / "work_stoppages.csv.errors.log").read_text(encoding="utf-8")
    assert f"line 9: {source}:9432: field 'end': end 1997-09-15 is before start 1997-10-06" in log

    # The archivist decides the end dates are unreliable and clears them; the rows then go in.
    header, *rows = rejected.read_text(encoding="utf-8").splitlines()
    fixed = [",".join(row.rsplit(",", 2)[:1] + ["", ""]) for row in rows]
    rejected.write_text("\n".join([header, *fixed]) + "\n", encoding="utf-8")
    again = ingest(engine, [rejected], mapping=mapping, skip_invalid=True, rejects=tmp_path / "rejects-2")
    assert (again.added, again.refused, again.errors) == (8, 0, [])
    assert count(engine, "struggle") == 14_317
    assert get(engine, "struggle", "fmcs-1997im002801-1997-10-06").end is None
