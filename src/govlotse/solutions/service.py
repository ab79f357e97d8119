"""Solutions: the offerings of start-ups and research institutes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from govlotse.core import crud
from govlotse.core.actor import Actor
from govlotse.core.models import json_contains
from govlotse.core.pagination import paginate
from govlotse.core.schemas import apply_sort
from govlotse.errors import Conflict, Invalid, NotFound
from govlotse.matching import sources as search_index
from govlotse.organisations.models import Organisation, OrganisationKind, OrganisationStatus
from govlotse.policy import Action, may_own, organisation_filter, require
from govlotse.solutions.models import Solution
from govlotse.solutions.schemas import SolutionCreate, SolutionFilter, SolutionUpdate
from govlotse.taxonomy import service as taxonomy

SORTS = {"title": Solution.title, "created_at": Solution.created_at, "updated_at": Solution.updated_at}
OWNER_KINDS = (OrganisationKind.startup, OrganisationKind.research)


def _load() -> list[Any]:
    return [selectinload(Solution.tags), selectinload(Solution.organisation)]


def list_solutions(*, session: Session, actor: Actor, filters: SolutionFilter) -> tuple[list[Solution], int]:
    """The solutions of organisations the actor may see, filtered and sorted, one page."""
    f = filters
    stmt = select(Solution).join(Solution.organisation).where(organisation_filter(actor)).options(*_load())
    if f.q:
        like = f"%{f.q.strip()}%"
        stmt = stmt.where(
            or_(Solution.title.ilike(like), Solution.description.ilike(like), Organisation.name.ilike(like))
        )
    if f.organisation_id:
        stmt = stmt.where(Solution.organisation_id == f.organisation_id)
    if f.maturity:
        stmt = stmt.where(Solution.maturity == f.maturity)
    for column, code in (
        (Solution.hosting_options, f.hosting),
        (Solution.certifications, f.certification),
        (Solution.languages, f.language),
    ):
        if code:
            stmt = stmt.where(json_contains(column, code))
    if f.tag:
        stmt = stmt.where(Solution.tags.any(slug=f.tag))
    stmt = apply_sort(stmt, f.sort, allowed=SORTS, default="title", tiebreak=Solution.id)
    return paginate(session, stmt, f)


def get_solution(*, session: Session, actor: Actor, solution_id: int) -> Solution:
    """One solution the actor may see, or NotFound."""
    solution = session.scalar(select(Solution).where(Solution.id == solution_id).options(*_load()))
    if solution is None:
        raise NotFound("solution", solution_id)
    require(actor, Action.view, solution, name="solution", ident=solution_id)
    return solution


def owners_for(*, session: Session, actor: Actor) -> list[Organisation]:
    """The organisations for which the actor may publish solutions."""
    stmt = select(Organisation).where(Organisation.kind.in_(OWNER_KINDS)).order_by(Organisation.name)
    if not actor.sees_everything:
        stmt = stmt.where(Organisation.id.in_(actor.organisation_ids or {-1}))
    return list(session.scalars(stmt))


def create_solution(*, session: Session, actor: Actor, solution_in: SolutionCreate) -> Solution:
    """Add an offering to a start-up's profile (its members, or the unit)."""
    require(actor, Action.create, Solution, name="solution")
    org = session.get(Organisation, solution_in.organisation_id)
    if org is None or not may_own(actor, org, OWNER_KINDS):
        raise Invalid.on("organisation_id", "Bitte ein Unternehmen wählen, für das Sie Lösungen pflegen dürfen.")
    if crud.by_external_id(session, Solution, solution_in.external_id):
        raise Conflict(f"solution {solution_in.external_id} exists already")
    solution = Solution(
        **solution_in.model_dump(exclude={"tags"}),
        tags=taxonomy.resolve(session=session, slugs=solution_in.tags),
    )
    crud.created(session, actor=actor, obj=solution, entity_type="solution", data=solution_in.model_dump())
    session.refresh(solution, ["organisation"])
    search_index.enqueue(session, "solution", [solution.id])
    return solution


def update_solution(*, session: Session, actor: Actor, solution: Solution, solution_in: SolutionUpdate) -> Solution:
    """Edit an offering (its organisation's members, or the unit)."""
    require(actor, Action.update, solution, name="solution", ident=solution.id)
    crud.check_version(solution, solution_in.version, name="solution")
    values = solution_in.model_dump(exclude_unset=True, exclude={"version", "tags"})
    if solution_in.tags is not None:
        values["tags"] = taxonomy.resolve(session=session, slugs=solution_in.tags)
    if crud.apply_changes(session, actor=actor, obj=solution, values=values, entity_type="solution"):
        search_index.enqueue(session, "solution", [solution.id])
    return solution


def _solution_text(s: Solution) -> str:
    parts = [s.title, s.organisation.name, s.description, " ".join(t.label_de for t in s.tags), s.references]
    return "\n\n".join(p for p in parts if p and p.strip())


def search_sources(session: Session, ids: Sequence[int]) -> list[search_index.SearchSource]:
    """Solutions as the search index sees them, with the criteria hard filters need."""
    rows = session.scalars(select(Solution).where(Solution.id.in_(ids)).options(*_load()))
    return [
        search_index.SearchSource(
            entity_type="solution",
            entity_id=s.id,
            title=s.title,
            body=_solution_text(s),
            public=s.organisation.status == OrganisationStatus.active,
            org_id=s.organisation_id,
            org_kind=s.organisation.kind,
            maturity=s.maturity,
            hosting=tuple(s.hosting_options),
            certifications=tuple(s.certifications),
        )
        for s in rows
    ]


def ids_of_organisation(*, session: Session, organisation_id: int) -> list[int]:
    return list(session.scalars(select(Solution.id).where(Solution.organisation_id == organisation_id)))


search_index.register(
    "solution", load=search_sources, list_ids=lambda session: list(session.scalars(select(Solution.id)))
)
