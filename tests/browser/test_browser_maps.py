"""Maps and timelines as a phone shows them (issue 13): no label under 11 px at 375 px wide, no two
timeline or map labels overlapping, and no link inside an element marked as an image."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from archive.publish import build
from archive.store.db import make_engine
from archive.store.ingest import ingest
from archive.trust.create import init_archive

pytestmark = pytest.mark.browser

DATA = Path(__file__).resolve().parent.parent / "data" / "seventies_articulations.yaml"

MEASURE = """(selector) => {
  const svg = document.querySelector(selector);
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  const labels = [...svg.querySelectorAll('text.wave-label, text.map-label, text.tick, text.map-legend-label')];
  const boxes = labels.filter(t => !t.classList.contains('tick') && !t.classList.contains('map-legend-label'))
                      .map(t => t.getBoundingClientRect());
  let overlaps = 0;
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5)
      overlaps++;
  }
  return {smallest: Math.min(...labels.map(t => parseFloat(getComputedStyle(t).fontSize) * scale)),
          labels: labels.length, overlaps: overlaps,
          linksInImages: document.querySelectorAll('[role=img] a, [role=img] [href]').length};
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("maps")
    archive = init_archive(root / "archive", title="Maps")
    engine = make_engine(archive.db_url(), writer=True)
    accounts = root / "accounts.yaml"
    accounts.write_text("\n".join(
        f"- {{type: account, slug: a-{year}-{n}, title: Account {year} {n}, date: '{year}', visibility: public}}"
        for year in range(1944, 2024) for n in range(1 + (year % 7 == 0))), encoding="utf-8")
    try:
        assert ingest(engine, [DATA, accounts]).errors == []
        build(archive, engine, today=dt.date(2026, 1, 1))
    finally:
        engine.dispose()
    return archive.public_dir


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize(("path", "selector"), [("index.html", "svg.timeline"),
                                                ("waves/seventies.html", "svg.artmap")])
def test_labels_are_readable_apart_and_links_are_not_images(browser: Any, site: Path, width: int, path: str,
                                                            selector: str) -> None:
    page = browser.new_page(viewport={"width": width, "height": 800})
    try:
        page.goto((site / path).as_uri())
        found = page.evaluate(MEASURE, selector)
    finally:
        page.close()
    assert found["labels"] >= 6
    assert found["smallest"] >= 11, found
    assert found["overlaps"] == 0, found
    assert found["linksInImages"] == 0, found
