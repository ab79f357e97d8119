"""Schemas of use cases (knowledge base)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StringConstraints

from govlotse.core.pagination import PageParams
from govlotse.core.schemas import (
    Id,
    LongText,
    ProvenanceIn,
    RecordRead,
    RequiredText,
    Schema,
    TagList,
    TagSlugs,
    VersionIn,
)
from govlotse.knowledge.models import author_name_of

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


ArticleTitle = Annotated[str, StringConstraints(min_length=3, max_length=300)]


class ArticleCreate(Schema):
    """A best-practice or lessons-learned article (Markdown body)."""

    title: ArticleTitle
    body: RequiredText
    tags: TagList = Field(default_factory=list)
    usecase_ids: list[Id] = Field(default_factory=list, max_length=50, description="Known use cases it is about")
    startup_ids: list[Id] = Field(default_factory=list, max_length=50, description="Start-ups it is about")


class ArticleUpdate(VersionIn):
    title: ArticleTitle | None = None
    body: RequiredText | None = None
    tags: TagList | None = None
    usecase_ids: list[Id] | None = Field(default=None, max_length=50)
    startup_ids: list[Id] | None = Field(default=None, max_length=50)


class ArticleRead(RecordRead):
    title: str
    body: str
    status: str
    case_id: int | None
    challenge_id: int | None
    # The author's name only: the stored label also holds the e-mail address, which stays internal.
    author_label: Annotated[str, BeforeValidator(author_name_of)]
    tags: TagSlugs
    usecase_ids: list[int] = Field(default_factory=list)
    startup_ids: list[int] = Field(default_factory=list)


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


class ArticleFilter(PageParams):
    """What the article list can be narrowed and ordered by (API query and list page)."""

    q: str | None = Field(default=None, max_length=200, description="Text in title or body")
    status: Annotated[Literal["draft", "published"] | None, BeforeValidator(_blank_to_none)] = None
    tag: str | None = Field(default=None, max_length=60)
    sort: str | None = Field(
        default=None, max_length=30, description="title, created_at, updated_at; - for descending (default -updated_at)"
    )


class ArticlePublish(Schema):
    """Publishing an article; send the `version` you read to be sure you publish what you saw."""

    version: int | None = Field(default=None, ge=1)
