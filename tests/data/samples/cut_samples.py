"""Cut the samples in this folder from the full shared data sets (see README.md here).

    python tests/data/samples/cut_samples.py /path/to/shared/data

Each sample keeps the folder and file name of its data set, so a test reads ``sample_data / "fmcs_work_stoppages"
/ "work_stoppages.csv"`` as it would read the full file. Rows are copied byte for byte in the order of the
original; the rows chosen are those the tests name (by id, Wikidata item or position), so a test on a sample
sees the same records as on the full set. Run it again when a test starts to need another row.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[2]
sys.path.insert(0, str(REPO_ROOT))

from tests.test_search import BOOKS, HEADINGS  # noqa: E402
from tests.test_site_demands_lessons import ACTIONS  # noqa: E402
from tests.test_site_lineage import STRUGGLES  # noqa: E402
from tests.test_site_places import STRIKES  # noqa: E402

SITE_SAMPLE = 120  # tests/test_site_data.py: sample_records(limit=120) takes every n-th action by date
CHAPTER_WORDS = 1250  # tests/test_search.py reads the first 1,200 words of a chapter
FRONT_LINES = 100  # of the title page and front matter (Douglass names himself on line 85 of them)
USW_STRIKES = 80  # tests/test_site_lineage.py: the first 80 strikes by United Steelworkers locals
UNKNOWN_VALUE_ITEMS = {"Q246080", "Q122956736"}  # tests/test_real_data.py: an "unknown value" end date
COPIED = ["collective_action_in_tech/LICENSE_Unlicense.txt", "collective_action_in_tech/CITATION.cff",
          "bls_us_work_stoppages/bls_annual_major_work_stoppages_1947_onward.csv"]


def csv_rows(path: Path) -> tuple[str, list[tuple[dict[str, str], str]]]:
    """The header line and each row with its exact text (a row may span lines)."""
    raw = path.read_bytes().decode("utf-8")
    lines = raw.splitlines(keepends=True)
    header, body = lines[0], lines[1:]
    rows, pending = [], ""
    names = next(csv.reader([header]))
    for line in body:
        pending += line
        parsed = list(csv.reader(io.StringIO(pending)))
        if len(parsed) == 1 and len(parsed[0]) == len(names):
            rows.append((dict(zip(names, parsed[0], strict=True)), pending))
            pending = ""
    assert not pending, f"{path}: a row is cut off"
    return header, rows


def write_rows(target: Path, header: str, rows: list[str]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes((header + "".join(rows)).encode("utf-8"))


def site_actions(shared: Path) -> list[dict]:
    actions = json.loads((shared / "collective_action_in_tech/actions.json").read_text(encoding="utf-8"))
    actions = sorted(actions, key=lambda a: (a["date"], a["id"]))
    return actions[::max(1, len(actions) // SITE_SAMPLE)][:SITE_SAMPLE]


def cut_collective_action(shared: Path) -> None:
    chosen = site_actions(shared)
    # The JSON keeps every field but the geocoding (latlngs, addresses), which no test reads.
    target = HERE / "collective_action_in_tech/actions.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps({k: v for k, v in a.items() if k not in ("latlngs", "addresses")}, ensure_ascii=False)
             for a in chosen]
    target.write_text("[\n" + ",\n".join(lines) + "\n]\n", encoding="utf-8")
    # The CSV: every other one of those actions, and those tests/test_site_demands_lessons.py names, in the
    # file's order.
    wanted = {str(a["id"]) for a in chosen[::2]} | set(ACTIONS)
    header, rows = csv_rows(shared / "collective_action_in_tech/actions.csv")
    kept = [text for row, text in rows if row["id"] in wanted]
    write_rows(HERE / "collective_action_in_tech/actions.csv", header, kept)


def cut_fmcs(shared: Path) -> None:
    header, rows = csv_rows(shared / "fmcs_work_stoppages/work_stoppages.csv")
    kept, usw = [], 0
    for number, (row, text) in enumerate(rows):
        steelworkers = re.fullmatch(r"USA (\d+)", row["Union"].strip())
        if number < 20 or (steelworkers and usw < USW_STRIKES):
            kept.append(text)
        valid = row["Start Date"] and not (row["End Date"] and row["End Date"] < row["Start Date"])
        usw += bool(steelworkers and valid)
    write_rows(HERE / "fmcs_work_stoppages/work_stoppages.csv", header, kept)


def cut_wikidata(shared: Path) -> None:
    wanted = set(STRIKES) | set(STRUGGLES) | UNKNOWN_VALUE_ITEMS
    name = "wikidata_protests_strikes/wikidata_strikes_raw_rows.csv"
    header, rows = csv_rows(shared / name)
    write_rows(HERE / name, header, [text for row, text in rows if row["wikidata_qid"] in wanted])


def cut_book(source: Path, target: Path, chapters: int) -> None:
    """The book's text without Project Gutenberg's header and licence (its trademark stays out), each of its
    first chapters cut to its first words, its front matter to its first lines. The BOM and the
    CRLF line ends of the original are kept."""
    raw = source.read_bytes().decode("utf-8")
    bom = "\ufeff" if raw.startswith("\ufeff") else ""
    lines = raw.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("*** START OF"))
    heading = re.compile(HEADINGS.replace("(?m)", ""))
    parts: list[list[str]] = [[]]
    for line in lines[start + 1:]:
        if line.startswith("*** END OF"):
            break
        if heading.match(line.rstrip("\r\n")):
            parts.append([])
        parts[-1].append(line)
    kept: list[str] = []
    found = 0
    for number, part in enumerate(parts):
        if not number:
            part = part[:FRONT_LINES]
        body = part[1:] if number else part
        if number and sum(len(line.split()) for line in body) > 400:
            found += 1
            words = 0
            for index, line in enumerate(body):
                words += len(line.split())
                if words >= CHAPTER_WORDS:
                    part = part[:index + 2]
                    break
        kept += part
        if found == chapters:
            break
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes((bom + "".join(kept).lstrip("\r\n")).encode("utf-8"))


def cut_gutenberg(shared: Path) -> None:
    folder = shared / "gutenberg_movement_texts"
    for name, chapters, _ in BOOKS:
        cut_book(folder / name, HERE / "gutenberg_movement_texts" / name, chapters)
        metadata = name.replace(".txt", ".metadata.yaml")
        shutil.copyfile(folder / metadata, HERE / "gutenberg_movement_texts" / metadata)


def main(shared: Path) -> None:
    cut_collective_action(shared)
    cut_fmcs(shared)
    cut_wikidata(shared)
    cut_gutenberg(shared)
    for name in COPIED:
        (HERE / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared / name, HERE / name)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
