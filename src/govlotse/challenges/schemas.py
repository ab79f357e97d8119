"""Schemas of challenges (Bedarfe)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator

from govlotse.challenges.models import ChallengeStatus, HostingRequirement, Visibility
from govlotse.core.pagination import PageParams
from govlotse.core.schemas import (
    Id,
    LongText,
    OptionalInt,
    ProvenanceIn,
    ReadSchema,
    RecordRead,
    RequiredText,
    Schema,
    TagList,
    TagSlugs,
    Title,
    VersionIn,
    _blank_to_none,
)
from govlotse.core.validation import error

MAX_BUDGET = 1_000_000_000


def _budget(value: int | None) -> int | None:
    if value is not None and not 0 <= value <= MAX_BUDGET:
        raise error("budget")
    return value


Budget = Annotated[OptionalInt, AfterValidator(_budget)]
Months = Annotated[Annotated[int, Field(ge=1, le=60)] | None, BeforeValidator(_blank_to_none)]
OptionalDate = Annotated[date | None, BeforeValidator(_blank_to_none)]


def _budget_order(value: int | None, info: ValidationInfo) -> int | None:
    low = info.data.get("budget_min")
    if value is not None and low is not None and value < low:
        raise error("budget_order")
    return value


class ChallengeFields(ProvenanceIn):
    title: Title
    problem: RequiredText
    affected_process: LongText = ""
    affected_users: LongText = ""
    current_situation: LongText = ""
    desired_outcome: LongText = ""
    personal_data: bool = False
    special_categories: bool = False
    hosting_requirement: HostingRequirement = HostingRequirement.none
    integrations: LongText = ""
    budget_min: Budget = None
    budget_max: Budget = None
    desired_start: OptionalDate = None
    duration_months: Months = None
    visibility: Visibility = Visibility.internal
    tags: TagList = Field(default_factory=list)

    @field_validator("budget_max")
    @classmethod
    def _max_not_below_min(cls, value: int | None, info: ValidationInfo) -> int | None:
        return _budget_order(value, info)

    @field_validator("special_categories")
    @classmethod
    def _special_needs_personal(cls, value: bool, info: ValidationInfo) -> bool:
        if value and not info.data.get("personal_data"):
            raise error("special_without_personal")
        return value


class ChallengeCreate(ChallengeFields):
    organisation_id: Id = Field(description="The owning agency (Bedarfsträger).")
    status: ChallengeStatus = ChallengeStatus.submitted


class ChallengeUpdate(VersionIn):
    title: Title | None = None
    problem: RequiredText | None = None
    affected_process: LongText | None = None
    affected_users: LongText | None = None
    current_situation: LongText | None = None
    desired_outcome: LongText | None = None
    personal_data: bool | None = None
    special_categories: bool | None = None
    hosting_requirement: HostingRequirement | None = None
    integrations: LongText | None = None
    budget_min: Budget = None
    budget_max: Budget = None
    desired_start: OptionalDate = None
    duration_months: Months = None
    visibility: Visibility | None = None
    status: ChallengeStatus | None = None
    status_reason: LongText | None = None
    tags: TagList | None = None

    @field_validator("budget_max")
    @classmethod
    def _max_not_below_min(cls, value: int | None, info: ValidationInfo) -> int | None:
        return _budget_order(value, info)


class OrganisationBrief(ReadSchema):
    id: int
    name: str
    kind: str


class ChallengeRead(RecordRead):
    organisation_id: int
    organisation: OrganisationBrief
    title: str
    problem: str
    affected_process: str
    affected_users: str
    current_situation: str
    desired_outcome: str
    personal_data: bool
    special_categories: bool
    hosting_requirement: str
    integrations: str
    budget_min: int | None
    budget_max: int | None
    desired_start: date | None
    duration_months: int | None
    status: str
    status_reason: str
    visibility: str
    tags: TagSlugs


class ChallengeFilter(PageParams):
    """What a list of challenges can be narrowed and ordered by (API query and list page)."""

    q: str | None = Field(default=None, max_length=200, description="Text in title or problem")
    status: ChallengeStatus | None = None
    visibility: Visibility | None = None
    organisation_id: Id | None = None
    tag: str | None = Field(default=None, max_length=60)
    hosting_requirement: HostingRequirement | None = None
    personal_data: bool | None = None
    sort: str | None = Field(
        default=None,
        max_length=30,
        description="created_at, updated_at, title, budget_max, desired_start; - for descending",
    )


class ChallengeCheckIn(Schema):
    """A draft need for the brief-quality check: the fields of the need form (all optional; others ignored)."""

    model_config = ConfigDict(extra="ignore")  # the whole draft may be sent, e.g. the body of POST /challenges

    title: LongText = ""
    problem: LongText = ""
    desired_outcome: LongText = ""
    budget_min: Budget = None
    budget_max: Budget = None


class FindingRead(BaseModel):
    """One piece of advice on a need's description (a warning, never a refusal)."""

    code: str = Field(description="Stable rule code, e.g. problem_thin, outcome_not_measurable, product_named")
    field: str = Field(description="The form field concerned (title, problem, desired_outcome, budget_min, …)")
    message: str = Field(description="What is missing or wrong, in the requested language")
    hint: str = Field(description="How to improve it, in the requested language")
