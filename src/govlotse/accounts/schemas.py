"""Schemas of users and logins."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import EmailStr, Field, StringConstraints

from govlotse.core.actor import Role
from govlotse.core.schemas import ReadSchema, Schema
from govlotse.core.security import MIN_PASSWORD_LENGTH
from govlotse.organisations.schemas import Website

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


class Registration(Schema):
    """A start-up (or research institute) signs up: its organisation and its first person."""

    organisation_name: Annotated[str, StringConstraints(min_length=2, max_length=200)]
    organisation_kind: Literal["startup", "research"] = "startup"
    website: Website = None
    name: Annotated[str, StringConstraints(min_length=2, max_length=200)]
    email: EmailStr
    password: Password
    language: Annotated[str, StringConstraints(pattern=r"^(de|en)$")] = "de"


class EmailIn(Schema):
    email: EmailStr


class TokenIn(Schema):
    token: Annotated[str, StringConstraints(min_length=10, max_length=200)]


class PasswordResetIn(TokenIn):
    password: Password


class InvitationAccept(TokenIn):
    """Accepting an invitation: a new person sets name and password (an existing account logs in first)."""

    name: Annotated[str, StringConstraints(min_length=2, max_length=200)] | None = None
    password: Password | None = None


class Review(Schema):
    """The unit's decision on a registration."""

    decision: Literal["approve", "reject"]
    reason: Annotated[str, StringConstraints(max_length=2000)] = ""


class InvitationRead(ReadSchema):
    id: int
    email: str
    organisation_id: int | None
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None


class PendingPerson(ReadSchema):
    name: str
    email: str
    email_confirmed: bool


class PendingOrganisation(ReadSchema):
    id: int
    name: str
    kind: str
    website: str | None
    created_at: datetime
    email_confirmed: bool
    people: list[PendingPerson]


class ApiTokenCreate(Schema):
    name: Annotated[str, StringConstraints(min_length=2, max_length=100)]
    scope: Literal["read", "write"] = "read"
    expires_days: Annotated[int, Field(ge=1, le=730)] | None = 90


class ApiTokenRead(ReadSchema):
    id: int
    name: str
    prefix: str = Field(description="The token's first characters, to recognise it by")
    scope: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiTokenCreated(ApiTokenRead):
    token: str = Field(description="The secret: send it as `Authorization: Bearer …`. Shown only this once.")
