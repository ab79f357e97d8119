"""JSON API: challenges (Bedarfe)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from govlotse.challenges import quality, service
from govlotse.challenges.models import Challenge, ChallengeStatus
from govlotse.challenges.schemas import (
    ChallengeCheckIn,
    ChallengeCreate,
    ChallengeFilter,
    ChallengeRead,
    ChallengeUpdate,
    FindingRead,
)
from govlotse.core.openapi import errors
from govlotse.core.pagination import Page, page_of
from govlotse.core.schemas import Id, Schema
from govlotse.deps import ActorDep, LangDep, SessionDep

router = APIRouter(prefix="/challenges", tags=["challenges"])


class TransitionIn(Schema):
    to: ChallengeStatus
    reason: str = Field(default="", max_length=5000)
    version: int = Field(ge=1)


def challenge_from_path(challenge_id: Id, session: SessionDep, actor: ActorDep) -> Challenge:
    return service.get_challenge(session=session, actor=actor, challenge_id=challenge_id)


CurrentChallenge = Annotated[Challenge, Depends(challenge_from_path)]


@router.get("", response_model=Page[ChallengeRead], responses=errors(422))
def list_challenges(query: Annotated[ChallengeFilter, Query()], session: SessionDep, actor: ActorDep) -> BaseModel:
    """Challenges you may see, paginated, filtered and sorted."""
    items, total = service.list_challenges(session=session, actor=actor, filters=query)
    return page_of([ChallengeRead.model_validate(i) for i in items], total, query)


# Declared before the /{challenge_id} routes so that "check" is never read as an id.
@router.post("/check", response_model=list[FindingRead], responses=errors(422))
def check_challenge(body: ChallengeCheckIn, lang: LangDep) -> list[FindingRead]:
    """Brief-quality check of a draft need (nothing is stored): advice on a thin problem statement, an
    outcome that cannot be measured, a missing budget range, and a product or vendor named instead of a
    problem. Warnings only; an empty list means nothing to improve. Texts follow `Accept-Language` / `lang`."""
    findings = quality.check(
        body.title, body.problem, body.desired_outcome, body.budget_min, body.budget_max, lang=lang
    )
    return [FindingRead(code=f.code, field=f.field, message=f.message, hint=f.hint) for f in findings]


@router.get("/{challenge_id}", response_model=ChallengeRead, responses=errors(404, 422))
def get_challenge(challenge: CurrentChallenge) -> object:
    """One challenge (404 if it does not exist or is not visible to you)."""
    return challenge


@router.post("", response_model=ChallengeRead, status_code=201, responses=errors(401, 403, 409, 422))
def create_challenge(challenge_in: ChallengeCreate, session: SessionDep, actor: ActorDep) -> object:
    """File a need for an agency."""
    return service.create_challenge(session=session, actor=actor, challenge_in=challenge_in)


@router.patch("/{challenge_id}", response_model=ChallengeRead, responses=errors(401, 403, 404, 409, 422))
def update_challenge(
    challenge_in: ChallengeUpdate, challenge: CurrentChallenge, session: SessionDep, actor: ActorDep
) -> object:
    """Edit a need; send the `version` you read (409 if it changed since)."""
    return service.update_challenge(session=session, actor=actor, challenge=challenge, challenge_in=challenge_in)


@router.post("/{challenge_id}/transition", response_model=ChallengeRead, responses=errors(401, 403, 404, 409, 422))
def transition(body: TransitionIn, challenge: CurrentChallenge, session: SessionDep, actor: ActorDep) -> object:
    """Move a need to another status (submit, accept, decline with reason, close)."""
    service.transition(
        session=session,
        actor=actor,
        challenge=challenge,
        to=body.to,
        reason=body.reason,
        version=body.version,
    )
    return challenge
