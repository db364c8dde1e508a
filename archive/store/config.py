"""An archive is a folder: ``archive.toml`` with its settings, the SQLite database and the index."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from archive.errors import ArchiveError
from archive.ingest.record_rules import DEFAULT_VISIBILITY, RECORD_TYPES, VISIBILITIES, RecordRules

CONFIG_NAME = "archive.toml"
DEFAULT_DB_NAME = "archive.sqlite"
INDEX_DIR_NAME = "index"
ENV_ARCHIVE_DIR = "ARCHIVE_DIR"
# What a page says of a struggle or articulation with a start and no end: [site] open_end.
OPEN_END_CHOICES = ("ongoing", "not recorded")
# [site] settings for the About page, the citations and the absolute addresses (see docs/about-and-data.md).
SITE_TEXT_KEYS = ("keeper", "contact", "licence")
SITE_URL_KEYS = ("base_url", "licence_url")


class ArchiveNotFound(ArchiveError):
    """No archive folder could be found."""


class ConfigError(ArchiveError):
    """``archive.toml`` is unreadable or holds a bad value."""


@dataclass(frozen=True)
class SiteInfo:
    """``[site]``: who keeps the archive, under which licence, and where its published site lives.

    Every value may be empty: the About page then says the keeper has not stated it, the citations give
    record paths instead of addresses, and no ``sitemap.xml`` is written (it needs absolute URLs)."""

    base_url: str = ""  # "https://host/path/", always ending in "/", or ""
    keeper: str = ""
    contact: str = ""
    licence: str = ""
    licence_url: str = ""


@dataclass
class Archive:
    """A located archive folder and its settings."""

    root: Path
    title: str = "Living Archive"
    description: str = ""
    language: str = "en"
    database_url: str = ""
    records: RecordRules = field(default_factory=RecordRules)
    extra: dict = field(default_factory=dict)
    open_end: str = "ongoing"
    site: SiteInfo = field(default_factory=SiteInfo)

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def index_dir(self) -> Path:
        return self.root / INDEX_DIR_NAME

    @property
    def public_dir(self) -> Path:
        return self.root / "public"

    def db_url(self, override: str | None = None) -> str:
        """The database URL: ``--db`` first, then ``archive.toml``, then the SQLite file in the folder."""
        url = override or self.database_url
        if url:
            return url
        return f"sqlite:///{(self.root / DEFAULT_DB_NAME).as_posix()}"


def load_archive(root: Path) -> Archive:
    """Read ``archive.toml`` in ``root``."""
    path = root / CONFIG_NAME
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ArchiveNotFound(f"{root} is not an archive: it has no {CONFIG_NAME}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    except OSError as exc:  # a folder in its place, a permission taken away
        raise ConfigError(f"{path}: cannot read it: {exc.strerror}") from None
    section = data.get("archive", {})
    known = {"title", "description", "language", "database_url"}
    for key in known:
        if key in section and not isinstance(section[key], str):
            raise ConfigError(f"{path}: [archive] {key} must be a string")
    return Archive(
        root=root.resolve(),
        title=section.get("title", "Living Archive"),
        description=section.get("description", ""),
        language=section.get("language", "en"),
        database_url=section.get("database_url", ""),
        records=_record_rules(data.get("records", {}), path),
        extra={k: v for k, v in data.items() if k != "archive"},
        open_end=_open_end(data.get("site", {}), path),
        site=_site_info(data.get("site", {}), path),
    )


def _site_info(section: object, path: Path) -> SiteInfo:
    """``[site]`` keeper, contact, licence, licence_url and base_url, checked."""
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [site] must be a table")
    known = {*SITE_TEXT_KEYS, *SITE_URL_KEYS, "open_end", "language"}  # language: the interface (publish.i18n)
    for key in section:
        # Other settings may live here; a near miss of ours ("license", "baseurl") is a typo.
        if key not in known and (guess := _near(key, known)):
            raise ConfigError(f"{path}: [site] has no setting '{key}'; did you mean '{guess}'?")
    values: dict[str, str] = {}
    for key in (*SITE_TEXT_KEYS, *SITE_URL_KEYS):
        value = section.get(key, "")
        if not isinstance(value, str):
            raise ConfigError(f"{path}: [site] {key} must be a string")
        values[key] = value.strip()
    for key in SITE_URL_KEYS:
        values[key] = _site_url(values[key], key, path)
    if values["base_url"] and not values["base_url"].endswith("/"):
        values["base_url"] += "/"  # pages are joined to it: "https://host/memory" means the folder memory/
    return SiteInfo(**values)


def _site_url(value: str, key: str, path: Path) -> str:
    """An absolute http(s) address with no query, fragment, credentials or spaces; empty stays empty."""
    if not value:
        return ""
    example = "https://archive.example.org/" if key == "base_url" else "https://creativecommons.org/licenses/by/4.0/"
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        parts = None
    problem = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        problem = "must be an absolute http:// or https:// address"
    elif parts.query or value.rstrip().endswith("?"):
        problem = "must not have a query (?...)"
    elif parts.fragment or "#" in value:
        problem = "must not have a fragment (#...)"
    elif parts.username is not None or parts.password is not None:
        problem = "must not hold a user name or password"
    elif any(c.isspace() or ord(c) < 32 or c in '<>"{}|\\^`' for c in value):
        problem = "must not hold spaces, quotes or angle brackets (percent-encode them)"
    if problem:
        raise ConfigError(f"{path}: [site] {key} {problem}, such as \"{example}\", not {value!r}")
    return value


def _open_end(section: object, path: Path) -> str:
    """``[site] open_end``: "not recorded" where a data set records no ends, so none reads as ongoing."""
    value = section.get("open_end", OPEN_END_CHOICES[0]) if isinstance(section, dict) else OPEN_END_CHOICES[0]
    if value not in OPEN_END_CHOICES:
        raise ConfigError(f"{path}: [site] open_end must be one of "
                          f"{', '.join(repr(c) for c in OPEN_END_CHOICES)}, not {value!r}")
    return value


def _record_rules(section: object, path: Path) -> RecordRules:
    """``[records]``: the default visibility and the declared extra fields, for the archive and per type::

        [records]
        default_visibility = "restricted"
        extra_fields = ["case_number"]
        [records.struggle]
        default_visibility = "public"
    """
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [records] must be a table")
    visibility, extras = _rule_values(section, path, "[records]", allow_types=True)
    type_visibility: dict[str, str] = {}
    type_extras: dict[str, frozenset[str]] = {}
    for record_type in RECORD_TYPES:
        if record_type in section:
            table = section[record_type]
            if not isinstance(table, dict):
                raise ConfigError(f"{path}: [records.{record_type}] must be a table")
            own_visibility, own_extras = _rule_values(table, path, f"[records.{record_type}]", allow_types=False)
            if own_visibility:
                type_visibility[record_type] = own_visibility
            type_extras[record_type] = own_extras
    return RecordRules(default_visibility=visibility or DEFAULT_VISIBILITY, type_visibility=type_visibility,
                       extra_fields=extras, type_extra_fields=type_extras)


def _rule_values(table: dict, path: Path, where: str, *, allow_types: bool) -> tuple[str | None, frozenset[str]]:
    known = {"default_visibility", "extra_fields"} | (set(RECORD_TYPES) if allow_types else set())
    for key in table:
        # Other settings may live here too; a near miss of ours is a typo that would change what is public.
        if key not in known and (guess := _near(key, known)):
            raise ConfigError(f"{path}: {where} has no setting '{key}'; did you mean '{guess}'?")
    visibility = table.get("default_visibility")
    if visibility is not None and visibility not in VISIBILITIES:
        raise ConfigError(f"{path}: {where} default_visibility must be one of {', '.join(VISIBILITIES)}, "
                          f"not {visibility!r}")
    extras = table.get("extra_fields", [])
    if not isinstance(extras, list) or not all(isinstance(name, str) and name.strip() for name in extras):
        raise ConfigError(f"{path}: {where} extra_fields must be a list of field names")
    return visibility, frozenset(name.strip() for name in extras)


def _near(key: str, known: set[str]) -> str | None:
    from rapidfuzz.distance import OSA  # imported for a mistyped key only: every command reads this file

    close = sorted((OSA.distance(key.casefold().replace("-", "_"), name), name) for name in known)
    return close[0][1] if close and close[0][0] <= (2 if len(close[0][1]) >= 9 else 1) else None


def _records_section(rules: RecordRules) -> dict:
    section: dict = {"default_visibility": rules.default_visibility}
    if rules.extra_fields:
        section["extra_fields"] = sorted(rules.extra_fields)
    for record_type in RECORD_TYPES:
        table: dict = {}
        if record_type in rules.type_visibility:
            table["default_visibility"] = rules.type_visibility[record_type]
        if rules.type_extra_fields.get(record_type):
            table["extra_fields"] = sorted(rules.type_extra_fields[record_type])
        if table:
            section[record_type] = table
    return section


def write_config(archive: Archive) -> None:
    section = {
        "title": archive.title,
        "description": archive.description,
        "language": archive.language,
        "database_url": archive.database_url,
    }
    text = (
        "# Living Archive settings. database_url empty means the SQLite file archive.sqlite here;\n"
        "# a postgresql+psycopg:// URL puts the archive on PostgreSQL.\n"
        "# [records] default_visibility: what a record that says nothing about its visibility gets\n"
        "# (per type in [records.TYPE]); extra_fields: fields beyond the record format kept on purpose.\n"
        "# [site] open_end = \"not recorded\": pages say so of a start without an end, not \"ongoing\".\n"
        "# [site] base_url: the site's public address (absolute links, sitemap, citations); keeper, contact,\n"
        "# licence, licence_url: what the site's About page says (see docs/about-and-data.md).\n"
        "# See docs/record-format.md.\n"
    )
    import tomli_w  # only when the settings are written

    records = {**archive.extra.get("records", {}), **_records_section(archive.records)}
    text += tomli_w.dumps({"archive": section, **archive.extra, "records": records})
    archive.config_path.write_text(text, encoding="utf-8")


def find_archive(explicit: Path | None = None, cwd: Path | None = None) -> Archive:
    """Locate the archive: ``--archive`` first, then ``$ARCHIVE_DIR``, then walk up from ``cwd``."""
    if explicit is not None:
        return load_archive(explicit)
    env = os.environ.get(ENV_ARCHIVE_DIR)
    if env:
        return load_archive(Path(env))
    start = (cwd or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return load_archive(folder)
    raise ArchiveNotFound(
        f"no archive found in {start} or any folder above it; "
        f"run 'archive init PATH', or pass --archive PATH, or set {ENV_ARCHIVE_DIR}"
    )
