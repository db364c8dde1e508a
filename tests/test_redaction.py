"""Real names become pseudonyms in published text and slugs."""

from __future__ import annotations

import pytest

from archive.ingest.redaction import WITHHELD, RedactionError, Redactor, load_redactions, parse_redactions
from archive.store.ingest import ingest
from tests.helpers import get


def test_names_are_replaced_whole_word_case_and_whitespace_insensitive():
    redactor = Redactor({"Ana Lopez": "Compañera A.", "Ana": "A.", "Jo Smith": WITHHELD})
    text = "ana  lopez spoke; Ana\nLopez again. Banana. Ana alone. JO SMITH left."
    assert redactor.text(text) == ("Compañera A. spoke; Compañera A. again. Banana. A. alone. "
                                   "[name withheld] left.")


def test_slugs_are_redacted():
    redactor = Redactor({"Ana Lopez": "Compañera A."})
    assert redactor.slug("interview-with-ana-lopez-1977") == "interview-with-companera-a-1977"
    assert redactor.slug("banana-lopezville") == "banana-lopezville"


def test_record_list_adds_to_the_archive_file(tmp_path):
    (tmp_path / "redactions.yaml").write_text("Maria Ruiz: M.\nPedro Gil:\n", encoding="utf-8")
    names = load_redactions(tmp_path)
    assert names == {"Maria Ruiz": "M.", "Pedro Gil": WITHHELD}
    redactor = Redactor(names).with_record(parse_redactions("Luis Soto=L.;Eva"))
    assert redactor.text("Maria Ruiz, Pedro Gil, Luis Soto and Eva") == "M., [name withheld], L. and [name withheld]"
    assert redactor.value(["Luis Soto led", {"x": "Eva"}]) == ["L. led", {"x": WITHHELD}]


def test_bad_redactions(tmp_path):
    (tmp_path / "redactions.yaml").write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(RedactionError, match="redactions.yaml"):
        load_redactions(tmp_path)
    with pytest.raises(RedactionError, match="too short"):
        parse_redactions({"A": "B"})


def test_ingest_accepts_redactions_consent_and_embargo(engine, write):
    path = write("t.md", "---\ntitle: Testimony\nconsent: given\nconsent_scope: publish with pseudonym\n"
                         "consent_date: 2024-03\nembargo_until: 2030-06\nredactions:\n  Maria Ruiz: M.\n---\n"
                         "Maria Ruiz organised the canteen.\n")
    assert ingest(engine, [path]).errors == []
    record = get(engine, "account", "testimony")
    assert (record.consent, record.consent_scope, record.consent_date) == ("given", "publish with pseudonym", "2024-03")
    assert record.embargo_until.isoformat() == "2030-06-30"
    assert record.extra["redactions"] == {"Maria Ruiz": "M."}
    bad = write("b.md", "---\ntitle: B\nredactions: {X: y}\n---\n")
    assert str(ingest(engine, [bad]).errors[0]) == (
        f"{bad}:3: field 'redactions': redactions: the name 'X' is too short to redact safely")
