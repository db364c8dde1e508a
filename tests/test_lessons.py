"""Lesson categories from a controlled vocabulary (issue 13): a colon files only under a category that
exists; keywords in five languages; the archive extends the vocabulary; "other" stays a small share."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from archive.cli import cli
from archive.continuity.lessons import BUILT_IN, LessonsError, built_in, load_vocabulary, name_key
from archive.store.ingest import ingest

FINDINGS = Path(__file__).parent / "data" / "lessons_findings.yaml"


def test_a_colon_files_only_under_a_category_that_exists() -> None:
    vocabulary = built_in()
    # The failure of the issue: "success" and "successes" became two categories of their own.
    assert vocabulary.categorize("success: the company withdrew the schedule") == \
        ("gains", "success: the company withdrew the schedule")
    assert vocabulary.categorize("mistake: we announced the date too early")[0] == "other"
    assert vocabulary.categorize("Repressions: the organizers were followed") == \
        ("repression", "the organizers were followed")  # plural and case aside
    assert vocabulary.categorize("Tactics: strike at the busy season") == ("strategy", "strike at the busy season")
    assert vocabulary.categorize("https://example.org: a link")[0] == "other"


@pytest.mark.parametrize(("text", "category"), [
    ("La policía detuvo a los delegados", "repression"),
    ("Le mouvement s'est essoufflé après les vacances", "lost momentum"),
    ("Der Streit zwischen den Fraktionen lähmte das Komitee", "internal tensions"),
    ("De rechtbank gaf de huisbaas gelijk", "law and bargaining"),
    ("Nach vier Wochen war die Streikkasse leer", "resources"),
    ("Nous avons obtenu une augmentation de cinq pour cent", "gains"),
    ("El piquete bloqueó la entrada de la fábrica", "strategy"),
])
def test_keywords_in_five_languages(text: str, category: str) -> None:
    assert built_in().categorize(text)[0] == category


def test_every_built_in_category_has_keywords_in_five_languages() -> None:
    samples = {"repression": ["represión", "répression", "verhaftet", "gearresteerd"],
               "lost momentum": ["agotamiento", "essoufflé", "erschöpft", "uitgeput"]}
    for name, words in samples.items():
        for word in words:
            assert built_in().categorize(f"... {word} ...")[0] == name, word
    assert len(BUILT_IN) >= 10


def test_other_is_below_a_third_of_a_realistic_collection() -> None:
    findings = yaml.safe_load(FINDINGS.read_text(encoding="utf-8"))["findings"]
    assert len(findings) >= 100
    counts = Counter(built_in().categorize(text)[0] for text in findings)
    assert counts["other"] / len(findings) < 1 / 3, counts
    assert set(counts) <= set(BUILT_IN) | {"other"}  # no category made up by a colon


def test_the_archive_extends_the_vocabulary(tmp_path: Path) -> None:
    (tmp_path / "archive.toml").write_text('title = "T"\n[lessons.categories.funding]\nkeywords = ["strike fund"]\n'
                                           'aliases = ["finances"]\n', encoding="utf-8")
    (tmp_path / "lessons.yaml").write_text("categories:\n  funding: {keywords: [bake sale]}\n"
                                           "  repression: {keywords: [kettling]}\n  success: [it worked]\n",
                                           encoding="utf-8")
    vocabulary = load_vocabulary(tmp_path)
    assert vocabulary.names[-2:] == ["funding", "success"]
    assert vocabulary.categorize("The bake sale paid the bus")[0] == "funding"
    assert vocabulary.categorize("Finances: the strike fund lasted")[0] == "funding"
    assert vocabulary.categorize("Kettling kept us in the square for hours")[0] == "repression"
    assert vocabulary.categorize("successes: the schedule was withdrawn") == ("success", "the schedule was withdrawn")


@pytest.mark.parametrize(("text", "message"), [
    ("categories: [a, b]\n", "expected 'categories:' mapping"),
    ("categories:\n  funding: {words: [x]}\n", "category 'funding': unknown field 'words'"),
    ("categories:\n  funding: {keywords: money}\n", "category 'funding': field 'keywords' must be a list"),
    ("topics: {}\n", "unknown key 'topics'"),
    ("categories:\n  funding: [a\n", "lessons.yaml:3: not valid YAML"),
])
def test_a_bad_vocabulary_names_the_file_and_the_field(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "lessons.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(LessonsError, match=message.replace("[", r"\[").replace("(", r"\(")):
        load_vocabulary(tmp_path)


def test_the_lessons_command_and_the_site_use_the_archives_vocabulary(archive, engine, write, tmp_path) -> None:
    records = """
- {type: struggle, slug: s, title: A strike, visibility: public}
- type: balance_sheet
  slug: b
  title: Looking back
  struggle: s
  visibility: public
  lessons: ["success: the schedule was withdrawn", "The bake sale paid the bus", "Keep a diary"]
"""
    assert ingest(engine, [write("r.yaml", records)]).errors == []
    (archive.root / "lessons.yaml").write_text("categories:\n  funding: [bake sale]\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--archive", str(archive.root), "lessons", "--json"])
    assert result.exit_code == 0, result.output
    assert {c["category"]: [f["text"] for f in c["findings"]] for c in json.loads(result.output)} == {
        "gains": ["success: the schedule was withdrawn"], "funding": ["The bake sale paid the bus"],
        "other": ["Keep a diary"]}
    built = CliRunner().invoke(cli, ["--archive", str(archive.root), "build", "--out", str(tmp_path / "site")])
    assert built.exit_code == 0, built.output
    assert (tmp_path / "site" / "lessons" / "funding.html").is_file()
    assert not (tmp_path / "site" / "lessons" / "success.html").exists()
    (archive.root / "lessons.yaml").write_text("categories:\n  funding: {keywords: money}\n", encoding="utf-8")
    broken = CliRunner().invoke(cli, ["--archive", str(archive.root), "lessons"])
    assert broken.exit_code == 1 and "lessons.yaml: category 'funding': field 'keywords'" in broken.output
    assert "Traceback" not in broken.output
    failed = CliRunner().invoke(cli, ["--archive", str(archive.root), "build", "--out", str(tmp_path / "site2")])
    assert failed.exit_code != 0 and "lessons.yaml" in failed.output


def test_name_key() -> None:
    assert name_key("Co-optation") == name_key("cooptation") == name_key("co optation")
    assert name_key("Grève") == name_key("greve") and name_key("tensions") == name_key("tension")
