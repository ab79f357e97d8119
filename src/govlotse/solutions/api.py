"""JSON API: solutions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from govlotse.core.pagination import Page, PageParams, page_of
from govlotse.deps import ActorDep, SessionDep
from govlotse.solutions import service
from govlotse.solutions.models import Certification, HostingOption, Maturity, Solution
from govlotse.solutions.schemas import SolutionCreate, SolutionRead, SolutionUpdate

router = APIRouter(prefix="/solutions", tags=["solutions"])


class SolutionQuery(PageParams):
    q: str | None = Field(
        default=None, max_length=200, description="Text in title, description or company name"
    )
    organisation_id: int | None = None
    maturity: Maturity | None = None
    hosting: HostingOption | None = None
    certification: Certification | None = None
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}$")
    tag: str | None = Field(default=None, max_length=60)
    sort: str | None = Field(
        default=None, max_length=30, description="title, created_at, updated_at; - for descending"
    )


def solution_from_path(solution_id: int, session: SessionDep, actor: ActorDep) -> Solution:
    return service.get_solution(session=session, actor=actor, solution_id=solution_id)


CurrentSolution = Annotated[Solution, Depends(solution_from_path)]


@router.get("", response_model=Page[SolutionRead])
def list_solutions(
    query: Annotated[SolutionQuery, Query()], session: SessionDep, actor: ActorDep
) -> BaseModel:
    """Solutions, paginated; filter by text, maturity, hosting, certification, language, tag."""
    items, total = service.list_solutions(
        session=session,
        actor=actor,
        page=query,
        q=query.q,
        organisation_id=query.organisation_id,
        maturity=query.maturity,
        hosting=query.hosting,
        certification=query.certification,
        language=query.language,
        tag=query.tag,
        sort=query.sort,
    )
    return page_of([SolutionRead.model_validate(i) for i in items], total, query)


@router.get("/{solution_id}", response_model=SolutionRead)
def get_solution(solution: CurrentSolution) -> object:
    """One solution."""
    return solution


@router.post("", response_model=SolutionRead, status_code=201)
def create_solution(solution_in: SolutionCreate, session: SessionDep, actor: ActorDep) -> object:
    """Add a solution to your organisation's profile."""
    return service.create_solution(session=session, actor=actor, solution_in=solution_in)


@router.patch("/{solution_id}", response_model=SolutionRead)
def update_solution(
    solution_in: SolutionUpdate, solution: CurrentSolution, session: SessionDep, actor: ActorDep
) -> object:
    """Edit a solution; send the `version` you read (409 if it changed since)."""
    return service.update_solution(session=session, actor=actor, solution=solution, solution_in=solution_in)
