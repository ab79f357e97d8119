"""JSON API: use cases (knowledge base)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from govlotse.core.pagination import Page, PageParams, page_of
from govlotse.deps import ActorDep, SessionDep
from govlotse.knowledge import service
from govlotse.knowledge.models import UseCase
from govlotse.knowledge.schemas import UseCaseCreate, UseCaseRead, UseCaseUpdate

router = APIRouter(prefix="/usecases", tags=["knowledge"])


class UseCaseQuery(PageParams):
    q: str | None = Field(
        default=None, max_length=200, description="Text in title, description or organisation"
    )
    country: str | None = Field(default=None, pattern=r"^[A-Za-z]{2}$")
    sector: str | None = Field(default=None, max_length=200)
    status: str | None = Field(default=None, max_length=100)
    tag: str | None = Field(default=None, max_length=60)
    sort: str | None = Field(
        default=None, max_length=30, description="title, created_at, country; - for descending"
    )


def usecase_from_path(usecase_id: int, session: SessionDep, actor: ActorDep) -> UseCase:
    return service.get_usecase(session=session, actor=actor, usecase_id=usecase_id)


CurrentUseCase = Annotated[UseCase, Depends(usecase_from_path)]


@router.get("", response_model=Page[UseCaseRead])
def list_usecases(query: Annotated[UseCaseQuery, Query()], session: SessionDep, actor: ActorDep) -> BaseModel:
    """Use cases, paginated; filter by text, country, sector, status, tag."""
    items, total = service.list_usecases(
        session=session,
        actor=actor,
        page=query,
        q=query.q,
        country=query.country,
        sector=query.sector,
        status=query.status,
        tag=query.tag,
        sort=query.sort,
    )
    return page_of([UseCaseRead.model_validate(i) for i in items], total, query)


@router.get("/{usecase_id}", response_model=UseCaseRead)
def get_usecase(usecase: CurrentUseCase) -> object:
    """One use case with its source and licence."""
    return usecase


@router.post("", response_model=UseCaseRead, status_code=201)
def create_usecase(usecase_in: UseCaseCreate, session: SessionDep, actor: ActorDep) -> object:
    """Add a use case (unit and experts)."""
    return service.create_usecase(session=session, actor=actor, usecase_in=usecase_in)


@router.patch("/{usecase_id}", response_model=UseCaseRead)
def update_usecase(
    usecase_in: UseCaseUpdate, usecase: CurrentUseCase, session: SessionDep, actor: ActorDep
) -> object:
    """Edit a use case; send the `version` you read."""
    return service.update_usecase(session=session, actor=actor, usecase=usecase, usecase_in=usecase_in)
