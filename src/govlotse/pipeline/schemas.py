"""Schemas of the pipeline: cases and their steps, pitch criteria and scores, pilots, decisions, dashboard."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StringConstraints

from govlotse.challenges.schemas import OrganisationBrief
from govlotse.core.pagination import PageParams
from govlotse.core.schemas import Id, ReadSchema, Schema, VersionIn
from govlotse.pipeline.models import Stage

Reason = Annotated[str, StringConstraints(max_length=5000)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]


# ---------------------------------------------------------------- cases


class CaseFilter(PageParams):
    """What the list of cases can be narrowed by."""

    challenge_id: Id | None = Field(default=None, description="Cases of this need")
    stage: list[Stage] = Field(default_factory=list, description="Cases in any of these stages (repeat the parameter)")


class ChallengeBrief(ReadSchema):
    id: int
    title: str
    status: str
    organisation: OrganisationBrief


class SolutionRef(ReadSchema):
    id: int
    title: str


class CaseRead(ReadSchema):
    id: int
    version: int = Field(description="Send it with a step; the step is refused if the case changed since")
    challenge_id: int
    challenge: ChallengeBrief
    solution_id: int
    solution: SolutionRef
    organisation_id: int = Field(description="The start-up")
    organisation: OrganisationBrief
    run_id: int | None = Field(description="The market exploration whose shortlist opened the case")
    stage: Stage
    stage_since: datetime
    created_at: datetime
    updated_at: datetime


class StepRead(ReadSchema):
    from_stage: Stage | None
    to_stage: Stage
    at: datetime
    actor_label: str
    reason: str


class KpiRead(ReadSchema):
    id: int
    name: str
    unit: str
    baseline: float
    target: float
    result: float | None


class MilestoneRead(ReadSchema):
    id: int
    title: str
    due: date
    done_on: date | None


class PilotRead(ReadSchema):
    id: int
    version: int
    case_id: int
    scope: str
    price: int = Field(description="Euros, net")
    start: date
    end: date
    go_no_go: date = Field(description="Date of the go/no-go decision")
    last_update_at: datetime
    status_note: str
    kpis: list[KpiRead]
    milestones: list[MilestoneRead]


class FollowUpRead(BaseModel):
    """On go: the planned follow-up procurement."""

    procedure: str | None = Field(default=None, description="Procedure id of the procurement rule set")
    value: int | None = Field(
        default=None,
        validation_alias=AliasChoices("value", "value_eur"),
        description="Estimated contract value, euros",
    )
    note: str = ""


class DecisionRead(ReadSchema):
    case_id: int
    outcome: Literal["go", "stop"]
    reason: str
    lessons: str | None = Field(description="Lessons learned; only for the unit and the owning agency")
    follow_up: FollowUpRead
    decided_at: datetime
    decided_by_label: str
    article_id: int | None = Field(description="The draft knowledge article; only for the unit and the owning agency")


class CaseDetail(CaseRead):
    allowed_steps: list[Stage] = Field(description="Stages you may move the case to now (preconditions aside)")
    history: list[StepRead]
    pilot: PilotRead | None
    decision: DecisionRead | None


class StepCreate(VersionIn):
    """Move a case to another stage; the transition table decides whether the step exists and who may take it."""

    to: Stage
    reason: Reason = Field(default="", description="Required for withdrawal and for not selecting after the pitch")


class IllegalStepRead(BaseModel):
    """The answer to a step the transition table refuses (409)."""

    model_config = ConfigDict(populate_by_name=True)

    error: Literal["illegal_transition"]
    detail: str = Field(description="The whole message, in the language of the request")
    from_stage: str = Field(alias="from", description="The stage the case is in")
    to_stage: str = Field(alias="to", description="The stage that was asked for")
    reason: str = Field(description="Why the step is not possible")


class ConflictRead(BaseModel):
    """The answer to a change based on an outdated read (409)."""

    error: Literal["conflict"]
    detail: str
    current_version: int | None = Field(default=None, description="The version to read again")


# ---------------------------------------------------------------- pitch


class CriterionIn(Schema):
    name: Name
    description: Annotated[str, StringConstraints(max_length=5000)] = ""
    weight: int = Field(ge=1, le=100, description="Percent; the weights of a need add up to 100")


class CriteriaUpdate(Schema):
    criteria: list[CriterionIn] = Field(max_length=30)


class CriterionRead(ReadSchema):
    id: int
    name: str
    description: str
    weight: int
    position: int


class ScoreIn(Schema):
    criterion_id: Id
    value: int = Field(ge=0, le=10)
    comment: Annotated[str, StringConstraints(max_length=5000)] = ""


class ScorecardCreate(Schema):
    """One evaluator's scores for every criterion; submitted at once and final."""

    scores: list[ScoreIn] = Field(max_length=30)


class ScoreRead(ReadSchema):
    criterion_id: int
    value: int
    comment: str
    submitted_at: datetime | None


class ScorecardRead(BaseModel):
    case_id: int
    evaluator_label: str
    scores: list[ScoreRead]


class CriterionMean(BaseModel):
    criterion_id: int
    mean: float


class MatrixRow(BaseModel):
    case: CaseRead
    evaluators: int = Field(description="Evaluators whose scores you may see")
    totals: list[float] = Field(description="Weighted total per evaluator (0–10), anonymous")
    mean: float | None
    spread: float | None = Field(description="Highest minus lowest total")
    by_criterion: list[CriterionMean]
    rank: int | None
    tied: bool
    you_submitted: bool = Field(description="Whether you have submitted your own scores for this case")


class Matrix(BaseModel):
    """The evaluation matrix (Wertungsmatrix). Blind: you see others' scores only after submitting your own;
    the unit sees them all once the pitch is over."""

    challenge_id: int
    criteria: list[CriterionRead]
    rows: list[MatrixRow]


class DebriefCriterion(BaseModel):
    name: str
    weight: int
    score: float | None = Field(description="Your mean score on this criterion")
    best: float = Field(description="The best mean score any start-up reached")


class Debrief(BaseModel):
    """For a start-up that was not selected: its scores against the best, anonymous comments, the reason."""

    case_id: int
    criteria: list[DebriefCriterion]
    mean: float | None
    rank: int | None
    of: int = Field(description="Number of scored start-ups")
    comments: list[str]
    reason: str


# ---------------------------------------------------------------- pilot and decision


class KpiIn(Schema):
    name: Name
    unit: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    baseline: float
    target: float


class MilestoneIn(Schema):
    title: Name
    due: date
    done_on: date | None = None


class PilotUpdate(Schema):
    """The pilot agreement (Pilotvereinbarung): scope, price, dates, 3–5 KPIs, milestones, go/no-go date."""

    version: int | None = Field(
        default=None, ge=1, description="When changing an agreed pilot: the version you read (409 if it changed)"
    )
    scope: Annotated[str, StringConstraints(max_length=20_000)]
    price: int = Field(le=1_000_000_000, description="Euros, net")
    start: date
    end: date
    go_no_go: date
    kpis: list[KpiIn] = Field(max_length=20, description="3 to 5 key figures with baseline and target")
    milestones: list[MilestoneIn] = Field(default_factory=list, max_length=50)


class KpiResult(Schema):
    kpi_id: Id
    value: float | None


class ProgressCreate(Schema):
    note: Annotated[str, StringConstraints(max_length=20_000)] = ""
    results: list[KpiResult] = Field(default_factory=list, max_length=20, description="KPI results so far")
    milestones_done: list[Id] = Field(default_factory=list, max_length=50, description="Ids of reached milestones")


class FollowUpIn(Schema):
    """On go: the planned follow-up procurement."""

    procedure: Annotated[str, StringConstraints(max_length=60)] | None = Field(
        default=None, description="Procedure id of the procurement rule set, e.g. negotiated_award"
    )
    value: int | None = Field(default=None, ge=0, le=1_000_000_000, description="Estimated contract value, euros")
    note: Reason = ""


class DecisionCreate(Schema):
    """The go/no-go decision against the KPIs; the lessons become a draft knowledge article."""

    outcome: Literal["go", "stop"]
    reason: Reason
    lessons: Annotated[str, StringConstraints(max_length=20_000)]
    results: list[KpiResult] = Field(default_factory=list, max_length=20, description="Final result of every KPI")
    follow_up: FollowUpIn | None = None


# ---------------------------------------------------------------- dashboard


class PilotDue(BaseModel):
    case: CaseRead
    go_no_go: date
    last_update_at: datetime


class StalledPilot(PilotDue):
    reason: str


class DashboardRead(BaseModel):
    needs_by_status: dict[str, int]
    cases_by_stage: dict[str, int]
    median_days_in_stage: dict[str, float]
    pilots_due: list[PilotDue] = Field(description="Go/no-go date within the next 30 days")
    stalled: list[StalledPilot]
    adoption_rate: float | None = Field(description="Adopted ÷ (adopted + stopped)")
    decided: int
