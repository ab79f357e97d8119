"""One error hierarchy for the whole application.

Services raise these; one handler in :mod:`govlotse.app` renders them as JSON for the API
and as an HTML page (or partial) for the web UI. Anything else is a bug and is logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from govlotse.i18n import N_


@dataclass
class FieldError:
    """A problem with one input field; ``loc`` is the field path, e.g. ``("budget_max",)``."""

    loc: tuple[str | int, ...]
    msg: str
    type: str = "value_error"
    params: dict[str, Any] | None = None

    @property
    def field(self) -> str:
        return ".".join(str(p) for p in self.loc)

    def as_dict(self, lang: str = "de") -> dict[str, Any]:
        from govlotse.i18n import translate

        msg = translate(self.msg, lang, **(self.params or {}))
        return {"loc": list(self.loc), "field": self.field, "msg": msg, "type": self.type}


class AppError(Exception):
    """Base of every expected error; ``code`` is machine-readable, ``detail`` is for people."""

    def __init__(self, detail: str = "error", *, status_code: int = 400, code: str = "error") -> None:
        super().__init__(detail)
        self.detail = detail
        self.status_code = status_code
        self.code = code

    def payload(self, lang: str = "de") -> dict[str, Any]:
        from govlotse.i18n import translate

        return {"error": self.code, "detail": translate(self.detail, lang)}


class NotFound(AppError):
    """Unknown id — or a record the actor may not see (hidden content answers 404, not 403)."""

    def __init__(self, resource: str, ident: object = None) -> None:
        detail = f"{resource} not found" if ident is None else f"{resource} {ident} not found"
        super().__init__(detail, status_code=404, code="not_found")
        self.resource = resource
        self.ident = ident


class Unauthorized(AppError):
    """The action needs a logged-in user."""

    def __init__(self, detail: str = "login required") -> None:
        super().__init__(detail, status_code=401, code="unauthorized")


class Forbidden(AppError):
    """The actor may see the record but not do this with it."""

    def __init__(self, detail: str = "not allowed") -> None:
        super().__init__(detail, status_code=403, code="forbidden")


class Conflict(AppError):
    """The record changed since it was read, or a unique value is taken."""

    def __init__(self, detail: str, *, current_version: int | None = None) -> None:
        super().__init__(detail, status_code=409, code="conflict")
        self.current_version = current_version

    def payload(self, lang: str = "de") -> dict[str, Any]:
        data = super().payload(lang)
        if self.current_version is not None:
            data["current_version"] = self.current_version
        return data


class Invalid(AppError):
    """Input that fails a business rule; carries field-level messages like a 422 from FastAPI."""

    def __init__(self, errors: list[FieldError] | str, detail: str = "invalid input") -> None:
        if isinstance(errors, str):
            errors = [FieldError(loc=(), msg=errors)]
        super().__init__(detail, status_code=422, code="invalid")
        self.errors = errors

    @classmethod
    def on(cls, name: str, msg: str, **params: Any) -> Invalid:
        """One message for one field; ``msg`` is a German source string with ``{placeholders}``."""
        return cls([FieldError(loc=(name,), msg=msg, params=params or None)])

    def payload(self, lang: str = "de") -> dict[str, Any]:
        return {"error": self.code, "detail": [e.as_dict(lang) for e in self.errors]}


class IllegalTransition(AppError):
    """A state change the transition table does not allow: names from, to and why.

    ``entity`` is a label group of :mod:`govlotse.web.labels` (``challenge_status``, ``stage``, ...),
    so that states are shown as people know them; ``reason`` is a German source string.
    """

    ENTITY_NAMES = {
        "challenge": N_("Bedarf"),
        "case": N_("Fall"),
        "exploration_run": N_("Markterkundung"),
        "article": N_("Artikel"),
    }
    STATE_LABELS = {
        "challenge": "challenge_status",
        "case": "stage",
        "exploration_run": "run_status",
        "article": "article_status",
    }

    def __init__(self, *, entity: str, from_state: str, to_state: str, reason: str, **params: Any) -> None:
        super().__init__(
            detail=f"{entity}: {from_state} → {to_state} is not allowed: {reason}",
            status_code=409,
            code="illegal_transition",
        )
        self.entity = entity
        self.from_state = str(from_state)
        self.to_state = str(to_state)
        self.reason = reason
        self.params = params

    def message(self, lang: str = "de") -> str:
        from govlotse.i18n import translate
        from govlotse.web.labels import label

        group = self.STATE_LABELS.get(self.entity, "")

        def state(value: str) -> str:
            shown = label(group, value, lang)
            return translate(shown, lang) if shown == value else shown

        return translate(
            "{entity}: Der Schritt von „{from_state}“ zu „{to_state}“ ist nicht möglich: {reason}",
            lang,
            entity=translate(self.ENTITY_NAMES.get(self.entity, self.entity), lang),
            from_state=state(self.from_state),
            to_state=state(self.to_state),
            reason=translate(self.reason, lang, **self.params),
        )

    def payload(self, lang: str = "de") -> dict[str, Any]:
        from govlotse.i18n import translate

        return {
            "error": self.code,
            "detail": self.message(lang),
            "from": self.from_state,
            "to": self.to_state,
            "reason": translate(self.reason, lang, **self.params),
        }
