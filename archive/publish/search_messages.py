"""The browser search's words, in the site's language: ``assets/messages.js``.

``site/search.js`` looks every word up with ``t("key")`` (``t("key", n)`` for a count). The build writes
this file from the same gettext catalog as the pages, as a plain script that sets ``LA.i18n`` (loaded by
``search.html`` before ``search.js``: no inline script, and it works from ``file://`` where ``fetch`` is
refused). A plural is written out per CLDR plural category (``one``, ``two``, ``few``, ``many``, ``other``,
``zero``) and ``search.js`` picks one with the browser's ``Intl.PluralRules``, so Arabic's six forms are
right without evaluating gettext's plural expression in the page.
"""

from __future__ import annotations

import json

from archive.publish.i18n import N_, Interface, Nn_

# key -> msgid, or (singular, plural) for a count ("%(n)s" is the number).
SEARCH_MESSAGES: dict[str, str | tuple[str, str]] = {
    "searching": N_("Searching…"),
    "no_results": N_("No results."),
    "results": Nn_("%(n)s result", "%(n)s results"),
    "best_results": N_("Best results"),
    # After the count: "12 results; showing 10."
    "showing": Nn_("; showing %(n)s.", "; showing %(n)s."),
    "more_results": N_("More results"),
    "index_missing": N_("The search index is missing; rebuild the site."),
    "did_you_mean": N_("Did you mean"),
    # A query the site cannot read; "%(detail)s" is the part of the query at fault.
    "error_fuzzy": N_("Fuzzy search (word~) works in archive search, not on this site; try the word or a prefix "
                      "such as strik*."),
    "error_leading": N_("A wildcard needs at least one letter before it (strik*, w?lkout)."),
    "error_date": N_("Cannot read %(detail)s as a date; write 2020, 2020-05 or 2020-05-01."),
    "error_range": N_("Cannot read the range %(detail)s; write it as date:[2020-05-01 to 2020-06-30] (either end "
                      "may be left out)."),
    "error_unsupported": N_("This site cannot search %(detail)s."),
}


def search_messages(ui: Interface) -> dict[str, object]:
    """The language's code and direction, and each message translated (plurals by CLDR category)."""
    samples = ui.plural_samples()
    messages: dict[str, object] = {}
    for key, message in SEARCH_MESSAGES.items():
        if isinstance(message, tuple):
            messages[key] = {category: ui.ngettext(message[0], message[1], n) for category, n in samples.items()}
        else:
            messages[key] = ui.gettext(message)
    return {"lang": ui.language, "dir": ui.direction, "messages": messages}


def search_messages_script(ui: Interface) -> bytes:
    # ensure_ascii: the file is plain ASCII whatever the language, and "</script>" cannot appear in it.
    payload = json.dumps(search_messages(ui), ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    return f"(window.LA = window.LA || {{}}).i18n = {payload};\n".encode("ascii")
