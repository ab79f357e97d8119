"""JSON API: use cases (knowledge base)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from govlotse.core.openapi import errors
from govlotse.core.pagination import Page, page_of
from govlotse.core.schemas import Id
from govlotse.deps import ActorDep, SessionDep
from govlotse.knowledge import service
from govlotse.knowledge.models import UseCase
from govlotse.knowledge.schemas import UseCaseCreate, UseCaseFilter, UseCaseRead, UseCaseUpdate

router = APIRouter(prefix="/usecases", tags=["knowledge"])


def usecase_from_path(usecase_id: Id, session: SessionDep, actor: ActorDep) -> UseCase:
    return service.get_usecase(session=session, actor=actor, usecase_id=usecase_id)


CurrentUseCase = Annotated[UseCase, Depends(usecase_from_path)]


@router.get("", response_model=Page[UseCaseRead], responses=errors(422))
def list_usecases(query: Annotated[UseCaseFilter, Query()], session: SessionDep, actor: ActorDep) -> BaseModel:
    """Use cases, paginated; filter by text, country, sector, status, tag."""
    items, total = service.list_usecases(session=session, actor=actor, filters=query)
    return page_of([UseCaseRead.model_validate(i) for i in items], total, query)


@router.get("/{usecase_id}", response_model=UseCaseRead, responses=errors(404, 422))
def get_usecase(usecase: CurrentUseCase) -> object:
    """One use case with its source and licence."""
    return usecase


@router.post("", response_model=UseCaseRead, status_code=201, responses=errors(401, 403, 409, 422))
def create_usecase(usecase_in: UseCaseCreate, session: SessionDep, actor: ActorDep) -> object:
    """Add a use case (unit and experts)."""
    return service.create_usecase(session=session, actor=actor, usecase_in=usecase_in)


@router.patch("/{usecase_id}", response_model=UseCaseRead, responses=errors(401, 403, 404, 409, 422))
def update_usecase(usecase_in: UseCaseUpdate, usecase: CurrentUseCase, session: SessionDep, actor: ActorDep) -> object:
    """Edit a use case; send the `version` you read."""
    return service.update_usecase(session=session, actor=actor, usecase=usecase, usecase_in=usecase_in)
