"""Snippets are cut from the text a reader sees, not the Markdown source (issue 15)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from archive.cli import cli
from archive.search.snippets import markdown_text, readable_body

BODY = ("The **laundry** room on the _third_ floor flooded.\n\n"
        "- [Leaflet](https://example.org/leaflet) handed out\n- `rota` posted\n\n"
        "# Aftermath\n\nWorkers met in the canteen &amp; kitchen.\n")


def test_markdown_text_is_what_a_reader_sees() -> None:
    assert markdown_text(BODY) == ("The laundry room on the third floor flooded. Leaflet handed out rota posted "
                                   "Aftermath Workers met in the canteen & kitchen.")
    assert markdown_text("<script>alert(1)</script> a <b>b</b>") == "<script>alert(1)</script> a <b>b</b>"
    assert readable_body({"body": "**a**", "demands": ["*pay*", "hours"]}) == "a\n\npay\nhours"


def test_json_snippets_mark_matches_without_markdown(archive, write) -> None:
    path = write("a.md", f"---\ntitle: The flood\n---\n{BODY}")
    run = CliRunner().invoke
    assert run(cli, ["--archive", str(archive.root), "ingest", "--set", "visibility=public", str(path)]).exit_code == 0
    for public in ([], ["--public"]):
        result = run(cli, ["--archive", str(archive.root), "search", "laundry", "--json", *public])
        snippet = json.loads(result.output)[0]["snippet"]
        assert "The **laundry** room on the third floor" in snippet, snippet
        assert "****" not in snippet and "_third_" not in snippet and "](" not in snippet
