"""German-first translations.

Source strings are German (the language of the administration); ``locales/en.json`` maps each
to English. A test checks that every string marked for translation has an English entry.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"


@cache
def _catalog(lang: str) -> dict[str, str]:
    if lang == "de":
        return {}
    text = resources.files("govlotse").joinpath(f"locales/{lang}.json").read_text(encoding="utf-8")
    data: dict[str, str] = json.loads(text)
    return data


def translate(text: str, lang: str = DEFAULT_LANGUAGE, /, **params: Any) -> str:
    """Return ``text`` in ``lang`` with ``{placeholders}`` filled from ``params``."""
    if lang != "de":
        text = _catalog(lang).get(text, text)
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def is_source(text: str) -> bool:
    """Whether ``text`` is a German UI string of the catalogue (and so fit to show to a user)."""
    return text in _catalog("en")


def negotiate(accept_language: str | None, explicit: str | None = None) -> str:
    """Pick the UI language: an explicit choice wins, else the Accept-Language header, else German."""
    if explicit in LANGUAGES:
        return explicit
    if accept_language:
        for part in accept_language.split(","):
            code = part.split(";")[0].strip().lower()[:2]
            if code in LANGUAGES:
                return code
    return DEFAULT_LANGUAGE


def N_(text: str) -> str:
    """Mark a German source string for the catalogue where it is defined; translate it when shown."""
    return text
