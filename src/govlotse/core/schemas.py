"""Pydantic building blocks shared by the domains' schemas."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from annotated_types import Ge, Le
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator
from sqlalchemy import ColumnElement, Select
from sqlalchemy.orm import InstrumentedAttribute

from govlotse.errors import Invalid


def refuse_nul(value: Any) -> Any:
    """Refuse the NUL character in text (also in lists of texts): nobody types it, PostgreSQL cannot store it."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("text must not contain the NUL character")
    if isinstance(value, list | tuple | set):
        for item in value:
            refuse_nul(item)
    return value


class Schema(BaseModel):
    """Input schemas: strip whitespace, refuse unknown fields so typos do not go unnoticed, refuse NUL."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return refuse_nul(value)


class ReadSchema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def _slugs(value: Any) -> Any:
    if isinstance(value, list):
        return [getattr(v, "slug", v) for v in value]
    return value


def _split_list(value: Any) -> Any:
    # CSV cells and form fields carry lists as "a;b" (or one value per repeated field).
    if isinstance(value, str):
        return [part.strip() for part in value.replace(",", ";").split(";") if part.strip()]
    return value


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


Title = Annotated[str, StringConstraints(min_length=3, max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=20_000)]
RequiredText = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:\-]+$")]
TagList = Annotated[list[Annotated[str, StringConstraints(max_length=60)]], BeforeValidator(_split_list)]
CodeList = Annotated[list[str], BeforeValidator(_split_list)]
TagSlugs = Annotated[list[str], BeforeValidator(_slugs)]
OptionalInt = Annotated[int | None, BeforeValidator(_blank_to_none)]

# A record id as clients send it (path, query, body): PostgreSQL's `integer` range. A larger number names no
# record; it is refused as invalid input instead of failing in the database driver (SQLite overflows at 2**63).
MAX_ID = 2**31 - 1
Id = Annotated[int, Ge(1), Le(MAX_ID)]


def parse_id(value: Any) -> int | None:
    """A record id from a form field or query parameter, or None if it is none (or out of range)."""
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(MAX_ID))):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


class ProvenanceIn(Schema):
    external_id: ExternalId | None = None
    source: Annotated[str, StringConstraints(max_length=500)] | None = None
    licence: Annotated[str, StringConstraints(max_length=100)] | None = None
    is_fictional: bool = False


class RecordRead(ReadSchema):
    id: int
    created_at: datetime
    updated_at: datetime
    version: int
    external_id: str | None = None
    source: str | None = None
    licence: str | None = None
    is_fictional: bool = False


class VersionIn(Schema):
    version: int = Field(ge=1, description="The version you read; the save is refused if it changed since.")


def apply_sort(
    stmt: Select[Any],
    sort: str | None,
    *,
    allowed: Mapping[str, InstrumentedAttribute[Any] | ColumnElement[Any]],
    default: str,
    tiebreak: InstrumentedAttribute[Any],
) -> Select[Any]:
    """Order by ``sort`` (a key of ``allowed``, ``-`` prefix: descending); ``tiebreak`` keeps pages stable."""
    key = sort or default
    column = allowed.get(key.lstrip("-"))
    if column is None:
        raise Invalid.on(
            "sort",
            "Unbekannte Sortierung „{value}“. Erlaubt: {allowed}",
            value=key,
            allowed=", ".join(sorted(allowed)),
        )
    order = column.desc() if key.startswith("-") else column.asc()
    return stmt.order_by(order, tiebreak)
