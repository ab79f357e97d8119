"""Knowledge base: public-sector AI use cases."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from govlotse.core import crud
from govlotse.core.actor import Actor
from govlotse.core.pagination import paginate
from govlotse.core.schemas import apply_sort
from govlotse.errors import Conflict, NotFound
from govlotse.knowledge.models import UseCase
from govlotse.knowledge.schemas import UseCaseCreate, UseCaseFilter, UseCaseUpdate
from govlotse.matching import sources as search_index
from govlotse.policy import Action, require
from govlotse.taxonomy import service as taxonomy

SORTS = {"title": UseCase.title, "created_at": UseCase.created_at, "country": UseCase.country}


def list_usecases(*, session: Session, actor: Actor, filters: UseCaseFilter) -> tuple[list[UseCase], int]:
    """Use cases, filtered and sorted, one page (the library is public)."""
    f = filters
    stmt = select(UseCase).options(selectinload(UseCase.tags))
    if f.q:
        like = f"%{f.q.strip()}%"
        stmt = stmt.where(
            or_(
                UseCase.title.ilike(like),
                UseCase.description.ilike(like),
                UseCase.organisation_name.ilike(like),
            )
        )
    if f.country:
        stmt = stmt.where(UseCase.country == f.country.upper())
    if f.sector:
        stmt = stmt.where(UseCase.sector == f.sector)
    if f.status:
        stmt = stmt.where(UseCase.status == f.status)
    if f.tag:
        stmt = stmt.where(UseCase.tags.any(slug=f.tag))
    stmt = apply_sort(stmt, f.sort, allowed=SORTS, default="title", tiebreak=UseCase.id)
    return paginate(session, stmt, f)


def facets(*, session: Session) -> dict[str, list[str]]:
    """The distinct countries and sectors, for filter menus."""
    countries = session.scalars(select(UseCase.country).where(UseCase.country.is_not(None)).distinct())
    sectors = session.scalars(select(UseCase.sector).where(UseCase.sector != "").distinct())
    return {"country": sorted(c for c in countries if c), "sector": sorted(sectors)}


def get_usecase(*, session: Session, actor: Actor, usecase_id: int) -> UseCase:
    """One use case, or NotFound."""
    usecase = session.scalar(select(UseCase).where(UseCase.id == usecase_id).options(selectinload(UseCase.tags)))
    if usecase is None:
        raise NotFound("use case", usecase_id)
    require(actor, Action.view, usecase, name="use case", ident=usecase_id)
    return usecase


def create_usecase(*, session: Session, actor: Actor, usecase_in: UseCaseCreate) -> UseCase:
    """Add a use case to the library (the unit, experts, the CLI)."""
    require(actor, Action.create, UseCase, name="use case")
    if crud.by_external_id(session, UseCase, usecase_in.external_id):
        raise Conflict(f"use case {usecase_in.external_id} exists already")
    usecase = UseCase(
        **usecase_in.model_dump(exclude={"tags"}),
        tags=taxonomy.resolve(session=session, slugs=usecase_in.tags),
    )
    crud.created(session, actor=actor, obj=usecase, entity_type="usecase", data=usecase_in.model_dump())
    search_index.enqueue(session, "usecase", [usecase.id])
    return usecase


def update_usecase(*, session: Session, actor: Actor, usecase: UseCase, usecase_in: UseCaseUpdate) -> UseCase:
    """Edit a use case."""
    require(actor, Action.update, usecase, name="use case", ident=usecase.id)
    crud.check_version(usecase, usecase_in.version, name="use case")
    values = usecase_in.model_dump(exclude_unset=True, exclude={"version", "tags"})
    if usecase_in.tags is not None:
        values["tags"] = taxonomy.resolve(session=session, slugs=usecase_in.tags)
    if crud.apply_changes(session, actor=actor, obj=usecase, values=values, entity_type="usecase"):
        search_index.enqueue(session, "usecase", [usecase.id])
    return usecase


def sources(*, session: Session) -> list[dict[str, object]]:
    """How many use cases come from which source under which licence (for the data-sources page)."""
    from sqlalchemy import func

    rows = session.execute(
        select(UseCase.source, UseCase.licence, func.count())
        .group_by(UseCase.source, UseCase.licence)
        .order_by(func.count().desc())
    )
    return [{"source": s or "–", "licence": lic or "–", "count": n} for s, lic, n in rows]


def search_sources(session: Session, ids: Sequence[int]) -> list[search_index.SearchSource]:
    """Use cases as the search index sees them (the library is public)."""
    rows = session.scalars(select(UseCase).where(UseCase.id.in_(ids)).options(selectinload(UseCase.tags)))
    return [
        search_index.SearchSource(
            entity_type="usecase",
            entity_id=u.id,
            title=u.title,
            body="\n\n".join(p for p in (u.title, u.description, u.organisation_name, u.sector) if p),
            lang=u.language or None,
        )
        for u in rows
    ]


search_index.register(
    "usecase", load=search_sources, list_ids=lambda session: list(session.scalars(select(UseCase.id)))
)
