"""Schemas of taxonomy tags."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import StringConstraints

from govlotse.core.schemas import ReadSchema, Schema

TagKind = Literal["capability", "sector", "technology"]


class TagCreate(Schema):
    slug: Annotated[str, StringConstraints(min_length=2, max_length=60, pattern=r"^[a-z0-9][a-z0-9\-]*$")]
    kind: TagKind
    label_de: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    label_en: Annotated[str, StringConstraints(min_length=1, max_length=120)]


class TagRead(ReadSchema):
    slug: str
    kind: str
    label_de: str
    label_en: str
