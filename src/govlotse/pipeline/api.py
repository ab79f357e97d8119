"""JSON API: the venture-client pipeline — cases and their steps, pitch scoring, pilots, decisions, dashboard.

Cases are seen by the unit, the agency that owns the need and the start-up concerned (404 for everyone
else); the unit and the owning agency work on them. A need's pitch criteria and evaluation matrix live
under the need (``/challenges/{id}/criteria``, ``/challenges/{id}/matrix``); the unit's overview under
``/pipeline``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from govlotse.challenges import service as challenges
from govlotse.challenges.models import Challenge
from govlotse.config import settings
from govlotse.core.actor import Actor
from govlotse.core.crud import check_version
from govlotse.core.openapi import errors
from govlotse.core.pagination import Page, page_of
from govlotse.core.schemas import Id
from govlotse.deps import LangDep, LoggedInDep, SessionDep
from govlotse.errors import Forbidden
from govlotse.i18n import translate
from govlotse.pipeline import dossier, service
from govlotse.pipeline.models import Case, Decision, Pilot
from govlotse.pipeline.schemas import (
    CaseDetail,
    CaseFilter,
    CaseRead,
    ConflictRead,
    CriteriaUpdate,
    CriterionMean,
    CriterionRead,
    DashboardRead,
    Debrief,
    DecisionCreate,
    DecisionRead,
    IllegalStepRead,
    Matrix,
    MatrixRow,
    PilotDue,
    PilotRead,
    PilotUpdate,
    ProgressCreate,
    ScorecardCreate,
    ScorecardRead,
    ScoreRead,
    StalledPilot,
    StepCreate,
    StepRead,
)
from govlotse.web.responses import document_response

router = APIRouter(tags=["pipeline"])

DOCUMENT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The document as Markdown (`format=md`, default) or PDF/A-2b (`format=pdf`)",
        "content": {
            "text/markdown": {"schema": {"type": "string"}},
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}
DocumentFormat = Annotated[Literal["md", "pdf"], Query(alias="format", description="md or pdf")]


def case_from_path(case_id: Id, session: SessionDep, actor: LoggedInDep) -> Case:
    return service.get_case(session=session, actor=actor, case_id=case_id)


def challenge_from_path(challenge_id: Id, session: SessionDep, actor: LoggedInDep) -> Challenge:
    """A need whose pitch the actor takes part in: the unit and the owning agency (others: 403, hidden: 404)."""
    challenge = challenges.get_challenge(session=session, actor=actor, challenge_id=challenge_id)
    if not (actor.sees_everything or actor.member_of(challenge.organisation_id)):
        raise Forbidden("the pitch of a need is for the unit and the agency that owns the need")
    return challenge


CurrentCase = Annotated[Case, Depends(case_from_path)]
CurrentPitch = Annotated[Challenge, Depends(challenge_from_path)]


# ---------------------------------------------------------------- building the answers


def decision_read(decision: Decision, actor: Actor, case: Case) -> DecisionRead:
    internal = service.may_work(actor, case)
    return DecisionRead.model_validate(
        {
            "case_id": decision.case_id,
            "outcome": decision.outcome,
            "reason": decision.reason,
            "lessons": decision.lessons if internal else None,
            "follow_up": decision.follow_up or {},
            "decided_at": decision.decided_at,
            "decided_by_label": decision.decided_by_label,
            "article_id": decision.article_id if internal else None,
        }
    )


def case_detail(session: Session, actor: Actor, case: Case, lang: str) -> CaseDetail:
    pilot = service.pilot_of(session=session, case=case)
    decision = service.decision_of(session=session, case=case)
    return CaseDetail.model_validate(
        {
            **CaseRead.model_validate(case).model_dump(),
            "allowed_steps": service.allowed_steps(actor=actor, case=case),
            "history": [
                StepRead.model_validate(
                    {
                        "from_stage": s.from_stage,
                        "to_stage": s.to_stage,
                        "at": s.at,
                        "actor_label": s.actor_label,
                        "reason": translate(s.reason, lang) if s.reason else "",
                    }
                )
                for s in service.history(session=session, case=case)
            ],
            "pilot": PilotRead.model_validate(pilot) if pilot else None,
            "decision": decision_read(decision, actor, case) if decision else None,
        }
    )


def _pilot_now(session: Session, case: Case) -> Pilot:
    """The pilot as stored now, with KPIs and milestones loaded."""
    pilot = service.pilot_of(session=session, case=case)
    assert pilot is not None
    session.refresh(pilot, ["kpis", "milestones"])
    return pilot


def _case_read(case: Case) -> CaseRead:
    return CaseRead.model_validate(case)


# ---------------------------------------------------------------- cases


@router.get("/cases", response_model=Page[CaseRead], responses=errors(401, 422))
def list_cases(query: Annotated[CaseFilter, Query()], session: SessionDep, actor: LoggedInDep) -> BaseModel:
    """Cases you may see (a start-up sees its own), oldest first; filter by need and stage."""
    cases = service.cases_for(session=session, actor=actor, stages=tuple(query.stage))
    if query.challenge_id is not None:
        cases = [c for c in cases if c.challenge_id == query.challenge_id]
    page = cases[query.offset : query.offset + query.per_page]
    return page_of([_case_read(c) for c in page], len(cases), query)


@router.get("/cases/{case_id}", response_model=CaseDetail, responses=errors(401, 404, 422))
def get_case(case: CurrentCase, session: SessionDep, actor: LoggedInDep, lang: LangDep) -> Any:
    """A case with its history, the steps you may take now, its pilot and its decision."""
    return case_detail(session, actor, case, lang)


@router.post(
    "/cases/{case_id}/transitions",
    response_model=CaseDetail,
    responses={
        **errors(401, 403, 404, 422),
        409: {
            "model": IllegalStepRead | ConflictRead,
            "description": "The step is not possible (`illegal_transition`) or the case changed since you read it "
            "(`conflict`)",
        },
    },
)
def transition(body: StepCreate, case: CurrentCase, session: SessionDep, actor: LoggedInDep, lang: LangDep) -> Any:
    """Move a case to another stage; send the `version` you read.

    409 `illegal_transition` (naming `from`, `to` and `reason`) if the step does not exist, is not yours
    to take, or its precondition is missing (scores, pilot agreement, decision); 409 `conflict` if the
    case changed since you read it.
    """
    service.transition(session=session, actor=actor, case=case, to=body.to, reason=body.reason, version=body.version)
    return case_detail(session, actor, case, lang)


@router.get(
    "/cases/{case_id}/dossier", response_class=Response, responses={**DOCUMENT_RESPONSES, **errors(401, 403, 404, 422)}
)
def get_dossier(
    case: CurrentCase, session: SessionDep, actor: LoggedInDep, lang: LangDep, fmt: DocumentFormat = "md"
) -> Response:
    """The case dossier (Falldossier) for the procurement file (the unit and the owning agency)."""
    if not service.may_work(actor, case):
        raise Forbidden("the case dossier is for the unit and the agency that owns the need")
    doc = dossier.build(session=session, actor=actor, case=case, lang=lang)
    return document_response(doc, f"falldossier-{case.id}", fmt)


# ---------------------------------------------------------------- pitch


@router.get(
    "/challenges/{challenge_id}/criteria", response_model=list[CriterionRead], responses=errors(401, 403, 404, 422)
)
def get_criteria(challenge: CurrentPitch, session: SessionDep) -> Any:
    """The weighted pitch criteria of a need (the unit and the owning agency)."""
    return service.criteria(session=session, challenge=challenge)


@router.put(
    "/challenges/{challenge_id}/criteria", response_model=list[CriterionRead], responses=errors(401, 403, 404, 409, 422)
)
def set_criteria(body: CriteriaUpdate, challenge: CurrentPitch, session: SessionDep, actor: LoggedInDep) -> Any:
    """Replace the pitch criteria of a need (unit); the weights add up to 100, fixed once scoring began."""
    return service.set_criteria(
        session=session, actor=actor, challenge=challenge, items=[c.model_dump() for c in body.criteria]
    )


@router.get("/challenges/{challenge_id}/matrix", response_model=Matrix, responses=errors(401, 403, 404, 422))
def get_matrix(challenge: CurrentPitch, session: SessionDep, actor: LoggedInDep) -> Any:
    """The evaluation matrix of a need's pitch: mean, spread, rank and ties per case.

    Blind scoring: until you have submitted your own scores for a case you see none of the others';
    the unit sees every score once the case has left the pitch stage.
    """
    crits, rows = service.matrix(session=session, actor=actor, challenge=challenge)
    return Matrix(
        challenge_id=challenge.id,
        criteria=[CriterionRead.model_validate(c) for c in crits],
        rows=[
            MatrixRow(
                case=_case_read(r.case),
                evaluators=r.evaluators,
                totals=[round(t, 2) for t in r.totals],
                mean=r.mean,
                spread=r.spread,
                by_criterion=[CriterionMean(criterion_id=k, mean=v) for k, v in r.by_criterion.items()],
                rank=r.rank,
                tied=r.tied,
                you_submitted=service.has_submitted(session=session, actor=actor, case=r.case),
            )
            for r in rows
        ],
    )


@router.post(
    "/cases/{case_id}/scores", response_model=ScorecardRead, status_code=201, responses=errors(401, 403, 404, 409, 422)
)
def submit_scores(body: ScorecardCreate, case: CurrentCase, session: SessionDep, actor: LoggedInDep) -> Any:
    """Submit your scorecard for a pitch: 0–10 for every criterion, with comments; final once submitted."""
    scores = service.submit_scores(
        session=session,
        actor=actor,
        case=case,
        scores={s.criterion_id: (s.value, s.comment) for s in body.scores},
    )
    return ScorecardRead(
        case_id=case.id, evaluator_label=actor.label, scores=[ScoreRead.model_validate(s) for s in scores]
    )


@router.get("/cases/{case_id}/debrief", response_model=Debrief, responses=errors(401, 404, 422))
def get_debrief(case: CurrentCase, session: SessionDep, actor: LoggedInDep) -> Any:
    """For a start-up that was not selected: its scores against the best, anonymous comments and the reason."""
    return Debrief.model_validate({"case_id": case.id, **service.debrief(session=session, actor=actor, case=case)})


# ---------------------------------------------------------------- pilot and decision


@router.put("/cases/{case_id}/pilot", response_model=PilotRead, responses=errors(401, 403, 404, 409, 422))
def save_pilot(body: PilotUpdate, case: CurrentCase, session: SessionDep, actor: LoggedInDep) -> Any:
    """Agree or change the pilot (the unit and the owning agency, once the start-up is selected)."""
    existing = service.pilot_of(session=session, case=case)
    if existing is not None and body.version is not None and service.may_work(actor, case):
        check_version(existing, body.version, name="pilot")
    service.save_pilot(
        session=session,
        actor=actor,
        case=case,
        scope=body.scope,
        price=body.price,
        start=body.start,
        end=body.end,
        go_no_go=body.go_no_go,
        kpis=[k.model_dump() for k in body.kpis],
        milestones=[m.model_dump() for m in body.milestones],
    )
    return _pilot_now(session, case)


@router.post("/cases/{case_id}/progress", response_model=PilotRead, responses=errors(401, 403, 404, 409, 422))
def report_progress(body: ProgressCreate, case: CurrentCase, session: SessionDep, actor: LoggedInDep) -> Any:
    """A status update on a running pilot: KPI results so far, milestones reached, a note."""
    service.report_progress(
        session=session,
        actor=actor,
        case=case,
        note=body.note,
        results={r.kpi_id: r.value for r in body.results},
        done=body.milestones_done,
    )
    return _pilot_now(session, case)


@router.post(
    "/cases/{case_id}/decision", response_model=DecisionRead, status_code=201, responses=errors(401, 403, 404, 409, 422)
)
def decide(body: DecisionCreate, case: CurrentCase, session: SessionDep, actor: LoggedInDep) -> Any:
    """Record the go/no-go decision against the KPIs; moves the case to adopted or stopped.

    The lessons learned become a draft knowledge article linked to the case.
    """
    follow_up = body.follow_up.model_dump() if body.follow_up and body.outcome == "go" else None
    decision = service.decide(
        session=session,
        actor=actor,
        case=case,
        outcome=body.outcome,
        reason=body.reason,
        lessons=body.lessons,
        results={r.kpi_id: r.value for r in body.results},
        follow_up=follow_up,
    )
    return decision_read(decision, actor, case)


# ---------------------------------------------------------------- the unit's overview


@router.get("/pipeline/dashboard", response_model=DashboardRead, responses=errors(401, 403))
def get_dashboard(session: SessionDep, actor: LoggedInDep, lang: LangDep) -> Any:
    """Open needs, cases per stage, median days in each stage, pilots due, stalled pilots, adoption rate (unit)."""
    board = service.dashboard(session=session, actor=actor)
    return DashboardRead(
        needs_by_status=board.needs_by_status,
        cases_by_stage=board.cases_by_stage,
        median_days_in_stage=board.median_days_in_stage,
        pilots_due=[
            PilotDue(case=_case_read(c), go_no_go=p.go_no_go, last_update_at=p.last_update_at)
            for c, p in board.pilots_due
        ],
        stalled=[_stalled(c, p, why, lang) for c, p, why in board.stalled],
        adoption_rate=board.adoption_rate,
        decided=board.decided,
    )


def _stalled(case: Case, pilot: Pilot, why: str, lang: str) -> StalledPilot:
    return StalledPilot(
        case=_case_read(case),
        go_no_go=pilot.go_no_go,
        last_update_at=pilot.last_update_at,
        reason=translate(why, lang, days=settings.pilot_stall_days),
    )


@router.get("/pipeline/stalled-pilots", response_model=list[StalledPilot], responses=errors(401))
def stalled_pilots(session: SessionDep, actor: LoggedInDep, lang: LangDep) -> Any:
    """Pilots you work on without an update for too long, or past their go/no-go date without a decision."""
    return [
        _stalled(c, p, why, lang)
        for c, p, why in service.stalled_pilots(session=session, actor=actor)
        if service.may_work(actor, c)
    ]
