"""The site's interface in the readers' languages (issue 15, item 4).

The catalogs hold every string the templates, the pages' Python and the browser search use, and every
catalog is complete; a build in each language leaves no English interface string where a translation
exists; Arabic reads right to left; plural forms follow each language's rules; an unknown ``--lang`` is
an error that lists the languages there are.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from click.testing import CliRunner

from archive.cli import cli
from archive.publish import build
from archive.publish.build import NO_SITEMAP, site_interface
from archive.publish.demo import build_demo
from archive.publish.i18n import LOCALES_DIR, available_languages, choose_language, interface
from archive.publish.search_messages import SEARCH_MESSAGES, search_messages
from archive.store.config import load_archive
from archive.store.db import make_engine

REPO = Path(__file__).resolve().parent.parent
LANGUAGES = ["ar", "de", "en", "es", "fr", "nl"]
TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "Nn_": (1, 2)}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def extracted() -> set[str]:
    """Every msgid in the sources, extracted as ``pybabel extract -F babel.cfg -k N_ -k Nn_:1,2`` does."""
    with (REPO / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    ids = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(REPO), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True):
        ids.add(message[0] if isinstance(message, tuple) else message)
    return ids


def catalog(language: str):  # noqa: ANN201 (babel's Catalog)
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


def test_the_six_languages_are_available() -> None:
    assert available_languages() == LANGUAGES


def test_every_source_string_is_in_every_catalog_and_no_other() -> None:
    sources = extracted()
    assert len(sources) > 150  # the templates, the pages' Python, the search script's words
    for word in ("Recent accounts", "Skip to content", "Searching…", "Waves of activity, %(first)s to %(last)s: "
                 "shaded bands are waves, the rest is calm; bars count the struggles and accounts of each year"):
        assert word in sources
    with (LOCALES_DIR / "messages.pot").open("rb") as handle:
        template = {m.id[0] if isinstance(m.id, tuple) else m.id for m in read_po(handle) if m.id}
    assert template == sources, "run pybabel extract (docs/translating.md)"
    for language in LANGUAGES:
        ids = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalog(language) if m.id}
        assert not sources - ids, (language, "missing", sorted(sources - ids)[:10])
        assert not ids - sources, (language, "obsolete", sorted(ids - sources)[:10])


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_catalog_is_complete_with_its_plural_forms_and_placeholders(language: str) -> None:
    cat = catalog(language)
    assert cat.num_plurals == {"ar": 6, "es": 3, "fr": 3}.get(language, 2)
    for message in cat:
        if not message.id:
            continue
        assert not message.fuzzy, message.id
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(form.strip() for form in forms), (language, message.id)
        if isinstance(message.id, tuple):
            assert len(forms) == cat.num_plurals, (language, message.id)
        # No translation invents a placeholder; a singular keeps every one (only a plural form may spell
        # its number out: Arabic "two", French "one").
        names = set(PLACEHOLDER.findall(" ".join(message.id if isinstance(message.id, tuple) else [message.id])))
        for form in forms:
            assert set(PLACEHOLDER.findall(form)) <= names, (language, message.id, form)
            assert "%" not in PLACEHOLDER.sub("", form).replace("%%", ""), (language, form)
        if not isinstance(message.id, tuple):
            assert set(PLACEHOLDER.findall(forms[0])) == names, (language, message.id, forms[0])
    assert list(cat.check()) == []


def test_no_template_has_text_outside_gettext() -> None:
    """Text between tags and in the attributes a reader hears (aria-label, title, alt, placeholder) is
    only ever a gettext call or a value (code, commands and file names aside)."""
    bare = []
    for path in sorted((REPO / "templates").rglob("*.html")):
        source = path.read_text(encoding="utf-8")
        source = re.sub(r"\{#.*?#\}", "", source, flags=re.S)
        source = re.sub(r"\{%-?\s*trans\b.*?\{%-?\s*endtrans\s*-?%\}", "", source, flags=re.S)
        source = re.sub(r"\{\{.*?\}\}", "", source, flags=re.S)
        source = re.sub(r"\{%.*?%\}", "", source, flags=re.S)
        # Commands and file names are not the interface's words: they read the same in every language.
        source = re.sub(r"<(code|pre|kbd|samp)\b.*?</\1>", " ", source, flags=re.S)
        for attribute in re.findall(r'\b(?:aria-label|title|alt|placeholder)="([^"]*)"', source):
            if re.search(r"[^\W\d_]", attribute):
                bare.append(f"{path.name}: {attribute}")
        text = re.sub(r"<!DOCTYPE[^>]*>|<[^>]*>", " ", source)
        for word in re.findall(r"[^\W\d_][\w’'-]*", text):
            bare.append(f"{path.relative_to(REPO)}: {word}")
    assert bare == []


def test_the_search_script_looks_up_every_word_it_shows() -> None:
    script = (REPO / "site" / "search.js").read_text(encoding="utf-8")
    script = re.sub(r"/\*.*?\*/|(?<![:\\])//[^\n]*", "", script, flags=re.S)  # comments name t("key")
    used = set(re.findall(r'\bt\("(\w+)"', script))
    assert used == set(SEARCH_MESSAGES)
    # No sentence for the reader is left as a literal: "textContent = " takes a lookup or a value.
    assert not re.search(r'textContent = "[A-Za-z]', script)


def test_plural_forms() -> None:
    arabic = interface("ar")
    forms = [arabic.ngettext("%(num)s wave", "%(num)s waves", n) % {"num": n} for n in (0, 1, 2, 3, 11, 100)]
    assert forms == ["0 موجة", "موجة واحدة", "موجتان", "3 موجات", "11 موجةً", "100 موجة"]
    assert interface("fr").ngettext("%(num)s wave", "%(num)s waves", 0) == "%(num)s vague"  # 0 is singular
    assert interface("de").ngettext("%(num)s wave", "%(num)s waves", 0) == "%(num)s Wellen"
    assert interface("nl").ngettext("%(num)s struggle", "%(num)s struggles", 1) == "%(num)s strijd"
    assert interface("es").ngettext("%(num)s struggle", "%(num)s struggles", 2) == "%(num)s luchas"
    # The browser gets each form by CLDR category, as Intl.PluralRules names them.
    results = search_messages(arabic)["messages"]["results"]
    assert results == {"zero": "لا نتائج", "one": "نتيجة واحدة", "two": "نتيجتان", "few": "%(n)s نتائج",
                       "many": "%(n)s نتيجة", "other": "%(n)s نتيجة"}
    assert search_messages(interface("en"))["messages"]["results"] == {"one": "%(n)s result",
                                                                       "other": "%(n)s results"}


def test_dates_keep_their_precision_and_numbers_their_locale() -> None:
    assert [interface("en").date(d) for d in ("1933", "1933-04", "1933-04-01", "1933-02-30", "spring 1933")] == \
        ["1933", "April 1933", "April 1, 1933", "1933-02-30", "spring 1933"]
    assert interface("fr").date("1933-04-01") == "1 avril 1933"
    assert interface("de").date("1933-04") == "April 1933"
    assert interface("es").date("1933-04") == "abril de 1933"
    assert interface("ar").date("1933-04-01") == "1 أبريل 1933"
    assert interface("de").number(12345) == "12.345"
    assert interface("fr").number(12345) == "12\u202f345"


def test_choosing_the_language() -> None:
    assert choose_language("es", "en") == ("es", None)
    assert choose_language("ES", "en") == ("es", None)
    assert choose_language(None, "nl") == ("nl", None)
    assert choose_language(None, "fr-CA") == ("fr", None)  # a regional variant uses its language's catalog
    language, notice = choose_language(None, "sw")
    assert language == "en" and notice and "'sw'" in notice and "ar, de, en, es, fr, nl" in notice
    with pytest.raises(Exception, match=r"No interface translation for language 'xx'. Available: ar, de, en, es, "
                                        r"fr, nl\."):
        choose_language("xx", "en")


class _Interface(HTMLParser):
    """The text the interface shows: text and spoken attributes outside any element whose ``lang`` differs
    from the page's (the records' own words carry their language)."""

    VOID = {"meta", "link", "input", "br", "img", "hr", "source", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page_lang = ""
        self.stack: list[tuple[str, bool]] = []
        self.texts: list[str] = []

    def _foreign(self) -> bool:
        return any(foreign for _, foreign in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.page_lang = values.get("lang") or ""
        foreign = tag in ("script", "style") or (values.get("lang") not in (None, self.page_lang))
        if not foreign and not self._foreign():
            for name in ("aria-label", "title", "alt", "placeholder"):
                if values.get(name) and tag != "a":  # a link's title is the record's full title
                    self.texts.append(values[name] or "")
        if tag not in self.VOID:
            self.stack.append((tag, foreign))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if data.strip() and not self._foreign():
            self.texts.append(" ".join(data.split()))


def interface_text(path: Path) -> tuple[str, list[str]]:
    parser = _Interface()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.page_lang, parser.texts


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo archive built in each language."""
    root = tmp_path_factory.mktemp("i18n")
    result = build_demo(root / "demo")
    archive = load_archive(result.archive.root)
    engine = make_engine(archive.db_url())
    sites = {"en": result.site}
    try:
        for language in TRANSLATED:
            report = build(archive, engine, out=root / f"site-{language}", language=language)
            # No language notice (the demo sets no base_url, so the only notice is that no sitemap was written).
            assert report.language == language and report.notices == [NO_SITEMAP]
            sites[language] = report.out
    finally:
        engine.dispose()
    return sites


NUMBERS = {"num", "n", "number", "pages", "total", "shown", "drawn", "records", "articulations", "recurring",
           "first", "last"}


def filled(message: str) -> re.Pattern[str]:
    """A message with its placeholders filled: a number where it counts, any text elsewhere."""
    pieces = PLACEHOLDER.split(message)
    pattern = "".join(re.escape(piece) if i % 2 == 0 else (r"[\d.,\s\u202f]+" if piece in NUMBERS else ".+?")
                      for i, piece in enumerate(pieces))
    return re.compile(f"^{pattern}$")


def english_messages() -> list[str]:
    """The English interface strings, as patterns that match them filled in."""
    patterns = []
    for message in catalog("en"):
        for text in (message.id if isinstance(message.id, tuple) else (message.id,)):
            if not text or "<a " in text:
                continue
            parts = PLACEHOLDER.split(text)[::2]
            if sum(len(p.strip(" :;.,()")) for p in parts) < 3:
                continue  # "%(num)s in all." would match anything; its longer neighbours cover it
            patterns.append(text)
    return patterns


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_build_leaves_no_english_interface_string(demo: dict[str, Path], language: str) -> None:
    site = demo[language]
    # English strings the language does not write the same way ("Type" is French too; Dutch "Start" is
    # its "Home"): those are the ones that must not be left.
    own = set()
    for message in catalog(language):
        own |= set(message.string) if isinstance(message.string, tuple) else {message.string}
    english = [p for p in english_messages() if p not in own]
    exact = {p for p in english if "%(" not in p}
    fillable = [filled(p) for p in english if "%(" in p]
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 300
    left = set()
    for page in pages:
        page_lang, texts = interface_text(page)
        assert page_lang == language, page
        for text in texts:
            if text in exact or any(p.match(text) for p in fillable):
                left.add(f"{page.relative_to(site)}: {text}")
    assert sorted(left)[:20] == []
    # And the control: the same check finds the English build's interface strings.
    found = set()
    for page in sorted(demo["en"].rglob("*.html"))[:80]:
        found |= {t for t in interface_text(page)[1] if t in exact}
    assert {"Skip to content", "Search the archive", "Sections", "Home"} <= found
    script = (site / "assets" / "messages.js").read_text(encoding="ascii")
    assert f'"lang":"{language}"' in script and "Searching" not in script


def test_an_arabic_build_reads_right_to_left_with_arabic_navigation(demo: dict[str, Path]) -> None:
    site = demo["ar"]
    home = (site / "index.html").read_text(encoding="utf-8")
    assert '<html lang="ar" dir="rtl">' in home
    nav = home[home.index('<nav aria-label="الأقسام">'):home.index("</nav>")]
    for word in ("الموجات", "النضالات", "الشهادات", "الأماكن", "الوسوم"):
        assert f">{word}</a>" in nav
    assert re.search(r"<strong>3</strong> موجات<", home)  # 3: the "few" form
    assert re.search(r"<strong>67</strong> نضالًا<", home)  # 67: the "many" form
    # The demo's English records keep their language and direction inside the Arabic page.
    assert '<h1 lang="en" dir="ltr">Living Archive demo' in home
    record = next(p for p in (site / "accounts").glob("*.html") if not p.name.startswith("index"))
    text = record.read_text(encoding="utf-8")
    assert '<html lang="ar" dir="rtl">' in text and '<div class="body" lang="en" dir="ltr">' in text
    assert "تاريخ الأحداث" in text and re.search(r'<time datetime="\d{4}-\d{2}-\d{2}">\d+ \w+ \d{4}</time>', text)
    feed = (site / "feed.xml").read_text(encoding="utf-8")
    assert 'xml:lang="ar"' in feed and "أحدث الشهادات" in feed


def test_archive_toml_chooses_and_an_unknown_language_falls_back_with_a_notice(tmp_path: Path) -> None:
    result = build_demo(tmp_path / "demo")
    archive = result.archive
    original = archive.config_path.read_text(encoding="utf-8")
    assert "\n[site]\n" in original  # the demo sets open_end there
    archive.config_path.write_text(original.replace("\n[site]\n", '\n[site]\nlanguage = "nl"\n'), encoding="utf-8")
    reloaded = load_archive(archive.root)
    assert site_interface(reloaded)[0].language == "nl"
    assert site_interface(reloaded, "de")[0].language == "de"  # --lang wins over archive.toml
    config = archive.config_path.read_text(encoding="utf-8").replace('language = "nl"', 'language = "xx"')
    archive.config_path.write_text(config, encoding="utf-8")
    runner = CliRunner()
    out = tmp_path / "never"
    failed = runner.invoke(cli, ["--archive", str(archive.root), "build", "--out", str(out)])
    assert failed.exit_code != 0 and "No interface translation for language 'xx'" in failed.output
    assert "Traceback" not in failed.output and not out.exists()
    archive.config_path.write_text(config.replace('language = "xx"\n', ""), encoding="utf-8")
    text = archive.config_path.read_text(encoding="utf-8")
    archive.config_path.write_text(re.sub(r'(?m)^language = "en"$', 'language = "sw"', text), encoding="utf-8")
    built = runner.invoke(cli, ["--archive", str(archive.root), "build", "--out", str(out)])
    assert built.exit_code == 0, built.output
    assert "No interface translation for the archive's language 'sw'; the site's interface is in English" in \
        built.output
    assert '<html lang="en" dir="ltr">' in (out / "index.html").read_text(encoding="utf-8")
    # Another language over the same folder rewrites every page, though no record changed.
    again = runner.invoke(cli, ["--archive", str(archive.root), "build", "--out", str(out), "--lang", "nl"])
    assert again.exit_code == 0, again.output
    pages = list(out.rglob("*.html"))
    assert len(pages) > 300
    assert [p for p in pages if "Skip to content" in p.read_text(encoding="utf-8")] == []
    assert '"lang":"nl"' in (out / "assets" / "messages.js").read_text(encoding="ascii")


def test_build_lang_unknown_is_a_clear_error_listing_the_languages(tmp_path: Path) -> None:
    result = build_demo(tmp_path / "demo")
    out = tmp_path / "site"
    failed = CliRunner().invoke(cli, ["--archive", str(result.archive.root), "build", "--lang", "xx",
                                       "--out", str(out)])
    assert failed.exit_code == 1
    assert "No interface translation for language 'xx'. Available: ar, de, en, es, fr, nl." in failed.output
    assert "Traceback" not in failed.output and not out.exists()
    built = CliRunner().invoke(cli, ["--archive", str(result.archive.root), "build", "--lang", "es",
                                      "--out", str(out)])
    assert built.exit_code == 0, built.output
    page = (out / "search.html").read_text(encoding="utf-8")
    assert '<html lang="es" dir="ltr">' in page and "<h1>Buscar</h1>" in page
    assert '<script src="assets/messages.js"></script>\n<script src="assets/search.js"></script>' in page
