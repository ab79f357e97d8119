"""What the OpenAPI schema says about error answers: the bodies of ``app.py``'s handlers, per status code.

Routes document the errors they can give with ``responses=errors(401, 404, ...)``; the schema then names
every status code a client can meet (the API fuzz test checks that no undocumented one is answered).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ErrorRead(BaseModel):
    """An error: a machine-readable code and a message for people."""

    error: str = Field(description="not_found, unauthorized, login_failed, forbidden, …")
    detail: str = Field(description="What went wrong, in the language of the request where translated")


class FieldErrorRead(BaseModel):
    loc: list[str | int] = Field(description="Where: the path of the field (body, query or path and name)")
    field: str = Field(description="The field's name, dotted for nested fields")
    msg: str = Field(description="The message, in German or English (`Accept-Language`)")
    type: str


class InvalidRead(BaseModel):
    """Input that fails validation or a business rule: one message per field."""

    error: Literal["invalid"]
    detail: list[FieldErrorRead]


class ConflictRead(BaseModel):
    """The record changed since it was read, or the change conflicts with existing data."""

    error: Literal["conflict"]
    detail: str
    current_version: int | None = Field(default=None, description="The version to read again")


class IllegalTransitionRead(BaseModel):
    """A step the workflow does not allow, naming from, to and why."""

    model_config = ConfigDict(populate_by_name=True)

    error: Literal["illegal_transition"]
    detail: str = Field(description="The whole message, in the language of the request")
    from_state: str = Field(alias="from")
    to_state: str = Field(alias="to")
    reason: str


ERRORS: dict[int, tuple[Any, str]] = {
    400: (ErrorRead, "A link (token) that is unknown, expired or used already (`invalid_link`)"),
    401: (ErrorRead, "Not logged in (`unauthorized`), or wrong e-mail or password (`login_failed`)"),
    403: (
        ErrorRead,
        "Logged in, but this action is not yours (`forbidden`); or the e-mail address is not confirmed yet "
        "(`email_unconfirmed`, login only)",
    ),
    404: (ErrorRead, "No such record, or one you may not see (`not_found`): existence does not leak"),
    409: (
        ConflictRead | IllegalTransitionRead,
        "Changed since you read it, or conflicting with existing data (`conflict`); or a step the workflow "
        "does not allow (`illegal_transition`)",
    ),
    422: (InvalidRead, "Invalid input: one message per field (`invalid`)"),
    429: (ErrorRead, "Too many attempts from this address or for this account; try again later (`too_many_attempts`)"),
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route that can answer these error codes."""
    return {code: {"model": ERRORS[code][0], "description": ERRORS[code][1]} for code in codes}
