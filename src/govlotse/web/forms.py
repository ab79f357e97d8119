"""HTML form handling: CSRF check, form data to schema input, errors to messages per field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from govlotse.config import settings
from govlotse.core.security import same
from govlotse.core.validation import translate_errors
from govlotse.errors import Conflict, Forbidden, Invalid
from govlotse.i18n import translate
from govlotse.web.render import CSRF_COOKIE, CSRF_FIELD

S = TypeVar("S", bound=BaseModel)
T = TypeVar("T")

# Key in a form's errors that marks an edit conflict (the template then shows stored values).
CONFLICT = "__conflict__"


class FormError(Exception):
    """A form that failed validation: messages per field, and what the user typed (to keep it)."""

    def __init__(self, errors: dict[str, str], values: dict[str, Any]) -> None:
        super().__init__("form invalid")
        self.errors = errors
        self.values = values


FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_FORM = "form"  # key in request.state


async def parse_form(request: Request) -> None:
    """App-wide dependency: parse a posted form before the handler runs.

    Handlers are plain ``def`` functions so that FastAPI runs them in its thread pool: their database work
    and password hashing block, and on the event loop one waiting request would stall every other request
    of the worker — with PostgreSQL row locks, for ever (one request waits for a lock whose holder can never
    commit). Reading the body is the only thing that needs ``await``; it happens here. A body far larger
    than any form may be (the largest attachment plus 1 MB) is refused before it is read.
    """
    content_type = request.headers.get("content-type", "")
    if request.method not in ("POST", "PUT", "PATCH", "DELETE") or not content_type.startswith(FORM_CONTENT_TYPES):
        return
    declared = request.headers.get("content-length", "")
    length = int(declared) if declared.isdigit() else 0
    if length > (settings.attachment_max_mb + 1) * 1024 * 1024:
        from govlotse.knowledge.history import TOO_LARGE  # the one message for a too large upload

        raise Invalid.on("file", TOO_LARGE, mb=settings.attachment_max_mb)
    setattr(request.state, _FORM, await request.form())


def posted_form(request: Request) -> FormData:
    """The form parsed by :func:`parse_form` (an empty one if nothing was posted as a form)."""
    form = getattr(request.state, _FORM, None)
    return form if form is not None else FormData()


def read_form(request: Request, *, lists: tuple[str, ...] = ()) -> dict[str, Any]:
    """The posted form as a dict (``lists`` keep every value); refuses a missing or wrong CSRF token."""
    form = posted_form(request)
    token = str(form.get(CSRF_FIELD, ""))
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not token or not cookie or not same(token, cookie):
        raise Forbidden(
            translate(
                "Das Formular ist abgelaufen. Bitte laden Sie die Seite neu und senden Sie es erneut.",
                getattr(request.state, "lang", "de"),
            )
        )
    data: dict[str, Any] = {}
    for key in form:
        if key == CSRF_FIELD:
            continue
        values = [v for v in form.getlist(key) if isinstance(v, str)]
        data[key] = values if key in lists else (values[-1] if values else "")
    for key in lists:
        data.setdefault(key, [])
    return data


def checkbox(data: dict[str, Any], *names: str) -> None:
    """Unchecked boxes are not posted at all; turn presence into True/False."""
    for name in names:
        data[name] = name in data and data[name] not in ("", "0", "false", "off")


def default_owner(data: dict[str, Any], candidates: list[Any]) -> None:
    """People who act for exactly one organisation file records for it without choosing."""
    if not data.get("organisation_id") and len(candidates) == 1:
        data["organisation_id"] = candidates[0].id


def validate(schema: type[S], data: dict[str, Any], lang: str) -> S:
    """Build ``schema`` from form data or raise :class:`FormError` with translated messages."""
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise FormError(errors_by_field(translate_errors(exc.errors(), lang)), data) from None


def errors_by_field(errors: list[dict[str, Any]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for e in errors:
        field = e["field"].split(".")[0]
        out.setdefault(field, e["msg"])
    return out


def from_invalid(exc: Invalid, data: dict[str, Any], lang: str) -> FormError:
    """A service's business-rule error as a form error on the named fields."""
    return FormError({(e.field or "__root__"): e.as_dict(lang)["msg"] for e in exc.errors}, data)


def submit(
    request: Request,
    *,
    schema: type[S],
    save: Callable[[S], T],
    redirect_to: Callable[[T], str],
    rerender: Callable[[dict[str, Any], dict[str, str], int], Response],
    lists: tuple[str, ...] = (),
    checkboxes: tuple[str, ...] = (),
    prepare: Callable[[dict[str, Any]], None] | None = None,
) -> Response:
    """The whole POST cycle of an HTML form.

    Validate, save through the service, redirect on success (no resubmission on reload);
    on any input error or edit conflict show the form again with the user's input kept.
    """
    lang = getattr(request.state, "lang", "de")
    data = read_form(request, lists=lists)
    checkbox(data, *checkboxes)
    if prepare:
        prepare(data)
    try:
        result = save(validate(schema, data, lang))
    except FormError as exc:
        return rerender(exc.values, exc.errors, 422)
    except Invalid as exc:
        err = from_invalid(exc, data, lang)
        return rerender(err.values, err.errors, 422)
    except Conflict as exc:
        msg = translate(
            "Jemand anderes hat diesen Datensatz gespeichert, während Sie ihn bearbeitet haben. "
            "Ihre Eingaben sind unten erhalten; bei Feldern mit anderem Stand steht "
            "der gespeicherte Wert darunter. Wenn Sie jetzt erneut speichern, "
            "ersetzen Ihre Eingaben den gespeicherten Stand.",
            lang,
        )
        if exc.current_version is not None:
            # The next save is a deliberate decision taken with the other change in view.
            data["version"] = exc.current_version
        return rerender(data, {CONFLICT: msg}, 409)
    return RedirectResponse(redirect_to(result), status_code=303)


def parse_int(value: Any) -> int | None:
    """A whole number from a form field (a version, a grade, a score), or None if it is not one."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def savepoint(session: Any, action: Callable[[], T]) -> T:
    """Run a service call so that a refused change leaves nothing half-done behind.

    Web handlers that catch a service's error to show the form again still commit the request's
    session; the savepoint undoes whatever the failed call had already written.
    """
    with session.begin_nested():
        return action()
