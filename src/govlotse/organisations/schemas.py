"""Schemas of organisations."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints, ValidationInfo, field_validator

from govlotse.core.pagination import PageParams
from govlotse.core.schemas import (
    LongText,
    OptionalInt,
    ProvenanceIn,
    RecordRead,
    Schema,
    TagList,
    TagSlugs,
    VersionIn,
)
from govlotse.core.validation import error
from govlotse.organisations.models import AgencyType, CompanySize, OrganisationKind, OrganisationStatus


def _website(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if not value.startswith(("https://", "http://")) or " " in value or "." not in value:
        raise error("url")
    return value


Website = Annotated[str | None, StringConstraints(max_length=300), AfterValidator(_website)]
Name = Annotated[str, StringConstraints(min_length=2, max_length=200)]


def _founded(value: int | None) -> int | None:
    if value is not None and not 1800 <= value <= date.today().year:
        raise error("year")
    return value


FoundedYear = Annotated[OptionalInt, AfterValidator(_founded)]


class OrganisationCreate(ProvenanceIn):
    kind: OrganisationKind
    name: Name
    agency_type: AgencyType | None = Field(default=None, validate_default=True)
    description: LongText = ""
    website: Website = None
    location: Annotated[str, StringConstraints(max_length=120)] | None = None
    founded_year: FoundedYear = None
    size: CompanySize | None = None
    tags: TagList = Field(default_factory=list)

    @field_validator("agency_type")
    @classmethod
    def _agency_type_for_agencies(cls, value: AgencyType | None, info: ValidationInfo) -> AgencyType | None:
        kind = info.data.get("kind")
        if kind == OrganisationKind.agency and value is None:
            raise error("agency_type_missing")
        return value if kind == OrganisationKind.agency else None


class OrganisationUpdate(VersionIn):
    name: Name | None = None
    agency_type: AgencyType | None = None
    description: LongText | None = None
    website: Website = None
    location: Annotated[str, StringConstraints(max_length=120)] | None = None
    founded_year: FoundedYear = None
    size: CompanySize | None = None
    tags: TagList | None = None
    status: OrganisationStatus | None = None


class OrganisationRead(RecordRead):
    kind: str
    name: str
    agency_type: str | None
    description: str
    website: str | None
    location: str | None
    founded_year: int | None
    size: str | None
    status: str
    status_note: str | None = None
    tags: TagSlugs


class OrganisationRef(Schema):
    id: int
    name: str
    kind: str


class OrganisationFilter(PageParams):
    """What a list can be narrowed and ordered by (API query and list page)."""

    q: str | None = Field(default=None, max_length=200, description="Text in name or description")
    kind: OrganisationKind | None = None
    tag: str | None = Field(default=None, max_length=60)
    location: str | None = Field(default=None, max_length=120)
    sort: str | None = Field(
        default=None, max_length=30, description="name, created_at, founded_year; - for descending"
    )
