"""Search quality: recall and precision of the analysis against a brute-force oracle, before and after.

    python benchmarks/search_quality.py               # every set; writes nothing, prints Markdown tables
    python benchmarks/search_quality.py --limit 2000  # fewer Gutenberg passages (a quick look)

Documents: the shared Gutenberg testimonies cut into passages of about 300 words, the Collective Action in
Tech descriptions, the Wikidata labels and descriptions, and a synthetic Dutch and Spanish set written
here (sentences joined without a space, inflections, the Philips/Philip pair, a sit-in compound).

For each case, a query word (or compound) and the word forms a reader means by it (its inflection family):
the oracle's answer is every document whose source text holds one of those forms as a whole word
(case-insensitive; a full stop, a hyphen or punctuation ends a word, so ``staking.De`` holds ``staking``).
The analysis' answer is every document whose analyzed terms match the query as ``archive search`` matches
it: one alternative per query language (``archive.search.analysis.query_alternatives``), a multi-term alternative
as a phrase over the term positions. "Before" is ANALYSIS_VERSION 3, copied below (Snowball stems, the old
tokenizer, stop words dropped inside compounds, every present language); "after" is ``archive.search.analysis``.

Recall is found / relevant, precision is relevant among found, per case; the family tables give their
micro-averages (sums over the cases). This measures the analysis, which decides what matches; ranking is
measured by benchmarks/search.py and the tests.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import regex
from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemFilter, StopFilter

from archive.search import analysis

DATA = Path(os.environ.get("ARCHIVE_SHARED_DATA", Path(__file__).resolve().parent.parent.parent / "shared" / "data"))
PASSAGE_WORDS = 300


@dataclass
class Doc:
    text: str
    language: str


# ---- the analysis before (ANALYSIS_VERSION 3) ----

_OLD_PATTERN = re.compile(r"\w+(?:\.\w+)*")


@cache
def _old_analyzer(language: str):  # noqa: ANN202
    chain = RegexTokenizer(_OLD_PATTERN) | LowercaseFilter() | StopFilter(lang=language, minsize=2)
    return chain | StemFilter(lang=language, cachesize=-1)


def old_terms(text: str, language: str) -> list[str]:
    return [t.text for t in _old_analyzer(language)(analysis.normalize_text(text))]


def old_alternatives(query: str, languages: Iterable[str]) -> list[tuple[str, ...]]:
    # The query parser split a compound into words and analyzed them whole: "sit-in" -> ("sit",).
    seen: dict[tuple[str, ...], None] = {}
    for language in sorted(set(languages)):
        terms = tuple(old_terms(query, language))
        if terms:
            seen.setdefault(terms, None)
    return list(seen)


def new_terms(text: str, language: str) -> list[str]:
    return analysis.analyze(text, language)


def new_alternatives(query: str, languages: Iterable[str]) -> list[tuple[str, ...]]:
    return analysis.query_alternatives(query, languages)


# ---- documents ----

def gutenberg(limit: int | None) -> list[Doc]:
    docs: list[Doc] = []
    for path in sorted((DATA / "gutenberg_movement_texts").glob("*.txt")):
        words = path.read_text(encoding="utf-8").split()
        for start in range(0, len(words), PASSAGE_WORDS):
            docs.append(Doc(" ".join(words[start:start + PASSAGE_WORDS]), "en"))
    return docs[:limit] if limit else docs


def collective_action() -> list[Doc]:
    with open(DATA / "collective_action_in_tech" / "actions.csv", encoding="utf-8", newline="") as handle:
        return [Doc(row["description"], "en") for row in csv.DictReader(handle) if row.get("description")]


def wikidata() -> list[Doc]:
    docs = []
    for path in sorted((DATA / "wikidata_protests_strikes").glob("*.csv")):
        with open(path, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                text = " ".join(v for k, v in row.items() if k in ("eventLabel", "description") and v)
                if text and not text.startswith("Q"):
                    docs.append(Doc(text, "en"))
    return docs


DUTCH = [
    "Na de staking.De directie ontsloeg de havenarbeiders.In augustus keerden zij terug.",
    "De stakingen van 1903 begonnen bij de havenarbeider die weigerde te lossen.",
    "Een staking in de haven.Daarna volgden de spoorwegarbeiders.",
    "De arbeiders van Philips legden het werk neer.De directie van Philips zweeg.",
    "Philip schreef een brief aan het comité over de eisen van de arbeiders.",
    "De eis van loonsverhoging werd afgewezen.Toen werden de eisen strenger.",
    "Honderden stakers werden ontslagen.Het comité riep op tot een algemene staking.",
    "De vakbond organiseerde een sit-in in het stadhuis.",
    "Zij zaten in het stadhuis en weigerden te vertrekken.",
    "In 1937.01.11 stond 3.5 procent loonsverhoging op het spel; zie https://www.vakbond.nl/Archief.",
]
SPANISH = [
    "La huelga duró tres semanas en la fábrica textil.",
    "Las huelgas de 1917 paralizaron las fábricas.Los trabajadores exigían pan.",
    "El sindicato convocó a los trabajadores.La policía detuvo al secretario.",
    "Los sindicatos despidieron al delegado.Despidió a cuarenta obreros.",
    "Un obrero de la fábrica habló en la asamblea sobre el trabajador despedido.",
]


def synthetic() -> list[Doc]:
    return [Doc(t, "nl") for t in DUTCH] + [Doc(t, "es") for t in SPANISH]


# ---- cases: a query, the forms that answer it, the language(s) it is analyzed in ----

ENGLISH_FAMILIES = [
    ("bus", ["bus", "buses"]),
    ("boycotting", ["boycott", "boycotts", "boycotting", "boycotted"]),
    ("boycott", ["boycott", "boycotts", "boycotting", "boycotted"]),
    ("strikes", ["strike", "strikes", "striking", "struck"]),
    ("workers", ["worker", "workers"]),
    ("organized", ["organize", "organizes", "organized", "organizing"]),
    ("marching", ["march", "marches", "marched", "marching"]),
    ("women", ["woman", "women"]),
    ("children", ["child", "children"]),
    ("men", ["man", "men"]),
    ("cities", ["city", "cities"]),
    ("factory", ["factory", "factories"]),
    ("voted", ["vote", "votes", "voted", "voting"]),
    ("arrested", ["arrest", "arrests", "arrested", "arresting"]),
    ("fought", ["fight", "fights", "fought", "fighting"]),
    ("unions", ["union", "unions"]),
    ("protested", ["protest", "protests", "protested", "protesting"]),
    ("stopped", ["stop", "stops", "stopped", "stopping"]),
    ("planned", ["plan", "plans", "planned", "planning"]),
    ("died", ["die", "dies", "died", "dying"]),
    ("wrote", ["write", "writes", "wrote", "written", "writing"]),
    ("began", ["begin", "begins", "began", "begun", "beginning"]),
    ("taught", ["teach", "teaches", "taught", "teaching"]),
    ("slaves", ["slave", "slaves"]),
    ("laws", ["law", "laws"]),
    ("employees", ["employee", "employees"]),
    ("wages", ["wage", "wages"]),
    ("layoffs", ["layoff", "layoffs"]),
    ("walkouts", ["walkout", "walkouts"]),
    ("petitions", ["petition", "petitions", "petitioned", "petitioning"]),
]
DUTCH_FAMILIES = [
    ("staking", ["staking", "stakingen"]),
    ("stakingen", ["staking", "stakingen"]),
    ("havenarbeiders", ["havenarbeider", "havenarbeiders"]),
    ("arbeider", ["arbeider", "arbeiders"]),
    ("eisen", ["eis", "eisen"]),
    ("directie", ["directie", "directies"]),
]
SPANISH_FAMILIES = [
    ("huelgas", ["huelga", "huelgas"]),
    ("huelga", ["huelga", "huelgas"]),
    ("fábrica", ["fábrica", "fábricas"]),
    ("trabajadores", ["trabajador", "trabajadores"]),
    ("sindicato", ["sindicato", "sindicatos"]),
]
# Compounds and names: the forms are exactly what the query means, nothing wider.
COMPOUNDS = [("sit-in", ["sit-in", "sit-ins"]), ("co-workers", ["co-worker", "co-workers"]),
             ("anti-union", ["anti-union"]), ("walk-out", ["walk-out", "walk-outs"])]
NAMES_NL = [("Philips", ["philips"]), ("Philip", ["philip"])]
# What must stay whole, found as written.
WHOLE = [("3.5", ["3.5"]), ("U.S.", ["u.s"])]
WHOLE_NL = [("1937.01.11", ["1937.01.11"]), ("3.5", ["3.5"])]


def oracle(docs: list[Doc], forms: list[str]) -> set[int]:
    """Documents whose source text holds one of ``forms`` as a whole word (case-insensitive)."""
    alternation = "|".join(f"(?i:{regex.escape(f)})" for f in sorted(forms, key=len, reverse=True))
    # A full stop ends a word where a capitalized word follows it (a sentence joined without a space).
    pattern = regex.compile(rf"(?:(?<![\w.\-])|(?<=\w\w\.)(?=\p{{Lu}}\p{{Ll}}))(?:{alternation})"
                            rf"(?![\w\-]|\.(?!\p{{Lu}}\p{{Ll}})\w)")
    return {n for n, doc in enumerate(docs) if doc.language and pattern.search(doc.text)}


class Matcher:
    """An analysis applied to every document once; answers queries as archive search matches them."""

    def __init__(self, docs: list[Doc], terms: Callable[[str, str], list[str]],
                 alternatives: Callable[[str, Iterable[str]], list[tuple[str, ...]]]) -> None:
        self.docs = docs
        self.alternatives = alternatives
        self.positions: list[dict[str, list[int]]] = []
        for doc in docs:
            index: dict[str, list[int]] = {}
            for pos, term in enumerate(terms(doc.text, doc.language)):
                index.setdefault(term, []).append(pos)
            self.positions.append(index)

    def found(self, query: str, languages: Iterable[str], among: set[int]) -> set[int]:
        result: set[int] = set()
        for alternative in self.alternatives(query, languages):
            for n in among:
                if _holds(self.positions[n], alternative):
                    result.add(n)
        return result


def _holds(index: dict[str, list[int]], terms: tuple[str, ...]) -> bool:
    if any(t not in index for t in terms):
        return False
    starts = set(index[terms[0]])
    for offset, term in enumerate(terms[1:], 1):
        starts &= {p - offset for p in index[term]}
    return bool(starts)


def evaluate(name: str, docs: list[Doc], cases: list[tuple[str, list[str]]], languages: dict[str, list[str]],
             matchers: dict[str, Matcher], rows: list[str]) -> dict[str, tuple[int, int, int]]:
    """Per analysis, (relevant found, relevant, found) summed over ``cases``; appends one table row per case."""
    totals = {label: (0, 0, 0) for label in matchers}
    every = set(range(len(docs)))
    for query, forms in cases:
        relevant = oracle(docs, forms)
        cells = []
        for label, matcher in matchers.items():
            found = matcher.found(query, languages[label], every)
            hit = len(found & relevant)
            a, b, c = totals[label]
            totals[label] = (a + hit, b + len(relevant), c + len(found))
            cells.append(f"{_ratio(hit, len(relevant))} / {_ratio(hit, len(found))}")
        rows.append(f"| {name} | `{query}` | {len(relevant)} | " + " | ".join(cells) + " |")
    return totals


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "–"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="Gutenberg passages to use (default: all)")
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        print(f"the shared data sets are not at {DATA} (set ARCHIVE_SHARED_DATA)", file=sys.stderr)
        return 2
    english = gutenberg(args.limit) + collective_action() + wikidata()
    mixed = synthetic()
    print(f"{len(english):,} English documents (Gutenberg passages, CAIT descriptions, Wikidata), "
          f"{len(mixed)} synthetic Dutch and Spanish\n")

    rows: list[str] = []
    summary: list[str] = []
    for label_set, docs, groups in (
        ("English", english, [("families", ENGLISH_FAMILIES), ("compounds", COMPOUNDS), ("whole", WHOLE)]),
        ("Dutch+Spanish", mixed, [("families (nl)", DUTCH_FAMILIES), ("families (es)", SPANISH_FAMILIES),
                                  ("compounds (nl)", [("sit-in", ["sit-in"])]), ("names (nl, --lang nl)", NAMES_NL),
                                  ("whole (nl)", WHOLE_NL)]),
    ):
        timings = {}
        matchers = {}
        started = time.perf_counter()
        for language in sorted({d.language for d in docs}):
            new_terms("strikes", language)  # simplemma loads the language's dictionary once, on first use
        loading = time.perf_counter() - started
        for label, terms, alternatives in (("before", old_terms, old_alternatives),
                                           ("after", new_terms, new_alternatives)):
            started = time.process_time()
            matchers[label] = Matcher(docs, terms, alternatives)
            timings[label] = time.process_time() - started
        for group, cases in groups:
            if label_set == "English":
                languages = {"before": ["en"], "after": ["en"]}
            elif "(es)" in group:
                languages = {"before": ["en", "es", "nl"], "after": ["es"]}
            else:
                # Before, every query word was analyzed in English too (stubs without a language count as
                # English); after, --lang nl analyzes it in Dutch only.
                languages = {"before": ["en", "nl"], "after": ["nl"]}
            totals = evaluate(f"{label_set} {group}", docs, cases, languages, matchers, rows)
            cells = [f"{_ratio(t[0], t[1])} / {_ratio(t[0], t[2])}" for t in totals.values()]
            summary.append(f"| {label_set} {group} | {len(cases)} | " + " | ".join(cells) + " |")
        summary.append(f"| {label_set}: analysis CPU time of every document (dictionaries loaded: "
                       f"{loading:.1f} s wall before) | | {timings['before']:.2f} s | {timings['after']:.2f} s "
                       f"({timings['after'] / max(timings['before'], 0.001):.2f}×) |")

    print("| set | cases | before: recall / precision | after: recall / precision |")
    print("|---|---:|---|---|")
    print("\n".join(summary))
    print("\n| set | query | relevant | before: recall / precision | after: recall / precision |")
    print("|---|---|---:|---|---|")
    print("\n".join(rows))
    joined = sum(1 for d in english if re.search(r"[a-z]{2}\.[A-Z][a-z]", d.text))
    print(f"\nEnglish documents with a sentence joined without a space: {joined:,} of {len(english):,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
