"""German first, English complete: every string marked for translation has an English entry."""

from __future__ import annotations

import json
import re

from govlotse.i18n import negotiate, translate
from govlotse.i18n_catalog import all_strings, missing, package_root


def test_every_marked_string_has_an_english_translation() -> None:
    assert missing("en") == []


def test_translations_keep_their_placeholders() -> None:
    catalog = json.loads((package_root() / "locales" / "en.json").read_text(encoding="utf-8"))
    placeholder = re.compile(r"{(\w*)}")
    for german, english in catalog.items():
        assert english.strip(), german
        assert sorted(placeholder.findall(german)) == sorted(placeholder.findall(english)), german


def test_catalog_has_no_stale_entries() -> None:
    catalog = json.loads((package_root() / "locales" / "en.json").read_text(encoding="utf-8"))
    stale = set(catalog) - all_strings()
    assert not stale, sorted(stale)[:20]


def test_translate_and_negotiate() -> None:
    assert translate("Bedarfe", "de") == "Bedarfe"
    assert translate("Bedarfe", "en") == "Needs"
    assert translate("Seite {page} von {pages}", "en", page=2, pages=5) == "Page 2 of 5"
    assert negotiate("en-GB,en;q=0.9") == "en"
    assert negotiate("fr-FR") == "de"
    assert negotiate("en", explicit="de") == "de"
