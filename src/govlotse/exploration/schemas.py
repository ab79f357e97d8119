"""Schemas of market exploration runs (Markterkundung): filters in, runs, candidates and comparisons out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from govlotse.challenges.schemas import OrganisationBrief
from govlotse.core.schemas import Id, ReadSchema, Schema, VersionIn
from govlotse.exploration.models import CandidateStatus, RunStatus
from govlotse.matching.schemas import CriterionRead
from govlotse.solutions.models import Certification, HostingOption, Maturity

Reason = Annotated[str, StringConstraints(max_length=5000)]


# ---------------------------------------------------------------- input


class RunCreate(Schema):
    """Hard criteria of a new run; they are frozen with it."""

    hosting: list[HostingOption] = Field(default_factory=list, description="Solutions offering at least one of these")
    certifications: list[Certification] = Field(default_factory=list, description="Solutions holding all of these")
    maturity: list[Maturity] = Field(default_factory=list, description="Solutions at one of these maturity levels")
    strict: bool = Field(default=False, description="Only solutions that meet every hard criterion of the need")
    limit: int = Field(default=30, ge=1, le=100, description="Length of the long list")


class CandidateStatusUpdate(VersionIn):
    """Shortlist a candidate, put it back on the long list, or exclude it (a reason is required)."""

    status: CandidateStatus
    reason: Reason = Field(default="", description="Why; required for an exclusion (it goes into the procurement file)")


class CandidateJudgment(Schema):
    grade: int | None = Field(
        ge=0, le=2, description="2 fits, 1 fits partly, 0 does not fit; null removes the judgment"
    )


class CandidateAdd(Schema):
    """A solution the search did not find, added by hand with the reason why."""

    solution_id: Id
    reason: Reason


# ---------------------------------------------------------------- output


class ChallengeBrief(ReadSchema):
    id: int
    title: str
    status: str
    organisation: OrganisationBrief


class SolutionBrief(ReadSchema):
    id: int
    title: str
    organisation: OrganisationBrief


class Explanation(BaseModel):
    """Why the search found a candidate, frozen when the run was made."""

    matched_terms: list[str] = Field(default_factory=list, description="Query terms found in the solution")
    translations: list[str] = Field(
        default_factory=list, description='Query words found in the solution in translation ("Ampel → traffic light")'
    )
    passage: str = Field(default="", description="The best-matching passage")
    highlights: list[str] = Field(default_factory=list, description="Words of the passage that match the query")
    semantic_share: float | None = Field(default=None, description="Share of the semantic ranking in the score")
    added_because: str | None = Field(default=None, description="Why the unit added the solution by hand")
    criteria: list[CriterionRead] = Field(default_factory=list, description="The need's hard criteria, met or not")
    criteria_met: int = Field(description="How many hard criteria the solution meets")
    criteria_total: int


class CandidateBrief(ReadSchema):
    id: int
    solution: SolutionBrief
    position: int
    rank: int | None = Field(description="Rank in the search; null if added by hand")
    status: CandidateStatus
    added_manually: bool


class CandidateRead(CandidateBrief):
    version: int
    run_id: int
    score: float | None = Field(description="Fused rank score (higher is better)")
    semantic: float | None = Field(description="Cosine similarity of the best passage")
    lexical: float | None = Field(description="BM25 score")
    segment: str = Field(description="Market-map segment (the solution's most common capability on the list)")
    reason: str = Field(description="Why it was excluded or shortlisted")
    judgment: int | None = Field(description="Relevance judgment of the unit: 2 fits, 1 partly, 0 does not")
    decided_by_label: str | None
    updated_at: datetime
    explanation: Explanation


class RunFiltersRead(BaseModel):
    hosting: list[str] = Field(default_factory=list)
    certifications: list[str] = Field(default_factory=list)
    maturity: list[str] = Field(default_factory=list)
    strict: bool = False


class RunSummary(ReadSchema):
    id: int
    version: int
    challenge_id: int
    number: int = Field(description="Sequential number of the run for its need")
    status: RunStatus
    filters: RunFiltersRead
    model: str = Field(description="Embedding model used, frozen with the run")
    rules_version: str = Field(description="Procurement rule-set version in force, frozen with the run")
    searched_at: datetime
    created_by_label: str
    closed_at: datetime | None
    closed_by_label: str | None


class RunCounts(BaseModel):
    candidates: int
    longlist: int
    shortlist: int
    excluded: int
    added_manually: int
    judged: int


class RunRead(RunSummary):
    challenge: ChallengeBrief
    query: str = Field(description="The text that was searched, frozen")
    search_settings: dict[str, Any] = Field(description="Weights and limits of the search, frozen")
    notes: str
    counts: RunCounts
    candidates: list[CandidateRead]


class RunClosed(BaseModel):
    run: RunRead
    case_ids: list[int] = Field(description="Pipeline cases opened for the shortlisted start-ups")


class Segment(BaseModel):
    segment: str
    count: int
    candidates: list[CandidateBrief]


class MarketMap(BaseModel):
    run_id: int
    segments: list[Segment] = Field(description="The long list grouped into segments, largest first")


class Moved(BaseModel):
    candidate: CandidateBrief
    from_position: int
    to_position: int


class RunComparison(BaseModel):
    run_id: int
    previous: RunSummary | None = Field(description="The run of the same need before this one; null if none")
    new: list[CandidateBrief] = Field(description="On this long list, not on the previous one")
    dropped: list[CandidateBrief] = Field(description="On the previous long list (its candidates), not on this one")
    moved: list[Moved]


class JudgedQuery(BaseModel):
    """One run's judgments in the evaluation format (../shared/eval)."""

    model_config = ConfigDict(populate_by_name=True)

    id: str
    set_name: str = Field(alias="set")
    lang: str
    query: str
    relevant: dict[str, int] = Field(description="solution:<id> → grade (1 or 2)")
    exclude: list[str]
    pooled: list[str] = Field(description="Every judged solution, relevant or not")
    label_basis: str
