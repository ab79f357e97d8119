"""Schemas of search requests and results."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from govlotse.core.schemas import CodeList, Schema

EntityType = Literal["solution", "challenge", "usecase", "article", "expert"]
ENTITY_TYPES: tuple[str, ...] = ("solution", "challenge", "usecase", "article", "expert")
MAX_QUERY_CHARS = 20_000


class SearchParams(Schema):
    """A search across needs, solutions and use cases (API query string and search page)."""

    q: Annotated[str, StringConstraints(max_length=MAX_QUERY_CHARS * 6)] = Field(
        default="", description="What you are looking for, in any language"
    )
    types: CodeList = Field(
        default_factory=lambda: list(ENTITY_TYPES),
        description="solution, challenge, usecase, article, expert (experts: public-sector staff and experts only)",
    )
    hosting: CodeList = Field(default_factory=list, description="Solutions offering at least one of these")
    certification: CodeList = Field(default_factory=list, description="Solutions holding all of these")
    maturity: CodeList = Field(default_factory=list)
    limit: int = Field(default=10, ge=1, le=100)
    mode: Literal["hybrid", "lexical", "semantic"] = "hybrid"


class CriterionRead(BaseModel):
    code: str
    label: str
    met: bool | None
    detail: str = ""


class HitRead(BaseModel):
    entity_type: str
    entity_id: int
    title: str
    url: str
    subtitle: str = ""
    score: float = Field(description="Fused rank score (higher is better)")
    semantic: float | None = Field(description="Cosine similarity of the best passage")
    semantic_rank: int | None
    lexical: float | None = Field(description="BM25 score")
    lexical_rank: int | None
    semantic_share: float = Field(description="Share of the semantic ranking in the fused score (0–1)")
    matched_terms: list[str]
    translations: list[str] = Field(
        default_factory=list, description='Query words found in another language ("Ampel → traffic light")'
    )
    passage: str = Field(description="The best-matching passage")
    highlights: list[str] = Field(description="Words of the passage that match the query")
    criteria: list[CriterionRead] = Field(default_factory=list)


class GroupRead(BaseModel):
    entity_type: str
    hits: list[HitRead]


class SearchRead(BaseModel):
    query: str
    mode: str
    model: str
    groups: list[GroupRead]
    notice: str | None = None


def _codes(values: list[str], allowed: tuple[str, ...]) -> list[str]:
    return [v for v in values if v in allowed]


__all__ = ["ENTITY_TYPES", "CriterionRead", "GroupRead", "HitRead", "SearchParams", "SearchRead"]
