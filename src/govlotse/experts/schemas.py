"""Schemas of expert profiles and assignments."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from govlotse.core.schemas import Id, LongText, ReadSchema, Schema, TagList, TagSlugs, VersionIn
from govlotse.experts.models import Availability
from govlotse.solutions.models import LANGUAGE_NAMES

LANGUAGES = tuple(LANGUAGE_NAMES)
Language = Annotated[str, StringConstraints(pattern="^(" + "|".join(LANGUAGES) + ")$")]


class ProfileIn(Schema):
    headline: Annotated[str, StringConstraints(min_length=3, max_length=200)]
    expertise: LongText = ""
    languages: list[Language] = Field(default_factory=list, max_length=len(LANGUAGES))
    availability: Availability = Availability.available
    availability_note: Annotated[str, StringConstraints(max_length=300)] | None = None
    listed: bool = True
    tags: TagList = Field(default_factory=list)


class ProfileUpdate(ProfileIn, VersionIn):
    pass


class ProfileRead(ReadSchema):
    id: int
    user_id: int
    name: str
    organisations: list[str]
    headline: str
    expertise: str
    languages: list[str]
    availability: str
    availability_note: str | None
    listed: bool
    tags: TagSlugs
    version: int
    updated_at: datetime


class AssignmentIn(Schema):
    profile_id: Id
    challenge_id: Id | None = None
    case_id: Id | None = None
    note: Annotated[str, StringConstraints(max_length=500)] = ""


class AssignmentRead(ReadSchema):
    id: int
    profile_id: int
    challenge_id: int | None
    case_id: int | None
    note: str
    created_at: datetime
    created_by_label: str
    ended_at: datetime | None
