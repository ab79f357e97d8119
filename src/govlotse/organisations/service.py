"""Organisations: agencies, start-ups and research institutes."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from govlotse.core import crud
from govlotse.core.actor import Actor
from govlotse.core.pagination import paginate
from govlotse.core.schemas import apply_sort
from govlotse.errors import Conflict, Forbidden, NotFound
from govlotse.matching import sources as search_index
from govlotse.organisations.models import Organisation, OrganisationStatus
from govlotse.organisations.schemas import OrganisationCreate, OrganisationFilter, OrganisationUpdate
from govlotse.policy import Action, organisation_filter, require
from govlotse.solutions import service as solutions
from govlotse.taxonomy import service as taxonomy

SORTS = {
    "name": Organisation.name,
    "created_at": Organisation.created_at,
    "founded_year": Organisation.founded_year,
}


def list_organisations(
    *, session: Session, actor: Actor, filters: OrganisationFilter
) -> tuple[list[Organisation], int]:
    """The organisations the actor may see, filtered and sorted, one page."""
    f = filters
    stmt = select(Organisation).where(organisation_filter(actor)).options(selectinload(Organisation.tags))
    if f.q:
        like = f"%{f.q.strip()}%"
        stmt = stmt.where(or_(Organisation.name.ilike(like), Organisation.description.ilike(like)))
    if f.kind:
        stmt = stmt.where(Organisation.kind == f.kind)
    if f.location:
        stmt = stmt.where(Organisation.location.ilike(f.location.strip()))
    if f.tag:
        stmt = stmt.where(Organisation.tags.any(slug=f.tag))
    stmt = apply_sort(stmt, f.sort, allowed=SORTS, default="name", tiebreak=Organisation.id)
    return paginate(session, stmt, f)


def get_organisation(*, session: Session, actor: Actor, organisation_id: int) -> Organisation:
    """One organisation the actor may see, or NotFound."""
    org = session.scalar(
        select(Organisation).where(Organisation.id == organisation_id).options(selectinload(Organisation.tags))
    )
    if org is None:
        raise NotFound("organisation", organisation_id)
    require(actor, Action.view, org, name="organisation", ident=organisation_id)
    return org


def create_organisation(*, session: Session, actor: Actor, org_in: OrganisationCreate) -> Organisation:
    """Register an organisation (the unit, admins and the CLI)."""
    require(actor, Action.create, Organisation, name="organisation")  # 401 for visitors, 403 for the rest
    if crud.by_external_id(session, Organisation, org_in.external_id):
        raise Conflict(f"organisation {org_in.external_id} exists already")
    data = org_in.model_dump(exclude={"tags"})
    org = Organisation(**data, tags=taxonomy.resolve(session=session, slugs=org_in.tags))
    crud.created(session, actor=actor, obj=org, entity_type="organisation", data=org_in.model_dump())
    return org


def update_organisation(
    *, session: Session, actor: Actor, org: Organisation, org_in: OrganisationUpdate
) -> Organisation:
    """Change an organisation's profile (its members, or the unit)."""
    require(actor, Action.update, org, name="organisation", ident=org.id)
    crud.check_version(org, org_in.version, name="organisation")
    values = org_in.model_dump(exclude_unset=True, exclude={"version", "tags"})
    if "status" in values and not actor.sees_everything:
        raise Forbidden("only the unit approves organisations")
    if org_in.tags is not None:
        values["tags"] = taxonomy.resolve(session=session, slugs=org_in.tags)
    diff = crud.apply_changes(session, actor=actor, obj=org, values=values, entity_type="organisation")
    if {"name", "status"} & set(diff):
        _reindex_solutions(session, org)
    return org


def set_status(
    *, session: Session, actor: Actor, org: Organisation, status: OrganisationStatus, note: str | None
) -> Organisation:
    """The unit's decision on a registration (see accounts.registration.review)."""
    if not actor.sees_everything:
        raise Forbidden("only the unit approves organisations")
    values = {"status": str(status), "status_note": note}
    crud.apply_changes(session, actor=actor, obj=org, values=values, entity_type="organisation")
    _reindex_solutions(session, org)
    return org


def _reindex_solutions(session: Session, org: Organisation) -> None:
    # Solutions show the company name and are public only while the company is active.
    search_index.enqueue(session, "solution", solutions.ids_of_organisation(session=session, organisation_id=org.id))
