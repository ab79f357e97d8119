"""JSON API: the expert directory and advisor assignments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.orm import Session

from govlotse.core.actor import Actor
from govlotse.core.openapi import errors
from govlotse.core.schemas import Id
from govlotse.deps import ActorDep, LoggedInDep, SessionDep
from govlotse.errors import Forbidden, NotFound
from govlotse.experts import service
from govlotse.experts.models import Availability, ExpertProfile
from govlotse.experts.schemas import AssignmentIn, AssignmentRead, ProfileIn, ProfileRead, ProfileUpdate

router = APIRouter(tags=["experts"])


def read(session: Session, profiles: list[ExpertProfile]) -> list[ProfileRead]:
    orgs = service.organisations_of(session, profiles)
    return [
        ProfileRead.model_validate(
            {
                **{k: getattr(p, k) for k in ProfileRead.model_fields if hasattr(p, k) and k != "tags"},
                "tags": p.tags,
                "name": p.user.name,
                "organisations": orgs[p.id],
            }
        )
        for p in profiles
    ]


def profile_from_path(profile_id: Id, session: SessionDep, actor: ActorDep) -> ExpertProfile:
    return service.get_profile(session=session, actor=actor, profile_id=profile_id)


CurrentProfile = Annotated[ExpertProfile, Depends(profile_from_path)]


@router.get("/experts", response_model=list[ProfileRead], responses=errors(401, 403, 422))
def list_experts(
    session: SessionDep,
    actor: LoggedInDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    tag: Annotated[str | None, Query(max_length=60)] = None,
    availability: Availability | None = None,
) -> object:
    """Listed experts (the unit, agency staff and experts). For search by meaning use /api/search?types=expert."""
    return read(session, service.list_profiles(session=session, actor=actor, q=q, tag=tag, availability=availability))


@router.get("/experts/me", response_model=ProfileRead, responses=errors(401, 404))
def my_profile(session: SessionDep, actor: LoggedInDep) -> object:
    """Your own expert profile."""
    profile = service.own_profile(session=session, actor=actor)
    if profile is None:
        raise NotFound("expert", "me")
    return read(session, [profile])[0]


@router.post("/experts", status_code=201, response_model=ProfileRead, responses=errors(401, 403, 422))
def create_profile(data: ProfileIn, session: SessionDep, actor: LoggedInDep) -> object:
    """Create your expert profile (people with the role expert; one each)."""
    profile = service.create_profile(session=session, actor=actor, profile_in=data)
    session.refresh(profile, ["tags", "user"])
    session.refresh(profile.user, ["memberships"])
    return read(session, [profile])[0]


@router.get("/experts/{profile_id}", response_model=ProfileRead, responses=errors(401, 404))
def get_expert(profile: CurrentProfile, session: SessionDep) -> object:
    return read(session, [profile])[0]


@router.put("/experts/{profile_id}", response_model=ProfileRead, responses=errors(401, 403, 404, 409, 422))
def update_expert(data: ProfileUpdate, profile: CurrentProfile, session: SessionDep, actor: LoggedInDep) -> object:
    """Change a profile (the expert, or the unit); send the version you read."""
    service.update_profile(session=session, actor=actor, profile=profile, profile_in=data)
    return read(session, [profile])[0]


@router.get("/experts/{profile_id}/assignments", response_model=list[AssignmentRead], responses=errors(401, 403, 404))
def expert_assignments(profile: CurrentProfile, session: SessionDep, actor: LoggedInDep) -> object:
    """What an expert advises on now (the expert and the unit)."""
    _own_or_unit(actor, profile)
    return service.assignments(session=session, profile_id=profile.id)


@router.post(
    "/expert-assignments", status_code=201, response_model=AssignmentRead, responses=errors(401, 403, 404, 422)
)
def assign(data: AssignmentIn, session: SessionDep, actor: LoggedInDep) -> object:
    """Assign an expert as advisor to a need (``challenge_id``) or a case (``case_id``) — the unit only."""
    return service.assign(
        session=session,
        actor=actor,
        profile_id=data.profile_id,
        challenge_id=data.challenge_id,
        case_id=data.case_id,
        note=data.note,
    )


@router.delete("/expert-assignments/{assignment_id}", status_code=204, responses=errors(401, 403, 404))
def end_assignment(assignment_id: Id, session: SessionDep, actor: LoggedInDep) -> Response:
    """End an assignment (the unit); the expert no longer sees the need through it."""
    service.end_assignment(session=session, actor=actor, assignment_id=assignment_id)
    return Response(status_code=204)


def _own_or_unit(actor: Actor, profile: ExpertProfile) -> None:
    if not (actor.sees_everything or profile.user_id == actor.user_id):
        raise Forbidden()
