"""Schemas of use cases (knowledge base)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from govlotse.core.pagination import PageParams
from govlotse.core.schemas import (
    LongText,
    ProvenanceIn,
    RecordRead,
    RequiredText,
    TagList,
    TagSlugs,
    VersionIn,
)

UseCaseTitle = Annotated[str, StringConstraints(min_length=3, max_length=300)]
Short = Annotated[str, StringConstraints(max_length=200)]
TWO_LETTERS = r"^[A-Za-z]{2}$"
Country = Annotated[str, StringConstraints(min_length=2, max_length=2, pattern=TWO_LETTERS, to_upper=True)]
Lang = Annotated[str, StringConstraints(min_length=2, max_length=2, pattern=TWO_LETTERS, to_lower=True)]


class UseCaseCreate(ProvenanceIn):
    title: UseCaseTitle
    description: RequiredText
    organisation_name: Annotated[str, StringConstraints(max_length=300)] = ""
    country: Country | None = None
    sector: Short = ""
    technology: Short = ""
    status: Annotated[str, StringConstraints(max_length=100)] = ""
    language: Lang = "en"
    source_url: Annotated[str, StringConstraints(max_length=500)] | None = None
    tags: TagList = Field(default_factory=list)
    # Every use case says where it comes from and under which licence (DATA_SOURCES.md).
    source: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    licence: Annotated[str, StringConstraints(min_length=1, max_length=100)]


class UseCaseUpdate(VersionIn):
    title: UseCaseTitle | None = None
    description: LongText | None = None
    organisation_name: Annotated[str, StringConstraints(max_length=300)] | None = None
    country: Country | None = None
    sector: Short | None = None
    technology: Short | None = None
    status: Annotated[str, StringConstraints(max_length=100)] | None = None
    source_url: Annotated[str, StringConstraints(max_length=500)] | None = None
    tags: TagList | None = None


class UseCaseRead(RecordRead):
    title: str
    description: str
    organisation_name: str
    country: str | None
    sector: str
    technology: str
    status: str
    language: str
    source_url: str | None
    tags: TagSlugs


class UseCaseFilter(PageParams):
    """What a list can be narrowed and ordered by (API query and list page)."""

    q: str | None = Field(default=None, max_length=200, description="Text in title, description or organisation")
    country: str | None = Field(default=None, pattern=r"^[A-Za-z]{2}$")
    sector: str | None = Field(default=None, max_length=200)
    status: str | None = Field(default=None, max_length=100)
    tag: str | None = Field(default=None, max_length=60)
    sort: str | None = Field(default=None, max_length=30, description="title, created_at, country; - for descending")
