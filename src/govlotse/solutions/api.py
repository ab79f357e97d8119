"""JSON API: solutions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from govlotse.core.openapi import errors
from govlotse.core.pagination import Page, page_of
from govlotse.core.schemas import Id
from govlotse.deps import ActorDep, SessionDep
from govlotse.solutions import service
from govlotse.solutions.models import Solution
from govlotse.solutions.schemas import SolutionCreate, SolutionFilter, SolutionRead, SolutionUpdate

router = APIRouter(prefix="/solutions", tags=["solutions"])


def solution_from_path(solution_id: Id, session: SessionDep, actor: ActorDep) -> Solution:
    return service.get_solution(session=session, actor=actor, solution_id=solution_id)


CurrentSolution = Annotated[Solution, Depends(solution_from_path)]


@router.get("", response_model=Page[SolutionRead], responses=errors(422))
def list_solutions(query: Annotated[SolutionFilter, Query()], session: SessionDep, actor: ActorDep) -> BaseModel:
    """Solutions, paginated; filter by text, maturity, hosting, certification, language, tag."""
    items, total = service.list_solutions(session=session, actor=actor, filters=query)
    return page_of([SolutionRead.model_validate(i) for i in items], total, query)


@router.get("/{solution_id}", response_model=SolutionRead, responses=errors(404, 422))
def get_solution(solution: CurrentSolution) -> object:
    """One solution."""
    return solution


@router.post("", response_model=SolutionRead, status_code=201, responses=errors(401, 403, 409, 422))
def create_solution(solution_in: SolutionCreate, session: SessionDep, actor: ActorDep) -> object:
    """Add a solution to your organisation's profile."""
    return service.create_solution(session=session, actor=actor, solution_in=solution_in)


@router.patch("/{solution_id}", response_model=SolutionRead, responses=errors(401, 403, 404, 409, 422))
def update_solution(
    solution_in: SolutionUpdate, solution: CurrentSolution, session: SessionDep, actor: ActorDep
) -> object:
    """Edit a solution; send the `version` you read (409 if it changed since)."""
    return service.update_solution(session=session, actor=actor, solution=solution, solution_in=solution_in)
