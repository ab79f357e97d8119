"""JSON API: market exploration runs (Markterkundung) — long list, shortlist, exclusions, report.

Runs are listed and started under their need (``/challenges/{id}/explorations``) and addressed by
their own id afterwards (``/explorations/{run_id}``). The unit works on runs; the agency that owns
the need reads them; everyone else gets 404.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from govlotse.challenges.models import Challenge
from govlotse.core.actor import Actor
from govlotse.core.openapi import errors
from govlotse.core.schemas import Id
from govlotse.deps import LangDep, LoggedInDep, SessionDep
from govlotse.errors import NotFound
from govlotse.exploration import report, service
from govlotse.exploration.models import Candidate, CandidateStatus, ExplorationRun
from govlotse.exploration.schemas import (
    CandidateAdd,
    CandidateBrief,
    CandidateJudgment,
    CandidateRead,
    CandidateStatusUpdate,
    Explanation,
    JudgedQuery,
    MarketMap,
    Moved,
    RunClosed,
    RunComparison,
    RunCounts,
    RunCreate,
    RunRead,
    RunSummary,
    Segment,
)
from govlotse.i18n import translate
from govlotse.matching.schemas import CriterionRead
from govlotse.web.responses import document_response

router = APIRouter(tags=["exploration"])

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


def challenge_from_path(challenge_id: Id, session: SessionDep, actor: LoggedInDep) -> Challenge:
    return service.challenge_of(session=session, actor=actor, challenge_id=challenge_id)


def run_from_path(run_id: Id, session: SessionDep, actor: LoggedInDep) -> ExplorationRun:
    return service.get_run(session=session, actor=actor, run_id=run_id)


CurrentChallenge = Annotated[Challenge, Depends(challenge_from_path)]
CurrentRun = Annotated[ExplorationRun, Depends(run_from_path)]


# ---------------------------------------------------------------- building the answers


def explanation_read(candidate: Candidate, lang: str) -> Explanation:
    why = candidate.explanation or {}
    criteria = [
        CriterionRead(
            code=str(c.get("code", "")),
            label=translate(str(c.get("label", "")), lang),
            met=c.get("met"),
            detail=str(c.get("detail", "")),
        )
        for c in why.get("criteria", [])
    ]
    return Explanation(
        matched_terms=list(why.get("matched_terms", [])),
        translations=list(why.get("translations", [])),
        passage=str(why.get("passage", "")),
        highlights=list(why.get("highlights", [])),
        semantic_share=why.get("semantic_share"),
        added_because=why.get("added_because"),
        criteria=criteria,
        criteria_met=sum(1 for c in criteria if c.met is True),
        criteria_total=len(criteria),
    )


def candidate_read(candidate: Candidate, lang: str) -> CandidateRead:
    return CandidateRead.model_validate(
        {
            **CandidateBrief.model_validate(candidate).model_dump(),
            "version": candidate.version,
            "run_id": candidate.run_id,
            "score": candidate.score,
            "semantic": candidate.semantic,
            "lexical": candidate.lexical,
            "segment": translate(candidate.segment, lang)
            if candidate.segment == service.OTHER_SEGMENT
            else candidate.segment,
            "reason": candidate.reason,
            "judgment": candidate.judgment,
            "decided_by_label": candidate.decided_by_label,
            "updated_at": candidate.updated_at,
            "explanation": explanation_read(candidate, lang),
        }
    )


def run_read(run: ExplorationRun, lang: str) -> RunRead:
    candidates = list(run.candidates)

    def count(status: CandidateStatus) -> int:
        return sum(1 for c in candidates if c.status == status)

    return RunRead.model_validate(
        {
            **RunSummary.model_validate(run).model_dump(),
            "challenge": run.challenge,
            "query": run.query,
            "search_settings": run.search_settings or {},
            "notes": run.notes,
            "counts": RunCounts(
                candidates=len(candidates),
                longlist=count(CandidateStatus.longlist),
                shortlist=count(CandidateStatus.shortlist),
                excluded=count(CandidateStatus.excluded),
                added_manually=sum(1 for c in candidates if c.added_manually),
                judged=sum(1 for c in candidates if c.judgment is not None),
            ),
            "candidates": [candidate_read(c, lang) for c in candidates],
        }
    )


def _candidate_of(session: Session, actor: Actor, run_id: Id, candidate_id: int) -> Candidate:
    """The candidate as it is now, with its solution loaded (reloads the run)."""
    run = service.get_run(session=session, actor=actor, run_id=run_id)
    found = next((c for c in run.candidates if c.id == candidate_id), None)
    if found is None:
        raise NotFound("candidate", candidate_id)
    return found


# ---------------------------------------------------------------- routes


@router.get("/explorations/judgments", response_model=list[JudgedQuery], responses=errors(401, 403))
def export_judgments(session: SessionDep, actor: LoggedInDep) -> Any:
    """The unit's relevance judgments, one query per run, in the evaluation format (unit only)."""
    return service.export_judgments(session=session, actor=actor)


@router.get("/challenges/{challenge_id}/explorations", response_model=list[RunSummary], responses=errors(401, 404, 422))
def list_runs(challenge: CurrentChallenge, session: SessionDep, actor: LoggedInDep) -> Any:
    """The runs of a need, newest first (empty for those who may see the need but not its runs)."""
    return service.runs_for(session=session, actor=actor, challenge=challenge)


@router.post(
    "/challenges/{challenge_id}/explorations",
    response_model=RunRead,
    status_code=201,
    responses=errors(401, 403, 404, 409, 422),
)
def start_run(
    body: RunCreate, challenge: CurrentChallenge, session: SessionDep, actor: LoggedInDep, lang: LangDep
) -> Any:
    """Search the market for an accepted need and freeze query, filters, model and rule-set version (unit)."""
    filters = service.RunFilters(
        hosting=tuple(body.hosting),
        certifications=tuple(body.certifications),
        maturity=tuple(body.maturity),
        strict=body.strict,
    )
    run = service.start_run(session=session, actor=actor, challenge=challenge, filters=filters, limit=body.limit)
    return run_read(run, lang)


@router.get("/explorations/{run_id}", response_model=RunRead, responses=errors(401, 404, 422))
def get_run(run: CurrentRun, lang: LangDep) -> Any:
    """A run with its frozen search, its candidates, their scores, explanations and decisions."""
    return run_read(run, lang)


@router.patch(
    "/explorations/{run_id}/candidates/{candidate_id}",
    response_model=CandidateRead,
    responses=errors(401, 403, 404, 409, 422),
)
def set_candidate_status(
    candidate_id: Id,
    body: CandidateStatusUpdate,
    run: CurrentRun,
    session: SessionDep,
    actor: LoggedInDep,
    lang: LangDep,
) -> Any:
    """Shortlist, un-shortlist or exclude a candidate (exclusion needs a reason); send the `version` you read."""
    service.set_status(
        session=session,
        actor=actor,
        run=run,
        candidate_id=candidate_id,
        status=body.status,
        reason=body.reason,
        version=body.version,
    )
    return candidate_read(_candidate_of(session, actor, run.id, candidate_id), lang)


@router.post(
    "/explorations/{run_id}/candidates/{candidate_id}/judgment",
    response_model=CandidateRead,
    responses=errors(401, 403, 404, 409, 422),
)
def judge_candidate(
    candidate_id: Id,
    body: CandidateJudgment,
    run: CurrentRun,
    session: SessionDep,
    actor: LoggedInDep,
    lang: LangDep,
) -> Any:
    """Record whether a candidate fits the need, to measure search quality (unit; also on closed runs)."""
    service.judge(session=session, actor=actor, run=run, candidate_id=candidate_id, grade=body.grade)
    return candidate_read(_candidate_of(session, actor, run.id, candidate_id), lang)


@router.post(
    "/explorations/{run_id}/candidates",
    response_model=CandidateRead,
    status_code=201,
    responses=errors(401, 403, 404, 409, 422),
)
def add_candidate(body: CandidateAdd, run: CurrentRun, session: SessionDep, actor: LoggedInDep, lang: LangDep) -> Any:
    """Add a solution the search did not find, with the reason (unit; open runs only)."""
    added = service.add_manually(
        session=session, actor=actor, run=run, solution_id=body.solution_id, reason=body.reason
    )
    return candidate_read(_candidate_of(session, actor, run.id, added.id), lang)


@router.post("/explorations/{run_id}/close", response_model=RunClosed, responses=errors(401, 403, 404, 409, 422))
def close_run(run: CurrentRun, session: SessionDep, actor: LoggedInDep, lang: LangDep) -> Any:
    """Freeze the run for the procurement file; every shortlisted start-up gets a pipeline case (unit)."""
    case_ids = service.close_run(session=session, actor=actor, run=run)
    closed = service.get_run(session=session, actor=actor, run_id=run.id)
    return RunClosed(run=run_read(closed, lang), case_ids=case_ids)


@router.get("/explorations/{run_id}/market-map", response_model=MarketMap, responses=errors(401, 404, 422))
def market_map(run: CurrentRun, lang: LangDep) -> Any:
    """The long list grouped into segments (capabilities), largest first."""
    return MarketMap(
        run_id=run.id,
        segments=[
            Segment(
                segment=translate(name, lang) if name == service.OTHER_SEGMENT else name,
                count=len(items),
                candidates=[CandidateBrief.model_validate(c) for c in items],
            )
            for name, items in service.market_map(run)
        ],
    )


@router.get("/explorations/{run_id}/comparison", response_model=RunComparison, responses=errors(401, 404, 422))
def compare_with_previous(run: CurrentRun, session: SessionDep) -> Any:
    """Who is new on the long list since the need's previous run, who dropped out, who moved."""
    previous = service.previous_run(session=session, run=run)
    if previous is None:
        return RunComparison(run_id=run.id, previous=None, new=[], dropped=[], moved=[])
    diff = service.compare(previous, run)
    return RunComparison(
        run_id=run.id,
        previous=RunSummary.model_validate(previous),
        new=[CandidateBrief.model_validate(c) for c in diff.new],
        dropped=[CandidateBrief.model_validate(c) for c in diff.dropped],
        moved=[
            Moved(candidate=CandidateBrief.model_validate(c), from_position=old, to_position=new)
            for c, old, new in diff.moved
        ],
    )


@router.get(
    "/explorations/{run_id}/report", response_class=Response, responses={**DOCUMENT_RESPONSES, **errors(401, 404, 422)}
)
def get_report(
    run: CurrentRun, session: SessionDep, actor: LoggedInDep, lang: LangDep, fmt: DocumentFormat = "md"
) -> Response:
    """The market exploration report (Markterkundungsbericht) for the procurement file."""
    doc = report.build(session=session, actor=actor, run=run, lang=lang)
    return document_response(doc, f"markterkundung-{run.challenge_id}-{run.number}", fmt)
