"""JSON API: challenges (Bedarfe)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from govlotse.challenges import service
from govlotse.challenges.models import Challenge, ChallengeStatus
from govlotse.challenges.schemas import ChallengeCreate, ChallengeFilter, ChallengeRead, ChallengeUpdate
from govlotse.core.pagination import Page, page_of
from govlotse.core.schemas import Schema
from govlotse.deps import ActorDep, SessionDep

router = APIRouter(prefix="/challenges", tags=["challenges"])


class TransitionIn(Schema):
    to: ChallengeStatus
    reason: str = Field(default="", max_length=5000)
    version: int = Field(ge=1)


def challenge_from_path(challenge_id: int, session: SessionDep, actor: ActorDep) -> Challenge:
    return service.get_challenge(session=session, actor=actor, challenge_id=challenge_id)


CurrentChallenge = Annotated[Challenge, Depends(challenge_from_path)]


@router.get("", response_model=Page[ChallengeRead])
def list_challenges(query: Annotated[ChallengeFilter, Query()], session: SessionDep, actor: ActorDep) -> BaseModel:
    """Challenges you may see, paginated, filtered and sorted."""
    items, total = service.list_challenges(session=session, actor=actor, filters=query)
    return page_of([ChallengeRead.model_validate(i) for i in items], total, query)


@router.get("/{challenge_id}", response_model=ChallengeRead)
def get_challenge(challenge: CurrentChallenge) -> object:
    """One challenge (404 if it does not exist or is not visible to you)."""
    return challenge


@router.post("", response_model=ChallengeRead, status_code=201)
def create_challenge(challenge_in: ChallengeCreate, session: SessionDep, actor: ActorDep) -> object:
    """File a need for an agency."""
    return service.create_challenge(session=session, actor=actor, challenge_in=challenge_in)


@router.patch("/{challenge_id}", response_model=ChallengeRead)
def update_challenge(
    challenge_in: ChallengeUpdate, challenge: CurrentChallenge, session: SessionDep, actor: ActorDep
) -> object:
    """Edit a need; send the `version` you read (409 if it changed since)."""
    return service.update_challenge(session=session, actor=actor, challenge=challenge, challenge_in=challenge_in)


@router.post("/{challenge_id}/transition", response_model=ChallengeRead)
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
