"""Schemas of users and logins."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import EmailStr, Field, StringConstraints

from govlotse.core.actor import Role
from govlotse.core.schemas import ReadSchema, Schema
from govlotse.core.security import MIN_PASSWORD_LENGTH

Password = Annotated[str, StringConstraints(min_length=MIN_PASSWORD_LENGTH, max_length=200)]


class UserCreate(Schema):
    email: EmailStr
    name: Annotated[str, StringConstraints(min_length=2, max_length=200)]
    role: Role
    password: Password
    organisation_ids: list[int] = Field(default_factory=list)
    language: Annotated[str, StringConstraints(pattern=r"^(de|en)$")] = "de"


class LoginIn(Schema):
    email: Annotated[str, StringConstraints(min_length=3, max_length=254)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class MembershipRead(ReadSchema):
    organisation_id: int
    org_role: str


class UserRead(ReadSchema):
    id: int
    email: str
    name: str
    role: str
    is_active: bool
    language: str
    last_login_at: datetime | None
    memberships: list[MembershipRead]
