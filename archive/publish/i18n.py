"""The site's interface in the readers' languages: gettext catalogs, plural rules, dates and numbers.

Every string of the templates, of the pages' Python (titles, crumbs, figure captions) and of the browser
search goes through one gettext catalog per language, kept as a ``.po`` source in ``locales/<lang>/
LC_MESSAGES/messages.po``. The build compiles the chosen catalog in memory (Babel's ``write_mo``), so a
checkout, an editable install and a wheel all work without a compile step; ``pybabel compile`` may still
write ``.mo`` files, which are then used as they are. English is the source language: its catalog holds the
plural forms and nothing else needs it. Dates keep their precision (``1933``, ``1933-04``, ``1933-04-01``)
and are written in words in the chosen locale; counts get the locale's digit grouping. See
``docs/translating.md``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from archive.publish.output import SiteError

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"  # the language the msgids are written in
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def N_(message: str) -> str:  # noqa: N802 (the gettext convention)
    """Mark a string for the catalog where it is defined; it is translated where it is shown."""
    return message


def Nn_(singular: str, plural: str) -> tuple[str, str]:  # noqa: N802
    """Mark a plural pair for the catalog (extract with ``-k Nn_:1,2``); ``ngettext`` picks the form."""
    return singular, plural


# Shown through _() where they are used; defined in rooms below this one, so marked here for the catalog.
MARKED = (
    N_("from an earlier wave"), N_("from an earlier time"), N_("similar text"),  # archive.continuity.earlier
    N_("same organizational form"), N_("same social force"), N_("same organization"), N_("same grievance"),
    N_("same place"), N_("same demand"),
    N_("won"), N_("partly won"), N_("lost"), N_("pending"), N_("not recorded"),  # archive.ingest.demands
    N_("lesson"), N_("limit"),  # the kind of a balance sheet's finding
)
REASON_PREFIXES = MARKED[2:9]


class UnknownLanguage(SiteError):
    """``--lang`` or ``[site] language`` names a language the site has no catalog for."""


def available_languages() -> list[str]:
    """The languages with a catalog, as their codes (``ar``, ``de``, ``en``, ...)."""
    found = {p.parent.parent.name for p in LOCALES_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
    found |= {p.parent.parent.name for p in LOCALES_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")}
    return sorted(found | {SOURCE_LANGUAGE})


def _match(code: str, available: list[str]) -> str | None:
    """``pt_BR``, ``pt-br`` or ``pt`` -> the catalog that serves it: the exact one, else its language."""
    normal = code.strip().replace("-", "_")
    by_lower = {a.lower(): a for a in available}
    if normal.lower() in by_lower:
        return by_lower[normal.lower()]
    return by_lower.get(normal.split("_")[0].lower())


def choose_language(requested: str | None, archive_language: str) -> tuple[str, str | None]:
    """The interface language and, when the archive's own language has no catalog, a notice saying so.

    ``requested`` (``--lang``, else ``[site] language``) must name an available catalog: anything else is
    an error listing the available ones. Without it, the archive's ``language`` is used when a catalog
    exists for it, else English."""
    available = available_languages()
    if requested:
        chosen = _match(requested, available)
        if chosen is None:
            raise UnknownLanguage(f"No interface translation for language {requested!r}. Available: "
                                  f"{', '.join(available)}. To add one, see docs/translating.md.")
        return chosen, None
    chosen = _match(archive_language or SOURCE_LANGUAGE, available)
    if chosen is None:
        return SOURCE_LANGUAGE, (f"No interface translation for the archive's language {archive_language!r}; "
                                 f"the site's interface is in English (available: {', '.join(available)}).")
    return chosen, None


def catalog_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=16)
def _compiled(language: str, stamp: tuple[float, int]) -> tuple[bytes, str]:
    """The catalog as ``.mo`` bytes (compiled in memory from the ``.po``), and their SHA-256."""
    mo = catalog_path(language).with_suffix(".mo")
    po = catalog_path(language)
    if po.is_file():
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=language, domain=DOMAIN)
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        data = buffer.getvalue()
    else:
        data = mo.read_bytes()
    return data, hashlib.sha256(data).hexdigest()


def _stamp(language: str) -> tuple[float, int]:
    po = catalog_path(language)
    path = po if po.is_file() else po.with_suffix(".mo")
    stat = path.stat()
    return stat.st_mtime, stat.st_size


@dataclass
class Interface:
    """One language's translations and formats, as the templates and the planner use them."""

    language: str
    translations: NullTranslations
    digest: str = ""  # the compiled catalog's hash: a new translation re-renders every page
    locale: Locale = field(init=False)

    def __post_init__(self) -> None:
        self.locale = Locale.parse(self.language)

    @property
    def direction(self) -> str:
        return "rtl" if self.locale.character_order == "right-to-left" else "ltr"

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    def number(self, value: int | float) -> str:
        return format_decimal(value, locale=self.locale)

    def date(self, value: object) -> str:
        """A date in words, at the precision it was recorded: ``1933``, ``April 1933``, ``1 April 1933``.
        Anything that is not such a date is returned as it is."""
        text = str(value or "")
        match = _DATE.match(text)
        if not match:
            return text
        year, month, day = match.groups()
        try:
            if day:
                return format_date(dt.date(int(year), int(month), int(day)), "long", locale=self.locale)
            if month:
                return format_skeleton("yMMMM", dt.date(int(year), int(month), 1), locale=self.locale)
            return format_skeleton("y", dt.date(int(year), 1, 1), locale=self.locale)
        except ValueError:  # 1933-02-30: shown as recorded
            return text

    def plural_samples(self) -> dict[str, int]:
        """One whole number for each of the locale's CLDR plural categories (``one``, ``few``, ...), so a
        gettext plural can be laid out by category for the browser's ``Intl.PluralRules``."""
        samples: dict[str, int] = {}
        for n in range(0, 1200):
            samples.setdefault(self.locale.plural_form(n), n)
        return samples


def reason(text: str) -> str:
    """An "earlier struggle" reason (``same place: Lyon``) with its fixed words translated."""
    for words in REASON_PREFIXES:
        if text == words or text.startswith(words + ": "):
            return gettext(words) + text[len(words):]
    return text


def language_name(code: str) -> str:
    """A language code's name in the interface language (``es`` -> ``espagnol``); the code if unknown."""
    try:
        return Locale.parse(code.replace("-", "_")).get_display_name(current().locale) or code
    except (ValueError, UnknownLocaleError):
        return code


_CURRENT: ContextVar[Interface | None] = ContextVar("archive_site_interface", default=None)


def current() -> Interface:
    """The interface of the build under way (English outside one)."""
    return _CURRENT.get() or interface(SOURCE_LANGUAGE)


@contextmanager
def using(ui: Interface) -> Iterator[Interface]:
    """Make ``ui`` the interface that ``gettext`` and ``ngettext`` use in Python code (titles, SVG text)."""
    token = _CURRENT.set(ui)
    try:
        yield ui
    finally:
        _CURRENT.reset(token)


def gettext(message: str) -> str:
    return current().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return current().ngettext(singular, plural, n)


def interface(language: str) -> Interface:
    """The interface for ``language`` (a code from ``available_languages``)."""
    if language == SOURCE_LANGUAGE and not catalog_path(language).is_file():
        return _interface(language, None)
    return _interface(language, _stamp(language))


@lru_cache(maxsize=16)
def _interface(language: str, stamp: tuple[float, int] | None) -> Interface:
    if stamp is None:
        return Interface(language, NullTranslations())
    data, digest = _compiled(language, stamp)
    return Interface(language, Translations(io.BytesIO(data), domain=DOMAIN), digest)


def text_direction(language: str | None) -> str | None:
    """``rtl`` for a right-to-left language code (content in Arabic, Hebrew, Persian...), else None."""
    if not language:
        return None
    try:
        return "rtl" if Locale.parse(language.replace("-", "_")).character_order == "right-to-left" else None
    except (ValueError, UnknownLocaleError):
        return None
