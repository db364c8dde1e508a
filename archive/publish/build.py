"""``archive build``: gather the public projection, plan every file, then write.

As in mkdocs and Pelican, nothing is written until everything has been read and every page planned, so
no page is written while a link is unresolved. Output depends only on the store and the templates (and
``today``, which decides embargoes), never on the clock or the order rows come back in.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import hashlib
import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape
from sqlalchemy import Engine

from archive.continuity.lessons import LessonsError, load_vocabulary
from archive.dates import sort_key
from archive.ingest.demands import SynonymsError, load_synonyms
from archive.ingest.redaction import RedactionError, load_redactions
from archive.public.state import projection_state
from archive.publish import i18n
from archive.publish.attachments import MediaPlan, media_files, plan_media
from archive.publish.cache import CACHE_NAME, BuildCache
from archive.publish.citation import archive_citation, record_citation
from archive.publish.downloads import Download, download_files
from archive.publish.feeds import atom_feed, sitemap
from archive.publish.incremental import Deferred, fingerprint, templates_salt
from archive.publish.model import SiteData, gather_published
from archive.publish.output import ALLOWED_SIGNERS, PUBLIC_KEY, SiteError, WriteReport, check_output_folder, write_site
from archive.publish.pages import Page, Planner
from archive.publish.paths import TYPES, display_name, index_path, item_path
from archive.publish.search_messages import search_messages_script
from archive.publish.searchindex import search_files
from archive.publish.timeline import timeline_svg
from archive.resources import resource_dir
from archive.store.config import Archive
from archive.trust import signing
from archive.trust.fixity import check_published, current_anchor

# Only the site's own files: no inline script or style, no other origin. 'self' covers file:// too.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'")


class UnverifiedRecords(SiteError):
    """Records to be published whose content no longer matches its hash; nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        shown = "\n  ".join(problems[:PROBLEMS_SHOWN])
        more = f"\n  ... and {len(problems) - PROBLEMS_SHOWN} more" if len(problems) > PROBLEMS_SHOWN else ""
        super().__init__(f"{len(problems)} record(s) to be published failed their fixity check, so nothing was "
                         f"published:\n  {shown}{more}\nFind out what changed them ('archive verify', 'archive "
                         "show'), ingest the right version again, or publish anyway with --allow-unverified.")
        self.problems = problems


PROBLEMS_SHOWN = 20


@dataclass
class BuildReport:
    out: Path
    pages: int
    records: int
    write: WriteReport
    seconds: float
    # Records the public projection left out, by reason (archive.public.REASONS), so an empty site is
    # never a surprise.
    left_out: dict[str, int] = field(default_factory=dict)
    signer: str = ""  # the fingerprint of the key that signed the manifest
    unverified: list[str] = field(default_factory=list)  # published anyway (--allow-unverified)
    media_refused: list[str] = field(default_factory=list)  # attachments that could not be cleaned: not published
    language: str = i18n.SOURCE_LANGUAGE  # the interface's language
    notices: list[str] = field(default_factory=list)  # what the reader should know (no catalog, no sitemap)


NO_SITEMAP = ("No sitemap.xml: the sitemap protocol needs absolute addresses; set [site] base_url in "
              "archive.toml (the site's public address) to get one, and absolute links in the feed and citations.")


# Record fields holding a date, written in words on the page (in the interface's locale, at their precision).
DATE_FIELDS = frozenset({"date", "recorded", "start", "end", "founded", "dissolved"})


def _site_section(archive: Archive) -> dict[str, Any]:
    return archive.extra.get("site", {}) if isinstance(archive.extra.get("site"), dict) else {}


def site_interface(archive: Archive, language: str | None = None) -> tuple[i18n.Interface, str | None]:
    """The interface language: ``language`` (``--lang``), else ``[site] language``, else the archive's
    ``language`` when a catalog exists for it, else English; and the notice saying when that fell back."""
    requested = language or _site_section(archive).get("language") or None
    chosen, notice = i18n.choose_language(str(requested) if requested else None, archive.language)
    return i18n.interface(chosen), notice


def make_environment(archive: Archive, cache: BuildCache | None = None,
                     ui: i18n.Interface | None = None) -> Environment:
    """Templates from ``ARCHIVE/templates`` first, then the bundled ones, so a user can override any page.

    Every interface string goes through ``ui``'s gettext catalog (Jinja's i18n extension, new style: the
    ``%(name)s`` placeholders are filled and escaped by Jinja)."""
    ui = ui or site_interface(archive)[0]
    loader = ChoiceLoader([FileSystemLoader(archive.root / "templates"), FileSystemLoader(resource_dir("templates"))])
    env = Environment(loader=loader, autoescape=select_autoescape(["html", "xml", "svg"], default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                      auto_reload=False, extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(ui.translations, newstyle=True)  # type: ignore[attr-defined]
    cache = cache or BuildCache()
    env.filters["markdown"] = cache.markdown
    env.filters["snippet"] = cache.snippet
    env.filters["date_words"] = ui.date
    env.filters["num"] = ui.number
    env.filters["reason"] = i18n.reason
    env.filters["language_name"] = i18n.language_name

    def content_lang(language: str | None) -> Markup:
        """``lang`` (and ``dir``) for text whose language differs from the interface's."""
        if not language or language == ui.language:
            return Markup("")
        direction = i18n.text_direction(language) or "ltr"
        extra = f' dir="{direction}"' if direction != ui.direction else ""
        return Markup(f' lang="{escape(language)}"{extra}')

    site = site_settings(archive, ui)
    # A record's citation reads only the record and the [site] settings, both in the page's fingerprint.
    env.globals.update(item_path=item_path, index_path=index_path, display_name=display_name, TYPES=TYPES, csp=CSP,
                       continuity_views=True,
                       ui=ui, content_lang=content_lang, date_fields=DATE_FIELDS, media=MediaPlan(),
                       cite=lambda item: record_citation(item, site))
    return env


def site_settings(archive: Archive, ui: i18n.Interface | None = None) -> dict[str, Any]:
    """The ``[site]`` and ``[archive]`` settings the templates read (checked in ``archive.store.config``).

    ``language`` is the interface's; ``content_language`` the archive's own (its title, description)."""
    info = archive.site
    ui = ui or site_interface(archive)[0]
    return {"title": archive.title, "description": archive.description, "language": ui.language,
            "content_language": archive.language, "base_url": info.base_url, "open_end": archive.open_end,
            "keeper": info.keeper, "contact": info.contact, "licence": info.licence, "licence_url": info.licence_url}


def _last_year(data: SiteData) -> int | None:
    years = [sort_key(i.date)[0] for items in data.items.values() for i in items.values() if i.date]
    return max(years) if years else None


_ = i18n.gettext


def plan(archive: Archive, data: SiteData, continuity: bool = True, downloads: list[Download] | None = None,
         signer: str = "") -> tuple[list[Page], Planner]:
    """Every HTML page of the site, planned before anything is written.

    ``continuity=False`` leaves out the views that join records across waves (lineage, earlier struggles,
    demands, lessons, articulation maps); the site benchmark measures what they cost. ``downloads`` and
    ``signer`` (the signing key's fingerprint) are what the About page says of the data and the manifest."""
    planner = Planner(data, continuity=continuity, vocabulary=load_vocabulary(archive.root),
                      demand_synonyms=load_synonyms(archive.root))
    home = planner.home_context()
    waves = home["waves"]
    dated = data.of_type("struggle") + data.of_type("account")
    last_year = _last_year(data)
    pages = [
        Page("index.html", "home.html", {**home, "title": archive.title, "crumbs": [],
                                         "timeline": lambda root: timeline_svg(waves, dated, root, last_year)}),
        Page("search.html", "search.html", {"title": _("Search"), "crumbs": [(_("Search"), None)], "waves": waves}),
        Page("404.html", "404.html", {"title": _("Page not found"), "crumbs": [(_("Not found"), None)]}),
        Page("about.html", "about.html", {"title": _("About this archive"), "crumbs": [(_("About"), None)],
                                          "counts": home["counts"], "downloads": downloads or [],
                                          "signer": signer, "citation": archive_citation(site_settings(archive))}),
    ]
    for page in planner.pages():
        if page.path == index_path("wave"):
            page.context["timeline"] = lambda root: timeline_svg(waves, dated, root, last_year)
        pages.append(page)
    return pages, planner


def render_files(env: Environment, archive: Archive, data: SiteData, pages: list[Page],
                 cache: BuildCache, data_files: list[tuple[str, bytes | Deferred]] | None = None,
                 ) -> Iterator[tuple[str, bytes | Deferred]]:
    """Render pages, feed, sitemap, downloads, search shards and assets, one file at a time.

    A page whose fingerprint matches the last build's is handed on unrendered (``Deferred``): the writer
    renders it only if the output folder does not already hold its bytes."""
    ui = env.globals["ui"]
    assert isinstance(ui, i18n.Interface)
    site = site_settings(archive, ui)
    media = env.globals.get("media")
    assert media is None or isinstance(media, MediaPlan)
    # The catalog's hash: a page whose context is unchanged is rendered again when its translation changes.
    salt = templates_salt([archive.root / "templates", resource_dir("templates")],
                          {"site": site, "csp": CSP, "views": env.globals.get("continuity_views"),
                           "catalog": ui.digest, "media": media.state() if media is not None else None})

    def render(page: Page, print_: str | None) -> bytes:
        template = env.get_template(page.template)
        root = "../" * page.path.count("/")
        if page.path == "404.html" and site["base_url"]:
            # A host serves 404.html at any depth: only absolute links work there, when the address is known.
            root = site["base_url"]
        # ``lang``: the content's language, for templates an archive overrides (the bundled ones use ``site``).
        html = template.render(page.context, site=site, root=root, path=page.path,
                               lang=page.language or site["content_language"])
        out = html.encode("utf-8")
        if print_:
            cache.set_page(page.path, print_, hashlib.sha256(out).hexdigest(), len(out))
        return out

    for page in pages:
        print_ = fingerprint(salt, page.path, page.template, page.context, page.language)
        known = cache.page(page.path) if print_ else None
        if known and known[0] == print_:
            cache.set_page(page.path, *known)
            yield page.path, Deferred(known[1], known[2], functools.partial(render, page, print_))
        else:
            yield page.path, render(page, print_)
    feed_title = ui.gettext("%(site)s: recent accounts") % {"site": site["title"]}
    yield "feed.xml", atom_feed(data.of_type("account"), feed_title, site["base_url"], site["language"]).encode()
    site_map = sitemap([p.path for p in pages if p.path != "404.html"], site["base_url"])
    if site_map is not None:
        yield "sitemap.xml", site_map.encode()
    yield from data_files if data_files is not None else download_files(data, site)[0]
    yield from search_files(data, cache)
    assets = resource_dir("site")
    for asset in sorted(p for p in assets.rglob("*") if p.is_file() and not p.name.startswith(".")):
        yield f"assets/{asset.relative_to(assets).as_posix()}", asset.read_bytes()
    yield "assets/messages.js", search_messages_script(ui)


def build(archive: Archive, engine: Engine, out: Path | None = None, today: dt.date | None = None,
          continuity: bool = True, allow_unverified: bool = False, language: str | None = None) -> BuildReport:
    """Publish the archive's public records as a static site in ``out`` (default ``ARCHIVE/public``).

    ``language`` chooses the interface's language (see ``site_interface``); an unknown one is an error
    that lists the available languages, raised before anything is read or written.

    Every record to be published must still match its content hash, or nothing is written (unless
    ``allow_unverified``). The manifest is signed with the archive's key, made on the first build."""
    started = time.perf_counter()
    # A relative path is taken from the current folder; a link to a folder publishes into its target.
    out = (out or archive.public_dir).resolve()
    check_output_folder(out)
    ui, notice = site_interface(archive, language)
    try:
        public_state = _public_search_state(archive, engine, today)
        data = gather_published(engine, archive.root, today)
        load_vocabulary(archive.root)  # a bad lessons.yaml or demands.yaml stops the build before any write
        load_synonyms(archive.root)
    except (RedactionError, LessonsError, SynonymsError) as exc:
        raise SiteError(str(exc)) from None
    unverified = check_published(engine, [i.id for items in data.items.values() for i in items.values()
                                          if not i.is_stub])
    if unverified and not allow_unverified:
        raise UnverifiedRecords(unverified)
    try:
        key = signing.ensure_key(archive.root)
    except signing.SigningError as exc:
        raise SiteError(str(exc)) from None
    with engine.connect() as conn:
        anchor = current_anchor(conn)
    public = key.public_key()
    signing_files = [(ALLOWED_SIGNERS, signing.allowed_signers(public).encode("ascii")),
                     (PUBLIC_KEY, (signing.public_key_line(public) + "\n").encode("ascii"))]
    manifest_fields = {"fixity_log": anchor.sealed(signing.seal_key(key)), "signed_by": signing.fingerprint(public)}
    # The gathered records live until the build ends: keep the collector from walking them over and over.
    gc.collect()
    gc.freeze()
    try:
        with i18n.using(ui):
            cache = BuildCache(archive.root / CACHE_NAME)
            data_files, downloads = download_files(data, site_settings(archive, ui), cache)
            pages, _planner = plan(archive, data, continuity, downloads, signing.fingerprint(public))
            media = plan_media(data, archive.root)
            env = make_environment(archive, cache, ui)
            env.globals["continuity_views"] = continuity
            env.globals["media"] = media
            files = itertools.chain(render_files(env, archive, data, pages, cache, data_files), media_files(media),
                                    signing_files)
            report = write_site(out, files, manifest_fields=manifest_fields,
                                sign=functools.partial(signing.sign, key))
        cache.save()
    finally:
        gc.unfreeze()
    if public_state is not None:
        from archive.search.public_index import keep_current  # Whoosh, only once the site is written

        keep_current(archive.index_dir, engine, graph=data, state=public_state, create=True)
    return BuildReport(out, len(pages), data.count(), report, time.perf_counter() - started, data.left_out,
                       signing.fingerprint(public), unverified, media.refused, ui.language,
                       ([notice] if notice else []) + ([] if archive.site.base_url else [NO_SITEMAP]))


def _public_search_state(archive: Archive, engine: Engine, today: dt.date | None) -> str | None:
    """The projection's state, read before it is loaded, so that the build can hand the projection to
    ``archive search --public``'s index (None for a build as of another day than today)."""
    if today not in (None, dt.date.today()):
        return None
    with engine.connect() as conn:
        return projection_state(conn, today, load_redactions(archive.root))
