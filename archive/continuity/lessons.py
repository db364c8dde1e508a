"""The controlled vocabulary of lesson categories: what a balance sheet's limits and lessons are filed under.

A finding is filed under

1. the category its text names, ``"repression: the police broke the picket"``, when that name (or one of
   its aliases, case, hyphens, accents and a plural ``s`` aside) is in the vocabulary. A colon after an
   undeclared word ("success: we won", "https://...") files nothing: the text is kept whole and read as
   in 2;
2. else the category whose keywords cover most of its text (a longer keyword such as "strike fund"
   outweighs a shorter one such as "strike"; ties go to the vocabulary's order);
3. else ``other``.

The built-in vocabulary (``BUILT_IN``) holds the four limits the design names (repression, lost momentum,
internal tensions, co-optation) and the other things balance sheets conclude about (organization,
solidarity, strategy, communication, law and bargaining, resources, gains), each with keywords in
English, Spanish, French, German and Dutch. Keywords match at the start of a word, so a stem
(``"repress"``) matches its forms ("repression", "repressed", "represión" through the accent folding);
a keyword of three letters or fewer (``won``, ``cao``, ``loi``) matches only as a whole word.

An archive extends it in ``archive.toml`` or in ``lessons.yaml`` beside it, in the same shape::

    # lessons.yaml
    categories:
      funding:                       # a new category
        keywords: [strike fund, money, caisse de grève, Streikkasse]
        aliases: [finances]
      repression:                    # more words for a built-in one
        keywords: [kettling]

    # archive.toml
    [lessons.categories.funding]
    keywords = ["strike fund"]

A category given as a plain list is its keywords (``funding: [strike fund, money]``). An archive's
categories come after the built-in ones, in the order given.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive.errors import ArchiveError
from archive.ingest.formats import FormatError, read_yaml_file

OTHER = "other"
LESSONS_FILE = "lessons.yaml"

BUILT_IN: dict[str, dict[str, list[str]]] = {
    "repression": {"aliases": ["state repression"], "keywords": [
        # en
        "repress", "police", "arrest", "fired", "firing", "sacked", "dismiss", "retaliat", "injunction", "blacklist",
        "jail", "prison", "deport", "surveil", "crackdown", "troops", "army", "outlaw", "banned", "ban on",
        "union-bust",
        "union bust", "scab", "strikebreak", "lockout", "locked out", "intimidat", "violence", "beaten", "shot",
        "killed", "tear gas", "evict", "spied", "security team",
        # es
        "represi", "policía", "detenid", "encarcel", "despid", "esquirol", "cárcel", "ejército", "amenaz",
        # fr
        "répression", "réprim", "licenci", "arrêt", "emprisonn", "expuls", "gendarm", "matraqu", "jaune",
        # de
        "repression", "polizei", "verhaft", "festgenommen", "entlass", "gekündigt", "kündigung", "streikbrecher",
        "gefängnis", "verbot", "aussperrung", "überwach",
        # nl
        "repressie", "politie", "gearresteerd", "arrestat", "ontslag", "ontslagen", "gevangenis", "stakingsbreker",
        "verboden", "bedreig"]},
    "lost momentum": {"aliases": ["momentum", "demobilization", "demobilisation"], "keywords": [
        "momentum", "burnout", "burned out", "burnt out", "exhaust", "fatigue", "demobili", "dwindl", "fizzl",
        "petered", "turnout fell", "lost steam", "ran out of steam", "faded", "isolated", "isolation",
        "could not be sustained", "not sustained", "drifted away", "tired", "apathy", "went home",
        "desmoviliz", "agotamiento", "cansancio", "desgaste", "impulso", "aislad",
        "essouffl", "épuisement", "démobilis", "lassitude", "isolé",
        "erschöpf", "ermüd", "schwung", "demobilisier", "isoliert",
        "uitputting", "uitgeput", "vermoeid", "demobilis", "geïsoleerd", "ingezakt", "momentum verloren"]},
    "internal tensions": {"aliases": ["internal tension", "tensions", "divisions"], "keywords": [
        "tension", "split", "faction", "division", "divided", "infighting", "disagree", "conflict within",
        "sectarian", "rivalr", "quarrel", "came first", "mistrust", "distrust", "ego",
        "divisi", "faccion", "disputa", "pelea", "desconfianza",
        "scission", "désaccord", "querelle", "méfiance",
        "spaltung", "streit", "zerstritten", "fraktion", "uneinig", "misstrauen",
        "verdeeld", "verdeeldheid", "ruzie", "onenigheid", "wantrouwen", "scheuring"]},
    "co-optation": {"aliases": ["cooptation", "co optation", "cooptation"], "keywords": [
        "co-opt", "coopt", "co opt", "absorb", "incorporat", "bought off", "channelled", "channeled", "institutionali",
        "sold out", "sell-out", "sellout", "watered down", "bureaucra", "union leadership settled",
        "cooptad", "cooptación", "burocra", "institucionaliz", "traición",
        "récupér", "institutionnalis", "bureaucrat", "trahi",
        "vereinnahm", "bürokrat", "institutionalisier", "verraten",
        "ingekapseld", "bureaucrat", "geïnstitutionaliseerd", "verraden", "afgekocht"]},
    "organization": {"aliases": ["organisation", "organizing", "organising", "structure"], "keywords": [
        "organiz", "organis", "union", "committee", "structure", "membership", "member", "rank and file",
        "rank-and-file", "democra", "assembl", "leadership", "leaders", "delegat", "shop steward",
        "standing organization", "chapter", "caucus", "vote", "dues",
        "organiza", "sindicat", "comité", "asamblea", "afiliad", "delegad", "liderazgo",
        "syndica", "assemblée", "adhérent", "militant", "délégu",
        "gewerkschaft", "organisier", "betriebsrat", "mitglied", "versammlung", "vertrauensleute", "basis",
        "vakbond", "organiseer", "organisatie", "leden", "lid", "vergadering", "comité", "achterban"]},
    "solidarity": {"aliases": ["solidarity and alliances", "alliances", "alliance", "coalition"], "keywords": [
        "solidar", "alliance", "allies", "ally", "coalition", "support", "together", "contractor", "community",
        "other workers", "across", "unity", "united", "joined", "sympath",
        "solidaridad", "alianza", "apoyo", "unidad", "comunidad", "juntos",
        "solidarité", "soutien", "unité", "ensemble", "communauté",
        "solidarität", "bündnis", "unterstütz", "gemeinsam", "einheit",
        "solidariteit", "bondgenoot", "steun", "samen", "eenheid", "bondgenootschap"]},
    "strategy": {"aliases": ["strategy and tactics", "tactics", "tactic"], "keywords": [
        "strateg", "tactic", "strike", "walkout", "walk out", "sit-down", "occupation", "occupy", "picket",
        "escalat", "timing", "leverage", "choke point", "chokepoint", "demand", "target", "boycott", "slowdown",
        "at the same hour", "planning", "prepar", "small fights", "disrupt", "production",
        "estrategi", "táctic", "huelga", "paro", "ocupa", "piquete", "boicot", "reivindica",
        "stratégi", "tactique", "grève", "occupation", "piquet", "revendica", "blocage",
        "strategi", "taktik", "streik", "besetz", "blockade", "forderung", "boykott",
        "strategie", "tactiek", "staking", "bezetting", "blokkade", "eis", "eisen", "actie"]},
    "communication": {"aliases": ["communication and media", "media", "communications"], "keywords": [
        "media", "press", "newspaper", "leaflet", "communicat", "message", "public opinion", "publicity",
        "social media", "twitter", "story", "narrative", "propaganda", "journalist", "told", "speak", "word",
        "prensa", "comunica", "periódico", "opinión pública", "octavilla", "mensaje",
        "presse", "journal", "tract", "opinion publique", "médias",
        "presse", "zeitung", "flugblatt", "öffentlichkeit", "kommunikation",
        "pers", "krant", "pamflet", "publieke opinie", "communicatie", "nieuws"]},
    "law and bargaining": {"aliases": ["law", "legal", "bargaining", "negotiation", "negotiations",
                                       "law and institutions"], "keywords": [
        "law", "legal", "court", "judge", "lawsuit", "legislat", "contract", "bargain", "negotiat", "arbitrat",
        "labor board", "labour board", "nlrb", "settlement", "agreement", "recognition", "recognis", "recogniz",
        "govern", "election", "parliament", "vote",
        "ley", "legal", "tribunal", "juez", "convenio", "negocia", "acuerdo", "gobierno", "reconocimiento",
        "loi", "juridique", "tribunal", "juge", "convention collective", "négoci", "accord", "gouvernement",
        "gesetz", "gericht", "tarifvertrag", "verhandl", "vereinbarung", "regierung", "anerkennung",
        "wet", "rechter", "rechtbank", "cao", "onderhandel", "akkoord", "regering", "erkenning"]},
    "resources": {"aliases": ["funding", "money", "finances"], "keywords": [
        "strike fund", "fund", "money", "food", "mutual aid", "resource", "donation", "hardship", "wages lost",
        "starv", "hunger", "rent", "savings", "cost",
        "caja de resistencia", "fondo", "dinero", "comida", "ayuda mutua", "recurso",
        "caisse de grève", "argent", "nourriture", "entraide", "ressource",
        "streikkasse", "streikgeld", "geld", "essen", "hunger", "ressourc",
        "stakingskas", "geld", "eten", "honger", "middelen"]},
    "gains": {"aliases": ["victory", "victories", "wins", "what was won"], "keywords": [
        "won", "win", "victor", "gain", "achiev", "raise", "wage increase", "pay rise", "conceded", "concession",
        "ended", "reinstat", "success",
        "ganamos", "ganó", "victoria", "logr", "conquista", "aumento",
        "gagn", "victoire", "obtenu", "acquis", "augmentation",
        "gewonnen", "sieg", "erfolg", "erreicht", "lohnerhöhung",
        "gewonnen", "overwinning", "succes", "bereikt", "loonsverhoging"]},
}


class LessonsError(ArchiveError, ValueError):
    """The archive's lesson vocabulary (archive.toml or lessons.yaml) cannot be read."""


def fold(text: str) -> str:
    """Case and accents aside: ``Répression`` -> ``repression``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def name_key(name: str) -> str:
    """What makes two spellings of a category name the same: case, accents, hyphens, a plural ``s``."""
    key = re.sub(r"[\s_-]+", "", fold(name))
    if key.endswith("sses"):  # successes -> success
        return key[:-2]
    return key[:-1] if key.endswith("s") and not key.endswith("ss") and len(key) > 3 else key


@dataclass
class LessonCategory:
    name: str
    keywords: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    pattern: re.Pattern[str] | None = field(default=None, repr=False)

    def compile(self) -> None:
        words = sorted({fold(k).strip() for k in self.keywords if k.strip()}, key=len, reverse=True)
        # A keyword matches at the start of a word (a stem); one of three letters or fewer only as a word.
        alternatives = [re.escape(w) + (r"(?!\w)" if len(w) <= 3 else "") for w in words]
        self.pattern = re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + ")") if words else None

    def hits(self, folded: str) -> int:
        """How much of the text its keywords cover: a longer, more specific keyword ("strike fund",
        "streikkasse") outweighs a shorter one it contains ("strike", "streik")."""
        return sum(len(m) for m in self.pattern.findall(folded)) if self.pattern else 0


# "repression: the police ...": a short run of words, then a colon and a space (so "https://" is no category).
_PREFIX = re.compile(r"^\s*(?P<category>[^\W\d_][\w' -]{1,39}?)\s*:\s+(?P<text>\S.*)$", re.S)


@dataclass
class Vocabulary:
    categories: dict[str, LessonCategory]  # by name, in order

    def __post_init__(self) -> None:
        # An archive's aliases (later in order) override the built-in ones; a category's name beats any alias.
        self._names: dict[str, str] = {}
        for category in self.categories.values():
            category.compile()
            self._names.update({name_key(alias): category.name for alias in category.aliases})
        self._names.update({name_key(c.name): c.name for c in self.categories.values()})

    @property
    def names(self) -> list[str]:
        return list(self.categories)

    def named(self, name: str) -> str | None:
        """The category ``name`` spells (an alias, another case or a plural), or None if none does."""
        return self._names.get(name_key(name))

    def categorize(self, text: str) -> tuple[str, str]:
        """(category, text without its category prefix); see the module's documentation."""
        match = _PREFIX.match(text)
        if match and len(match["category"].split()) <= 4 and (name := self.named(match["category"])):
            return name, match["text"].strip()
        folded = fold(text)
        best, best_hits = OTHER, 0
        for category in self.categories.values():
            hits = category.hits(folded)
            if hits > best_hits:
                best, best_hits = category.name, hits
        return best, text


def built_in() -> Vocabulary:
    return Vocabulary({name: LessonCategory(name, list(v["keywords"]), list(v["aliases"]))
                       for name, v in BUILT_IN.items()})


def load_vocabulary(archive_root: Path | None) -> Vocabulary:
    """The built-in vocabulary extended by the archive's ``archive.toml`` ``[lessons]`` and ``lessons.yaml``."""
    vocabulary = {name: LessonCategory(name, list(v["keywords"]), list(v["aliases"])) for name, v in BUILT_IN.items()}
    if archive_root is not None:
        toml_path = archive_root / "archive.toml"
        if toml_path.is_file():
            try:
                config = tomllib.loads(toml_path.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise LessonsError(f"{toml_path}: {exc}") from None
            except OSError as exc:
                raise LessonsError(f"{toml_path}: cannot read it: {exc.strerror}") from None
            if "lessons" in config:
                _extend(vocabulary, config["lessons"], f"{toml_path}: [lessons]")
        yaml_path = archive_root / LESSONS_FILE
        if yaml_path.is_file():
            try:
                loaded = read_yaml_file(yaml_path)  # bounded: an alias bomb must not hang a build
            except FormatError as exc:
                raise LessonsError(f"{yaml_path}{f':{exc.line}' if exc.line else ''}: {exc.message}") from None
            if loaded is not None:
                _extend(vocabulary, loaded, str(yaml_path))
    return Vocabulary(vocabulary)


def _extend(vocabulary: dict[str, LessonCategory], section: Any, where: str) -> None:
    if not isinstance(section, dict) or not isinstance(section.get("categories", {}), dict):
        raise LessonsError(f"{where}: expected 'categories:' mapping each category to its keywords")
    unknown = sorted(set(section) - {"categories"})
    if unknown:
        raise LessonsError(f"{where}: unknown key {unknown[0]!r}; the vocabulary takes 'categories'")
    keys = {name_key(c.name): c for c in vocabulary.values()}
    for name, value in (section.get("categories") or {}).items():
        if not isinstance(name, str) or not name.strip():
            raise LessonsError(f"{where}: a category needs a name, not {name!r}")
        field_where = f"{where}: category {name!r}"
        if isinstance(value, list):
            value = {"keywords": value}
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise LessonsError(f"{field_where}: give a list of keywords or a mapping with 'keywords' and 'aliases'")
        bad = sorted(set(value) - {"keywords", "aliases"})
        if bad:
            raise LessonsError(f"{field_where}: unknown field {bad[0]!r}; use 'keywords' and 'aliases'")
        lists = {}
        for key in ("keywords", "aliases"):
            items = value.get(key) or []
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                raise LessonsError(f"{field_where}: field {key!r} must be a list of text")
            lists[key] = [" ".join(i.split()) for i in items if i.strip()]
        category = keys.get(name_key(name))
        if category is None:
            category = LessonCategory(" ".join(name.casefold().split()))
            vocabulary[category.name] = keys[name_key(name)] = category
        category.keywords += lists["keywords"]
        category.aliases += lists["aliases"]
