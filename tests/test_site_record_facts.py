"""Record pages: short relations in the definition list at the top, and an open end that says what it
means (issue 18, items 14 and 15)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from sqlalchemy import Engine

from archive.publish import build
from archive.store.config import Archive, ConfigError, load_archive
from archive.store.db import make_engine
from archive.store.ingest import ingest
from archive.trust.create import init_archive
from tests.helpers import PUBLIC

TODAY = dt.date(2026, 12, 2)
RECORDS = """\
- {type: struggle, slug: sit-down, title: Sit-down strike, start: 1936-12-30, end: 1937-02-11,
   waves: [wave-of-1930s], places: [Flint], organizations: [uaw]}
- {type: struggle, slug: rent-strike, title: Rent strike, start: 1963,
   places: [Harlem, Brooklyn, Lower East Side, Bronx]}
- {type: struggle, slug: undated-strike, title: Undated strike}
- {type: wave, slug: wave-of-1930s, title: Wave of the 1930s, start: 1933}
- {type: account, slug: on-the-line, title: On the line, struggles: [sit-down], places: [Flint]}
"""


def page(site: Path, path: str) -> str:
    return (site / path).read_text(encoding="utf-8")


def facts(html: str) -> str:
    match = re.search(r'<dl class="facts">.*?</dl>', html, re.S)
    assert match, "no facts list"
    return match.group(0)


def entries(dl: str) -> list[tuple[str, list[str]]]:
    """(term, [descriptions as text]) in order."""
    found: list[tuple[str, list[str]]] = []
    for kind, content in re.findall(r"<(dt|dd)[^>]*>(.*?)</\1>", dl, re.S):
        text = " ".join(re.sub(r"<[^>]+>", " ", content).split())
        if kind == "dt":
            found.append((text, []))
        else:
            found[-1][1].append(text)
    return found


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Archive, Engine]:
    """One archive and site for the module (SQLite): the tests read it; the last one rebuilds it."""
    root = tmp_path_factory.mktemp("facts")
    archive = init_archive(root / "archive", title="Test Archive")
    (root / "records.yaml").write_text(RECORDS, encoding="utf-8")
    engine = make_engine(archive.db_url(), writer=True)
    report = ingest(engine, [root / "records.yaml"], defaults=PUBLIC)
    assert not report.errors, report.errors
    build(archive, engine, today=TODAY)
    yield archive, engine
    engine.dispose()


@pytest.fixture
def site(built: tuple[Archive, Engine]) -> Path:
    return built[0].public_dir


def test_short_relations_are_a_definition_list_at_the_top(site: Path) -> None:
    html = page(site, "struggles/sit-down.html")
    listed = entries(facts(html))
    assert listed == [("Start", ["December 30, 1936"]), ("End", ["February 11, 1937"]),
                      ("Waves", ["Wave of the 1930s 1933"]), ("Places", ["Flint (to be described)"]),
                      ("Organizations", ["uaw (to be described)"])]
    assert '<dd><time datetime="1936-12-30">December 30, 1936</time></dd>' in html  # words, and the date as recorded
    assert '<dd class="relation"><a href="../waves/wave-of-1930s.html">Wave of the 1930s</a>' in html
    for heading in ("Waves", "Places", "Organizations"):
        assert f"<h2>{heading}</h2>" not in html  # no heading and one-bullet list any more
    article = html[html.index("<article>"):]
    assert article.index('<dl class="facts">') < article.index("</header>")  # at the top, before the text
    account = entries(facts(page(site, "accounts/on-the-line.html")))
    assert ("Struggles", ["Sit-down strike December 30, 1936"]) in account
    assert ("Places", ["Flint (to be described)"]) in account


def test_long_relations_keep_their_section(site: Path) -> None:
    html = page(site, "struggles/rent-strike.html")
    assert "Places" not in dict(entries(facts(html)))
    section = re.search(r"<h2>Places</h2>.*?</section>", html, re.S)
    assert section and section.group(0).count("<li>") == 4


def test_a_start_without_an_end_reads_as_ongoing_by_default(site: Path) -> None:
    assert ("End", ["ongoing"]) in entries(facts(page(site, "struggles/rent-strike.html")))
    assert "Still open." in page(site, "waves/wave-of-1930s.html")
    undated = page(site, "struggles/undated-strike.html")
    assert "ongoing" not in undated and "not recorded" not in undated  # no start: nothing to say


def test_an_archive_that_records_no_ends_says_so(built: tuple[Archive, Engine], site: Path) -> None:
    archive, engine = built
    archive.config_path.write_text(archive.config_path.read_text(encoding="utf-8")
                                   + '\n[site]\nopen_end = "not recorded"\n', encoding="utf-8")
    build(load_archive(archive.root), engine, today=TODAY)
    assert ("End", ["not recorded"]) in entries(facts(page(site, "struggles/rent-strike.html")))
    assert "ongoing" not in page(site, "struggles/rent-strike.html")
    assert ("End", ["February 11, 1937"]) in entries(facts(page(site, "struggles/sit-down.html")))
    wave = page(site, "waves/wave-of-1930s.html")  # a wave with a start and no end, likewise
    assert "End not recorded." in wave and "Still open." not in wave


def test_a_bad_open_end_setting_is_a_message(archive) -> None:
    archive.config_path.write_text(archive.config_path.read_text(encoding="utf-8")
                                   + '\n[site]\nopen_end = "unknown"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[site\] open_end must be one of 'ongoing', 'not recorded', not 'unknown'"):
        load_archive(archive.root)


def test_init_can_write_the_setting(tmp_path: Path) -> None:
    archive = init_archive(tmp_path / "strikes", open_end="not recorded")
    assert 'open_end = "not recorded"' in archive.config_path.read_text(encoding="utf-8")
    assert load_archive(archive.root).open_end == "not recorded"
    assert load_archive(init_archive(tmp_path / "default").root).open_end == "ongoing"
