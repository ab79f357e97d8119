"""Validation messages people can act on, in German and English.

Pydantic's own messages are English and technical; every error type we expect gets a German
source text here (translated via ``locales/en.json``). Custom rules raise :func:`error` with a
type registered in :data:`CUSTOM`, so their text can be translated too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic_core import PydanticCustomError

from govlotse.i18n import translate

BUILTIN: dict[str, str] = {
    "missing": "Bitte ausfüllen.",
    "string_too_short": "Bitte mindestens {min_length} Zeichen eingeben.",
    "string_too_long": "Bitte höchstens {max_length} Zeichen eingeben.",
    "string_pattern_mismatch": "Das Format ist ungültig.",
    "string_type": "Bitte einen Text angeben.",
    "int_parsing": "Bitte eine ganze Zahl angeben.",
    "int_type": "Bitte eine ganze Zahl angeben.",
    "int_from_float": "Bitte eine ganze Zahl angeben.",
    "float_parsing": "Bitte eine Zahl angeben.",
    "greater_than_equal": "Der Wert muss mindestens {ge} sein.",
    "greater_than": "Der Wert muss größer als {gt} sein.",
    "less_than_equal": "Der Wert darf höchstens {le} sein.",
    "less_than": "Der Wert muss kleiner als {lt} sein.",
    "enum": "Bitte einen der erlaubten Werte wählen: {expected}.",
    "literal_error": "Bitte einen der erlaubten Werte wählen: {expected}.",
    "date_parsing": "Bitte ein gültiges Datum angeben (JJJJ-MM-TT).",
    "date_from_datetime_parsing": "Bitte ein gültiges Datum angeben (JJJJ-MM-TT).",
    "date_from_datetime_inexact": "Bitte ein Datum ohne Uhrzeit angeben.",
    "date_type": "Bitte ein gültiges Datum angeben (JJJJ-MM-TT).",
    "datetime_parsing": "Bitte einen gültigen Zeitpunkt angeben.",
    "bool_parsing": "Bitte ja oder nein angeben.",
    "bool_type": "Bitte ja oder nein angeben.",
    "extra_forbidden": "Dieses Feld ist unbekannt.",
    "json_invalid": "Der Inhalt ist kein gültiges JSON.",
    "list_type": "Bitte eine Liste angeben.",
    "dict_type": "Bitte ein Objekt angeben.",
    "model_attributes_type": "Bitte ein Objekt angeben.",
    "model_type": "Bitte ein Objekt angeben.",
    "value_error": "Der Wert ist ungültig.",
    "too_long": "Bitte höchstens {max_length} Einträge angeben.",
}

CUSTOM: dict[str, str] = {
    "url": "Bitte eine vollständige Adresse mit https:// angeben.",
    "year": "Bitte ein Jahr zwischen 1800 und dem laufenden Jahr angeben.",
    "agency_type_missing": "Für Behörden ist die Art (Behörde, Bezirksamt, Landesbetrieb) anzugeben.",
    "budget": "Bitte einen Betrag zwischen 0 und 1.000.000.000 € angeben.",
    "budget_order": "Das Budget-Maximum muss mindestens so hoch sein wie das Minimum.",
    "special_without_personal": (
        "Besondere Kategorien (Art. 9 DSGVO) sind personenbezogene Daten: "
        "bitte auch „personenbezogene Daten“ ankreuzen."
    ),
    "unknown_code": "Unbekannter Wert: {values}. Erlaubt: {allowed}",
    "email": "Bitte eine gültige E-Mail-Adresse angeben.",
}

# Where FastAPI puts the part of the request a field came from; not part of the field name.
_LOC_PREFIXES = {"body", "query", "path", "header", "cookie", "form"}


def error(type_: str, **ctx: Any) -> PydanticCustomError:
    """A validation error of a registered custom type (raise it inside a validator)."""
    return PydanticCustomError(type_, CUSTOM[type_], ctx or None)


def message(err: Mapping[str, Any], lang: str = "de") -> str:
    """The text for one Pydantic error dict, in ``lang``."""
    type_ = str(err.get("type", "value_error"))
    ctx = {k: _show(v) for k, v in (err.get("ctx") or {}).items()}
    template = CUSTOM.get(type_) or BUILTIN.get(type_)
    if type_ == "value_error" and "email" in str(err.get("msg", "")).lower():
        template = CUSTOM["email"]
    if template is None:
        return translate(str(err.get("msg", "")), lang)
    return translate(template, lang, **ctx)


def _show(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("'", "")
    return value


def field_name(loc: Sequence[str | int]) -> str:
    parts = list(loc)
    # FastAPI puts where a value came from first ("body", "title"); a form field may itself be called "body".
    if len(parts) > 1 and parts[0] in _LOC_PREFIXES:
        parts = parts[1:]
    return ".".join(str(p) for p in parts) or "__root__"


def translate_errors(errors: Iterable[Mapping[str, Any]], lang: str = "de") -> list[dict[str, Any]]:
    """Pydantic errors as ``{loc, field, msg, type}`` with people-readable messages."""
    return [
        {
            "loc": list(e.get("loc", ())),
            "field": field_name(e.get("loc", ())),
            "msg": message(e, lang),
            "type": e.get("type", "value_error"),
        }
        for e in errors
    ]
