"""JSON API: procurement advisor, EU AI Act check, GDPR checklist, EVB-IT, rule-set versions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, Field

from govlotse.challenges.api import CurrentChallenge
from govlotse.core.openapi import errors
from govlotse.core.schemas import Id
from govlotse.deps import ActorDep, LoggedInDep, SessionDep
from govlotse.errors import Invalid
from govlotse.procurement import compliance, service
from govlotse.procurement.advisor import Advice, AdviceInput, NoApplicableRule

router = APIRouter(prefix="/procurement", tags=["procurement"])


class AdviceRequest(AdviceInput):
    challenge_id: Id | None = Field(default=None, description="Store the result on this need")


class AiActRequest(compliance.AiActAnswers):
    challenge_id: Id | None = None


class RuleSetRead(BaseModel):
    version: str
    title: str
    active: bool
    loaded_by: str
    sha256: str


@router.post("/advice", response_model=Advice, responses=errors(401, 403, 404, 422))
def advice(body: AdviceRequest, session: SessionDep, actor: LoggedInDep) -> Advice:
    """Regime, threshold, permitted and recommended procedure, special routes, warnings and sources.

    Documented decision support to be checked by the procurement office — not legal advice.
    """
    data = body.model_dump(exclude={"challenge_id"})
    try:
        result, _record = service.advise(
            session=session, actor=actor, advice_in=AdviceInput(**data), challenge_id=body.challenge_id
        )
    except NoApplicableRule as exc:
        raise Invalid.on("start_date", "Für dieses Datum enthält das Regelwerk keinen Schwellenwert.") from exc
    return result


@router.post("/ai-act", response_model=compliance.AiActResult, responses=errors(401, 403, 404, 422))
def ai_act(body: AiActRequest, session: SessionDep, actor: LoggedInDep) -> compliance.AiActResult:
    """EU AI Act risk class and the duties of a public authority as deployer, with their dates."""
    result, _record = service.ai_act_check(
        session=session,
        actor=actor,
        answers=compliance.AiActAnswers(**body.model_dump(exclude={"challenge_id"})),
        challenge_id=body.challenge_id,
    )
    return result


@router.get(
    "/challenges/{challenge_id}/ai-act-suggestion",
    response_model=list[compliance.Suggestion],
    responses=errors(401, 403, 404, 422),
)
def ai_act_suggestion(challenge: CurrentChallenge, session: SessionDep, actor: LoggedInDep) -> Any:
    """Annex III areas the need's text resembles — a suggestion; the person decides."""
    service.require_advisor(actor)
    return service.ai_act_suggestions(session=session, text=f"{challenge.title}. {challenge.problem}")


@router.get(
    "/challenges/{challenge_id}/gdpr", response_model=list[compliance.GdprItem], responses=errors(401, 403, 404, 422)
)
def gdpr(challenge: CurrentChallenge, session: SessionDep, actor: LoggedInDep) -> Any:
    """The GDPR checklist for a need that processes personal data."""
    service.require_advisor(actor)
    return service.gdpr_for(session=session, challenge=challenge)


@router.get("/evb-it", response_model=compliance.EvbItOut, responses=errors(422))
def evb_it(service_kind: str, session: SessionDep, actor: ActorDep) -> Any:
    """The standard IT contract type (EVB-IT) for a kind of IT service."""
    try:
        return compliance.evb_it(service.active_rule_set(session), service_kind)
    except ValueError as exc:
        raise Invalid.on("service_kind", "Unbekannte Art der IT-Leistung.") from exc


@router.get("/rulesets", response_model=list[RuleSetRead], responses=errors(401))
def rulesets(session: SessionDep, actor: LoggedInDep) -> Any:
    """Stored rule-set versions."""
    return service.list_versions(session=session)


@router.post("/rulesets", response_model=RuleSetRead, status_code=201, responses=errors(401, 403, 409, 422))
def load_ruleset(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    text: str = Body(..., media_type="text/plain", description="The rule set as YAML or JSON"),
) -> Any:
    """Load a new rule-set version (administrators); refused with the entry's id if invalid."""
    return service.load_rule_set(session=session, actor=actor, text=text, name="upload")
