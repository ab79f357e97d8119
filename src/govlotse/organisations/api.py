"""JSON API: organisations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from govlotse.core.openapi import errors
from govlotse.core.pagination import Page, page_of
from govlotse.core.schemas import Id
from govlotse.deps import ActorDep, SessionDep
from govlotse.organisations import service
from govlotse.organisations.models import Organisation
from govlotse.organisations.schemas import (
    OrganisationCreate,
    OrganisationFilter,
    OrganisationRead,
    OrganisationUpdate,
)

router = APIRouter(prefix="/organisations", tags=["organisations"])


def organisation_from_path(organisation_id: Id, session: SessionDep, actor: ActorDep) -> Organisation:
    return service.get_organisation(session=session, actor=actor, organisation_id=organisation_id)


CurrentOrganisation = Annotated[Organisation, Depends(organisation_from_path)]


@router.get("", response_model=Page[OrganisationRead], responses=errors(422))
def list_organisations(
    query: Annotated[OrganisationFilter, Query()], session: SessionDep, actor: ActorDep
) -> BaseModel:
    """Organisations, paginated; filter by text, kind, tag, location."""
    items, total = service.list_organisations(session=session, actor=actor, filters=query)
    return page_of([OrganisationRead.model_validate(i) for i in items], total, query)


@router.get("/{organisation_id}", response_model=OrganisationRead, responses=errors(404, 422))
def get_organisation(org: CurrentOrganisation) -> object:
    """One organisation."""
    return org


@router.post("", response_model=OrganisationRead, status_code=201, responses=errors(401, 403, 409, 422))
def create_organisation(org_in: OrganisationCreate, session: SessionDep, actor: ActorDep) -> object:
    """Register an organisation (unit and admins)."""
    return service.create_organisation(session=session, actor=actor, org_in=org_in)


@router.patch("/{organisation_id}", response_model=OrganisationRead, responses=errors(401, 403, 404, 409, 422))
def update_organisation(
    org_in: OrganisationUpdate, org: CurrentOrganisation, session: SessionDep, actor: ActorDep
) -> object:
    """Change an organisation; send the `version` you read (409 if it changed since)."""
    return service.update_organisation(session=session, actor=actor, org=org, org_in=org_in)
