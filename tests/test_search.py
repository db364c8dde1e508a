"""``archive search`` on real texts: every query form, each filter, paging, sorting, facets, ranking.

The corpus is built once per module: the shipped demo archive (Collective Action in Tech), the sample of
the Collective Action in Tech data set (tests/data/samples) through its example mapping, chapters of Reed,
Pankhurst, Douglass, Marx and Goldman from the samples as testimonies (some private, restricted or
embargoed), and a short Dutch account written for this test.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url

import archive as archive_package
from archive.cli import cli
from archive.ingest.mapping import load_mapping
from archive.public import public_clause
from archive.search import analysis
from archive.search.filters import UnknownFilterValue
from archive.search.index import rebuild_index
from archive.search.searcher import ArchiveSearcher, QueryError, SearchRequest, SearchResult
from archive.store.config import Archive
from archive.store.db import make_engine
from archive.store.ingest import ingest
from archive.store.models import Link, Record
from archive.trust.create import init_archive
from tests.conftest import PG_URL, REPO_ROOT
from tests.helpers import PUBLIC

DEMO_DATA = Path(archive_package.__file__).parent / "demo_data"
DUTCH = """---
type: account
slug: herinneringen-aan-de-stakingen-van-1903
title: Herinneringen aan de stakingen van 1903
kind: testimony
date: 1903-04
language: nl
places: [amsterdam]
---
In januari 1903 legden de havenarbeiders in Amsterdam het werk neer. Toen de spoorwegdirecties weigerden
om de eisen te erkennen, breidden de stakingen zich uit naar het spoor. De regering antwoordde met wetten
die het staken bij het spoor strafbaar maakten. In april riep het verdedigingscomité een algemene staking
uit, maar veel arbeiders bleven aan het werk. Honderden stakers werden ontslagen.
"""
STRUGGLES = """
- type: wave
  slug: russian-revolution-1917
  title: The Russian Revolution, 1917
  start: '1917-02'
  end: '1917-11'
- type: struggle
  slug: october-revolution-1917
  title: The October Revolution in Petrograd
  start: '1917-11-07'
  waves: [russian-revolution-1917]
  places: [petrograd]
- type: struggle
  slug: wspu-suffrage-campaign
  title: The WSPU suffrage campaign
  start: '1903'
  places: [manchester]
"""
# (file, how many chapters, front matter for each chapter)
BOOKS = [
    ("pg3076_reed_ten_days_that_shook_the_world.txt", 3,
     {"kind": "testimony", "date": "1917-11", "struggles": ["october-revolution-1917"], "narrator": "John Reed"}),
    ("pg34856_pankhurst_my_own_story.txt", 3,
     {"kind": "testimony", "date": "1908", "struggles": ["wspu-suffrage-campaign"], "narrator": "Emmeline Pankhurst"}),
    ("pg23_douglass_narrative.txt", 2, {"kind": "testimony", "date": "1845", "visibility": "private"}),
    ("pg1346_marx_eighteenth_brumaire.txt", 1, {"kind": "report", "date": "1852", "visibility": "restricted"}),
    ("pg2162_goldman_anarchism_and_other_essays.txt", 1, {"kind": "article", "date": "1910",
                                                           "embargo_until": "2999-01-01"}),
]
# Goldman's essays have headings in capitals, not numbered chapters.
HEADINGS = r"(?m)^((?:CHAPTER|Chapter) [IVXLC]+\.?.*|[IVX]+\.?|ANARCHISM: WHAT IT REALLY STANDS FOR)\s*$"
CHAPTER_WORDS = 1200  # enough text to rank, small enough to keep the module fast


def chapters(path: Path, count: int) -> list[tuple[str, str]]:
    """The first ``count`` chapters of a Gutenberg book (heading, text), without the licence."""
    raw = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    raw = raw.split("*** START OF", 1)[-1].split("*** END OF", 1)[0]
    parts = re.split(HEADINGS, raw)
    found = []
    for heading, body in zip(parts[1::2], parts[2::2], strict=False):
        words = body.split()
        if len(words) > 400:  # skips the table of contents
            found.append((heading.strip(), " ".join(words[:CHAPTER_WORDS])))
        if len(found) == count:
            break
    return found


def phrase_pair(shared_data: Path) -> tuple[str, str]:
    """A real description with "working conditions", and the same words with "conditions" moved away."""
    with open(shared_data / "collective_action_in_tech" / "actions.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            text = row["description"]
            if text.count("working conditions") == 1 and len(text.split()) > 40:
                return text, text.replace("working conditions", "working") + " conditions"
    raise AssertionError("no description with the phrase")


def write_corpus(folder: Path, shared_data: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    together, apart = phrase_pair(shared_data)
    for slug, body in (("phrase-together", together), ("phrase-apart", apart)):
        (folder / f"{slug}.md").write_text(f"---\nslug: {slug}\ntitle: Phrase test\nkind: report\n---\n{body}\n",
                                           encoding="utf-8")
    (folder / "dutch.md").write_text(DUTCH, encoding="utf-8")
    (folder / "struggles.yaml").write_text(STRUGGLES, encoding="utf-8")
    books = shared_data / "gutenberg_movement_texts"
    for name, count, front in BOOKS:
        author = name.split("_")[1]
        for number, (heading, body) in enumerate(chapters(books / name, count), start=1):
            fields = {"type": "account", "slug": f"{author}-{number}", "title": f"{author.title()}: {heading}",
                      "language": "en", **front}
            header = "\n".join(f"{k}: {json.dumps(v)}" for k, v in fields.items())
            (folder / f"{author}-{number}.md").write_text(f"---\n{header}\n---\n{body}\n", encoding="utf-8")


@dataclass
class Corpus:
    archive: Archive
    engine: Engine

    def search(self, query: str, **options: object) -> SearchResult:
        with ArchiveSearcher(self.archive.index_dir, self.engine) as searcher:
            return searcher.search(SearchRequest(query, **options))

    def slugs(self, query: str, **options: object) -> list[str]:
        options.setdefault("limit", 1000)
        return [f"{h.type}/{h.slug}" for h in self.search(query, **options).hits]


def build_corpus(root: Path, url: str, shared_data: Path) -> Corpus:
    archive = init_archive(root / "archive", title="Search tests",
                           database_url="" if url.startswith("sqlite") else url)
    engine = make_engine(archive.db_url(), writer=True)
    write_corpus(root / "texts", shared_data)
    cait = shared_data / "collective_action_in_tech" / "actions.csv"
    report = ingest(engine, [cait], mapping=load_mapping(REPO_ROOT / "examples" / "collective_action_in_tech.map.yaml"),
                    defaults=PUBLIC)
    assert not report.errors, report.errors[:3]
    report = ingest(engine, [DEMO_DATA, root / "texts"], defaults=PUBLIC)
    assert not report.errors, report.errors[:3]
    rebuild_index(archive.index_dir, engine)
    return Corpus(archive, engine)


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A module-wide store (the conftest ``db_url`` is per test): SQLite, or a PostgreSQL schema."""
    if not PG_URL:
        yield f"sqlite:///{(tmp_path_factory.mktemp('db') / 'archive.sqlite').as_posix()}"
        return
    schema = f"s_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, store_url: str, shared_data: Path) -> Iterator[Corpus]:
    built = build_corpus(tmp_path_factory.mktemp("search"), store_url, shared_data)
    yield built
    built.engine.dispose()


# Query forms


def test_a_word_finds_its_other_forms(corpus: Corpus) -> None:
    striking = set(corpus.slugs("striking"))
    assert striking == set(corpus.slugs("strikes")) == set(corpus.slugs("strike"))
    assert "struggle/strike-at-versatronex-sunnyvale-october-1992" in striking


def test_and_is_the_default_and_or_widens(corpus: Corpus) -> None:
    amazon, strike = set(corpus.slugs("amazon")), set(corpus.slugs("strike"))
    assert set(corpus.slugs("amazon strike")) == set(corpus.slugs("amazon AND strike")) == amazon & strike
    assert set(corpus.slugs("amazon OR strike")) == amazon | strike
    assert set(corpus.slugs("amazon NOT strike")) == amazon - strike
    assert set(corpus.slugs("amazon AND (strike OR walkout)")) == amazon & (strike | set(corpus.slugs("walkout")))


def test_a_phrase_needs_its_words_together(corpus: Corpus) -> None:
    assert "struggle/google-walkout-for-real-change" in corpus.slugs('"walkout for real change"')
    phrase = corpus.slugs('"working conditions"')
    words = set(corpus.slugs("working conditions"))
    assert phrase and set(phrase) < words
    assert set(corpus.slugs('"conditions working"')) < words


def test_field_value(corpus: Corpus) -> None:
    in_title = corpus.search("title:walkout", limit=100).hits
    assert in_title and all("walkout" in h.title.lower() for h in in_title)
    assert {s.split("/")[0] for s in corpus.slugs("type:wave")} == {"wave"}
    assert "account/reed-1" in corpus.slugs("kind:testimony")
    assert set(corpus.slugs("waves:russian-revolution-1917")) >= {"account/reed-1", "struggle/october-revolution-1917"}
    assert "struggle/computer-people-for-peace-against-the-vietnam-war" in corpus.slugs("tags:ethics")
    assert corpus.slugs("tags:'military contracts'")


def test_wildcards_and_prefixes(corpus: Corpus) -> None:
    walk = set(corpus.slugs("walk*"))
    assert set(corpus.slugs("walkout")) <= walk
    assert set(corpus.slugs("w?lkout")) == set(corpus.slugs("walkout"))


def test_fuzzy_terms(corpus: Corpus) -> None:
    assert set(corpus.slugs("walkout")) <= set(corpus.slugs("walkuot~2"))


def test_date_ranges(corpus: Corpus) -> None:
    hits = corpus.search("date:[2020-05-01 to 2020-06-30]", limit=1000).hits
    assert hits
    assert all("2020-05-01" <= (h.date or "")[:10] <= "2020-06-30" for h in hits)
    assert "account/reed-1" in corpus.slugs("date:1917")
    assert "account/reed-1" in corpus.slugs("soviet date:[1917-01 to 1917-12]")
    assert "account/reed-1" not in corpus.slugs("soviet date:[1918 to 1920]")
    assert "struggle/october-revolution-1917" in corpus.slugs("start:1917-11")
    later = corpus.search("date:>=2021-06", limit=1000).hits
    assert later and all(h.date >= "2021-06" for h in later)


@pytest.mark.parametrize("query", ["date:[2020-13-01 to 2021]", "date:yesterday", "   "])
def test_a_malformed_query_gets_a_message(corpus: Corpus, query: str) -> None:
    with pytest.raises(QueryError):
        corpus.search(query)
    result = CliRunner().invoke(cli, ["--archive", str(corpus.archive.root), "search", query])
    assert result.exit_code == 2
    assert "Error:" in result.output and "Traceback" not in result.output


def test_only_stop_words(corpus: Corpus) -> None:
    result = corpus.search("the and of")
    assert result.stop_words_only and not result.hits


# Filters, paging, sorting, facets


def test_type_filter(corpus: Corpus) -> None:
    slugs = corpus.slugs("union", types=["account"])
    assert slugs and all(s.startswith("account/") for s in slugs)
    assert set(corpus.slugs("union", types=["account", "wave"])) >= set(slugs)


def test_wave_filter_includes_what_a_struggle_brings(corpus: Corpus) -> None:
    slugs = corpus.slugs("petrograd", waves=["russian-revolution-1917"])
    assert "account/reed-1" in slugs  # the account names only its struggle; the struggle is in the wave
    assert not corpus.slugs("petrograd", waves=["pandemic-actions-2020-2021"])
    with pytest.raises(UnknownFilterValue, match="unknown wave 'no-such-wave'"):  # an error, not "no match"
        corpus.search("strike", waves=["no-such-wave"])


def test_place_kind_and_language_filters(corpus: Corpus) -> None:
    assert set(corpus.slugs("workers", places=["Leipzig, Germany"])) == set(corpus.slugs("workers",
                                                                                          places=["leipzig-germany"]))
    leipzig = corpus.slugs("amazon", places=["leipzig-germany"])
    assert leipzig and "account/strike-at-amazon-leipzig-march-2014-report" in leipzig
    testimonies = corpus.slugs("workers", kinds=["testimony"])
    assert testimonies and all(s.split("/")[1].split("-")[0] in ("reed", "pankhurst", "douglass") for s in testimonies)
    assert corpus.slugs("staking", languages=["nl"]) == ["account/herinneringen-aan-de-stakingen-van-1903"]
    assert corpus.slugs("staking", languages=["en"]) == []


@pytest.mark.parametrize("public", [False, True])
def test_the_top_ten_are_the_first_ten_of_everything(corpus: Corpus, public: bool) -> None:
    # Whoosh skips blocks of postings that cannot reach the top N, judged by each term's best possible
    # score: that bound must come from the same statistics as the scores.
    for query in ("union workers", "strike", "google walkout", "amazon warehouse workers", "pay", "ethics",
                  "open letter", "contract workers", "protests against police", "women vote", "revolution OR soviet"):
        top = corpus.search(query, limit=10, public=public).hits
        everything = corpus.search(query, limit=2000, public=public).hits[:10]
        assert [(h.slug, h.score) for h in top] == [(h.slug, h.score) for h in everything], query


def test_no_score_exceeds_the_bound_whoosh_skips_by(corpus: Corpus) -> None:
    from archive.search.scoring import ArchiveBM25F

    with ArchiveSearcher(corpus.archive.index_dir, corpus.engine) as archivist:
        for searcher in (archivist, archivist.public_searcher()):
            _check_bounds(searcher, ArchiveBM25F(searcher._collection()))


def _check_bounds(searcher: ArchiveSearcher, weighting) -> None:  # noqa: ANN001
    for (word,) in (analysis.analyze(w) for w in ("workers", "union", "strike", "revolution", "amazon")):
        for fieldname in ("title", "body"):
            if (fieldname, word) not in searcher.searcher.reader():
                continue
            scorer = weighting.scorer(searcher.searcher, fieldname, word)
            postings = searcher.searcher.postings(fieldname, word)
            best = 0.0
            while postings.is_active():
                best = max(best, scorer.score(postings))
                postings.next()
            assert best <= scorer.max_quality() + 1e-9, (word, fieldname)


def test_pages_are_disjoint_and_in_order(corpus: Corpus) -> None:
    everything = corpus.slugs("workers", limit=30)
    pages = [corpus.slugs("workers", limit=10, page=n) for n in (1, 2, 3)]
    assert sum(pages, []) == everything
    result = corpus.search("workers", limit=10)
    assert result.pages == -(-result.total // 10)
    assert corpus.search("workers", limit=10, page=result.pages + 1).hits == []


def test_sort_by_date(corpus: Corpus) -> None:
    hits = corpus.search("strike", sort="date", limit=1000).hits
    dated = [h.date for h in hits if h.date]
    assert dated == sorted(dated, key=lambda d: analysis_key(d))
    assert all(h.date for h in hits[:len(dated)])  # undated records come last


def analysis_key(partial: str) -> tuple[int, ...]:
    return tuple(int(part) for part in partial.split("-"))


def test_facets_count_every_match(corpus: Corpus) -> None:
    result = corpus.search("union", limit=5)
    assert sum(result.facets["type"].values()) == result.total
    for record_type, count in result.facets["type"].items():
        assert corpus.search("union", types=[record_type]).total == count
    wave, count = next(iter(result.facets["waves"].items()))
    assert corpus.search("union", waves=[wave]).total == count
    assert result.facets["kind"] and result.facets["places"]


def test_did_you_mean(corpus: Corpus) -> None:
    assert corpus.search("walkuot").suggestion == "walkout"
    assert corpus.search("amazon strkie").suggestion == "amazon strike"
    assert corpus.search("walkout").suggestion is None
    assert corpus.search("walkou*").suggestion is None


def test_snippets_mark_the_matches(corpus: Corpus) -> None:
    hit = corpus.search("soviet", types=["account"]).hits[0]
    assert "**" in hit.snippet and "soviet" in hit.snippet.lower()
    assert len(hit.snippet) < 400


# Visibility


def test_records_that_are_not_public_are_marked_and_public_leaves_them_out(corpus: Corpus) -> None:
    everything = {f"{h.type}/{h.slug}": h for h in corpus.search("slave OR bonaparte OR anarchism", limit=100).hits}
    assert not everything["account/douglass-1"].public  # private
    assert not everything["account/marx-1"].public  # restricted
    assert not everything["account/goldman-1"].public  # embargoed until 2999
    public = corpus.slugs("slave OR bonaparte OR anarchism", public=True)
    assert not {"account/douglass-1", "account/douglass-2", "account/marx-1", "account/goldman-1"} & set(public)
    later = corpus.slugs("anarchism", public=True, today=dt.date(3000, 1, 1))
    assert "account/goldman-1" in later  # the embargo has passed


def test_public_scores_are_bm25f_over_the_public_records_only(corpus: Corpus) -> None:
    """What the site's browser search computes from archive.search.analysis must equal what the CLI ranks."""
    term_query = "workers"
    expected = expected_scores(corpus.engine, term_query)
    hits = corpus.search(term_query, public=True, limit=10).hits
    assert len(hits) == 10
    for hit in hits:
        assert hit.score == pytest.approx(expected[(hit.type, hit.slug)], rel=1e-9)
    top = sorted(expected.items(), key=lambda item: -item[1])[:10]
    assert [s for _, s in top] == pytest.approx([h.score for h in hits], rel=1e-9)


def expected_scores(engine: Engine, word: str) -> dict[tuple[str, str], float]:
    records = Record.__table__
    target = records.alias("target")
    with engine.connect() as conn:
        rows = conn.execute(select(records).where(public_clause())).mappings().all()
        # The body ends with the names its lineage links point to, when those are public without condition.
        lineage: dict[int, list[tuple[int, int, str]]] = {}
        for source, relation, position, title in conn.execute(
                select(Link.source_id, Link.relation, Link.position, target.c.title)
                .join(target, target.c.id == Link.target_id)
                .where(Link.relation.in_(analysis.LINEAGE_RELATIONS), target.c.visibility == "public",
                       target.c.embargo_until.is_(None))):
            lineage.setdefault(source, []).append((analysis.LINEAGE_RELATIONS.index(relation), position, title))
    bodies = [analysis.compose_body({**r, "lineage": [t for *_, t in sorted(lineage.get(r["id"], []))]})
              for r in rows]
    fields = {"title": [analysis.analyze(r["title"], r["language"]) for r in rows],
              "body": [analysis.analyze(body, r["language"]) for r, body in zip(rows, bodies, strict=True)]}
    languages = {r["language"] or "en" for r in rows}
    alternatives = [term for (term,) in analysis.query_alternatives(word, languages)]  # OR-ed: scores add up
    scores: dict[tuple[str, str], float] = {}
    for name, boost in analysis.FIELD_BOOSTS.items():
        lengths = [analysis.stored_field_length(len(terms)) for terms in fields[name]]
        average = sum(lengths) / len(rows)
        for term in alternatives:
            df = sum(1 for terms in fields[name] if term in terms)
            for row, terms, length in zip(rows, fields[name], lengths, strict=True):
                if term in terms:
                    score = boost * analysis.bm25(analysis.idf(len(rows), df), terms.count(term), length, average)
                    key = (row["type"], row["slug"])
                    scores[key] = scores.get(key, 0.0) + score
    return scores


# Ranking and languages


def test_a_title_match_outranks_a_passing_mention(corpus: Corpus) -> None:
    hits = corpus.search("retaliation", limit=50).hits
    in_title = [i for i, h in enumerate(hits) if "retaliation" in h.title.lower()]
    mentions = [i for i, h in enumerate(hits) if "retaliation" not in h.title.lower()]
    assert in_title and mentions
    assert max(in_title) < min(mentions)


def test_a_phrase_outranks_scattered_words(corpus: Corpus) -> None:
    # Two records of the same words and length; only one has "working conditions" together.
    hits = corpus.search('"working conditions" OR (working AND conditions)', types=["account"], limit=5000).hits
    ranks = {h.slug: i for i, h in enumerate(hits)}
    assert ranks["phrase-together"] < ranks["phrase-apart"]
    together = corpus.slugs('"working conditions"')
    assert "account/phrase-together" in together and "account/phrase-apart" not in together


def test_a_dutch_account_is_found_by_dutch_word_forms(corpus: Corpus) -> None:
    dutch = "account/herinneringen-aan-de-stakingen-van-1903"
    # Word forms of the same lemma (ontslagen, ontslaan); the noun "ontslag" is another word since
    # analysis 4 (stems of lemmas: see docs/search.md).
    for word in ("staking", "stakingen", "stakers", "ontslagen", "ontslaan", "havenarbeider"):
        assert dutch in corpus.slugs(word), word
    assert dutch in corpus.slugs('"algemene staking"')
    assert analysis.analyze("De stakingen", "nl") == analysis.analyze("staking", "nl") == ["staking"]


# The command


def test_json_prints_only_the_array(corpus: Corpus) -> None:
    result = CliRunner().invoke(cli, ["--archive", str(corpus.archive.root), "search", "walkout", "--json",
                                      "--limit", "3", "--public"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data) == 3
    assert all(set(item) == {"type", "slug", "title", "score", "date", "snippet"} for item in data)
    assert data[0]["score"] >= data[1]["score"] >= data[2]["score"]


def test_human_output_shows_marks_facets_and_suggestions(corpus: Corpus) -> None:
    root = str(corpus.archive.root)
    result = CliRunner().invoke(cli, ["--archive", root, "search", "slave", "--limit", "3"])
    assert result.exit_code == 0, result.output
    assert "NOT PUBLIC" in result.output
    assert "By type:" in result.output and "By place:" in result.output or "By kind:" in result.output
    result = CliRunner().invoke(cli, ["--archive", root, "search", "walkuot"])
    assert "Did you mean: walkout" in result.output
