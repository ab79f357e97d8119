"""Knowledge base: public-sector AI use cases."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.orm import Session, selectinload

from govlotse.core import audit, crud
from govlotse.core.actor import Actor, Role
from govlotse.core.models import utcnow
from govlotse.core.pagination import paginate
from govlotse.core.schemas import apply_sort
from govlotse.errors import Conflict, Forbidden, IllegalTransition, Invalid, NotFound
from govlotse.i18n import N_, translate
from govlotse.knowledge import history
from govlotse.knowledge.models import Article, ArticleStatus, UseCase
from govlotse.knowledge.schemas import (
    ArticleCreate,
    ArticleFilter,
    ArticleUpdate,
    UseCaseCreate,
    UseCaseFilter,
    UseCaseUpdate,
)
from govlotse.matching import sources as search_index
from govlotse.organisations.models import Organisation, OrganisationKind, OrganisationStatus
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


# ---------------------------------------------------------------- articles (best practices, lessons learned)

WRITERS = (Role.unit, Role.admin, Role.expert)


def _may_view_article(actor: Actor, a: Article) -> bool:
    if a.status == ArticleStatus.published or actor.sees_everything:
        return True
    return (a.author_id is not None and a.author_id == actor.user_id) or actor.member_of(a.organisation_id)


def may_edit_article(actor: Actor, a: Article) -> bool:
    """The unit edits every article; experts and staff their own."""
    return actor.sees_everything or (a.author_id is not None and a.author_id == actor.user_id)


def may_write_articles(actor: Actor) -> bool:
    return actor.is_system or actor.role in WRITERS


def may_publish_article(actor: Actor) -> bool:
    """Only the unit (and admins) publish articles."""
    return actor.sees_everything


def article_filter(actor: Actor) -> ColumnElement[bool]:
    """SQL condition selecting the articles ``actor`` may read (the rule of ``_may_view_article``)."""
    if actor.sees_everything:
        return true()
    conds: list[ColumnElement[bool]] = [Article.status == ArticleStatus.published]
    if actor.user_id is not None:
        conds.append(Article.author_id == actor.user_id)
    if actor.organisation_ids:
        conds.append(Article.organisation_id.in_(actor.organisation_ids))
    return or_(*conds)


ARTICLE_SORTS = {"title": Article.title, "created_at": Article.created_at, "updated_at": Article.updated_at}


def list_articles_page(*, session: Session, actor: Actor, filters: ArticleFilter) -> tuple[list[Article], int]:
    """One page of the articles the actor may read, filtered; newest change first unless sorted otherwise."""
    f = filters
    stmt = (
        select(Article)
        .where(article_filter(actor))
        .options(selectinload(Article.tags), selectinload(Article.usecases), selectinload(Article.startups))
    )
    if f.q and f.q.strip():
        like = f"%{f.q.strip()}%"
        stmt = stmt.where(or_(Article.title.ilike(like), Article.body.ilike(like)))
    if f.status:
        stmt = stmt.where(Article.status == f.status)
    if f.tag:
        stmt = stmt.where(Article.tags.any(slug=f.tag))
    stmt = apply_sort(stmt, f.sort, allowed=ARTICLE_SORTS, default="-updated_at", tiebreak=Article.id)
    return paginate(session, stmt, f)


def list_articles(*, session: Session, actor: Actor, q: str | None = None) -> list[Article]:
    """Articles the actor may read, newest first (drafts only for the unit, authors and the case's agency)."""
    stmt = (
        select(Article)
        .options(selectinload(Article.tags), selectinload(Article.usecases), selectinload(Article.startups))
        .order_by(Article.updated_at.desc(), Article.id.desc())
    )
    if q and q.strip():
        like = f"%{q.strip()}%"
        stmt = stmt.where(or_(Article.title.ilike(like), Article.body.ilike(like)))
    return [a for a in session.scalars(stmt) if _may_view_article(actor, a)]


def get_article(*, session: Session, actor: Actor, article_id: int) -> Article:
    article = session.scalar(
        select(Article)
        .where(Article.id == article_id)
        .options(selectinload(Article.tags), selectinload(Article.usecases), selectinload(Article.startups))
    )
    if article is None or not _may_view_article(actor, article):
        raise NotFound("article", article_id)
    return article


def articles_for_case(*, session: Session, actor: Actor, case_id: int) -> list[Article]:
    stmt = (
        select(Article)
        .where(Article.case_id == case_id)
        .options(selectinload(Article.tags), selectinload(Article.usecases), selectinload(Article.startups))
    )
    return [a for a in session.scalars(stmt) if _may_view_article(actor, a)]


def create_article(
    *,
    session: Session,
    actor: Actor,
    article_in: ArticleCreate,
    case_id: int | None = None,
    challenge_id: int | None = None,
    organisation_id: int | None = None,
) -> Article:
    """A new article, as a draft; the unit publishes it."""
    if not may_write_articles(actor):
        raise Forbidden("articles are written by the unit and experts")
    article = Article(
        title=article_in.title,
        body=article_in.body,
        status=ArticleStatus.draft,
        case_id=case_id,
        challenge_id=challenge_id,
        organisation_id=organisation_id,
        author_id=actor.user_id,
        author_label=actor.label,
        tags=taxonomy.resolve(session=session, slugs=article_in.tags),
        usecases=_usecases(session, article_in.usecase_ids),
        startups=_startups(session, article_in.startup_ids),
    )
    crud.created(session, actor=actor, obj=article, entity_type="article", data=article_in.model_dump())
    history.snapshot(session, actor=actor, article=article)
    search_index.enqueue(session, "article", [article.id])
    return article


def _usecases(session: Session, ids: Sequence[int]) -> list[UseCase]:
    found = {u.id: u for u in session.scalars(select(UseCase).where(UseCase.id.in_(list(ids) or [-1])))}
    missing = [i for i in dict.fromkeys(ids) if i not in found]
    if missing:
        raise Invalid.on(
            "usecase_ids", N_("Diesen Anwendungsfall gibt es nicht: {ids}."), ids=", ".join(map(str, missing))
        )
    return [found[i] for i in dict.fromkeys(ids)]


def _startups(session: Session, ids: Sequence[int]) -> list[Organisation]:
    found = {
        o.id: o
        for o in session.scalars(
            select(Organisation).where(
                Organisation.id.in_(list(ids) or [-1]),
                Organisation.kind.in_((OrganisationKind.startup, OrganisationKind.research)),
                Organisation.status == OrganisationStatus.active,
            )
        )
    }
    missing = [i for i in dict.fromkeys(ids) if i not in found]
    if missing:
        raise Invalid.on(
            "startup_ids",
            N_("Dieses Start-up gibt es nicht (oder es ist nicht freigegeben): {ids}."),
            ids=", ".join(map(str, missing)),
        )
    return [found[i] for i in dict.fromkeys(ids)]


def articles_about(
    session: Session, *, actor: Actor, usecase_id: int | None = None, organisation_id: int | None = None
) -> list[Article]:
    """Articles the actor may read that are linked to a use case or a start-up."""
    stmt = select(Article).where(article_filter(actor)).order_by(Article.updated_at.desc())
    if usecase_id is not None:
        stmt = stmt.where(Article.usecases.any(UseCase.id == usecase_id))
    if organisation_id is not None:
        stmt = stmt.where(Article.startups.any(Organisation.id == organisation_id))
    return list(session.scalars(stmt))


def update_article(*, session: Session, actor: Actor, article: Article, article_in: ArticleUpdate) -> Article:
    if not may_edit_article(actor, article):
        raise Forbidden("only the unit and the author edit an article")
    crud.check_version(article, article_in.version, name="article")
    values = article_in.model_dump(exclude_unset=True, exclude={"version", "tags", "usecase_ids", "startup_ids"})
    if article_in.tags is not None:
        values["tags"] = taxonomy.resolve(session=session, slugs=article_in.tags)
    if article_in.usecase_ids is not None:
        values["usecases"] = _usecases(session, article_in.usecase_ids)
    if article_in.startup_ids is not None:
        values["startups"] = _startups(session, article_in.startup_ids)
    if crud.apply_changes(session, actor=actor, obj=article, values=values, entity_type="article"):
        history.snapshot(session, actor=actor, article=article)
        search_index.enqueue(session, "article", [article.id])
    return article


def publish_article(*, session: Session, actor: Actor, article: Article, version: int | None = None) -> Article:
    """Make an article public (best practices are shared with everyone)."""
    if not may_publish_article(actor):
        raise IllegalTransition(
            entity="article",
            from_state=article.status,
            to_state=ArticleStatus.published,
            reason=N_("Artikel veröffentlicht die Lotsenstelle."),
        )
    if version is not None:
        crud.check_version(article, version, name="article")
    if article.status == ArticleStatus.published:
        return article
    article.status = ArticleStatus.published
    session.flush()
    search_index.enqueue(session, "article", [article.id])
    audit.record(session, actor=actor, action="article.publish", entity_type="article", entity_id=article.id, data={})
    return article


def _number(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:g}"


def lessons_learned_draft(
    *,
    session: Session,
    actor: Actor,
    case_id: int,
    challenge: Any,
    solution: str,
    company: str,
    outcome: str,
    reason: str,
    lessons: str,
    kpis: Sequence[Any],
    lang: str = "de",
) -> Article:
    """The lessons of a pilot as a draft article linked to the case, searchable at once."""

    def t(text: str, **params: Any) -> str:
        return translate(text, lang, **params)

    verdict = t("Übernahme (Go)") if outcome == "go" else t("Gestoppt (No-Go)")
    lines = [
        t("**Bedarf:** {title}", title=challenge.title),
        t("**Lösung:** {name} ({company})", name=solution, company=company),
        t("**Entscheidung:** {verdict} am {date}", verdict=verdict, date=utcnow().date().isoformat()),
        "",
        f"## {t('Begründung')}",
        "",
        reason.strip(),
        "",
    ]
    if kpis:
        lines += [
            f"## {t('Kennzahlen')}",
            "",
            f"| {t('Kennzahl')} | {t('Einheit')} | {t('Ausgangswert')} | {t('Ziel')} | {t('Ergebnis')} |",
            "|---|---|---:|---:|---:|",
        ]
        lines += [
            f"| {k.name} | {k.unit} | {_number(k.baseline)} | {_number(k.target)} | {_number(k.result)} |" for k in kpis
        ]
        lines.append("")
    lines += [f"## {t('Erkenntnisse')}", "", lessons.strip(), ""]
    article = Article(
        title=t("Erfahrungen aus dem Piloten: {title}", title=challenge.title)[:300],
        body="\n".join(lines),
        status=ArticleStatus.draft,
        case_id=case_id,
        challenge_id=challenge.id,
        organisation_id=challenge.organisation_id,
        author_id=actor.user_id,
        author_label=actor.label,
        tags=list(challenge.tags),
    )
    crud.created(session, actor=actor, obj=article, entity_type="article", data={"case": case_id, "outcome": outcome})
    history.snapshot(session, actor=actor, article=article)
    search_index.enqueue(session, "article", [article.id])
    return article


def article_sources(session: Session, ids: Sequence[int]) -> list[search_index.SearchSource]:
    """Articles as the search index sees them: drafts only for the unit and the case's agency."""
    rows = session.scalars(select(Article).where(Article.id.in_(ids)))
    return [
        search_index.SearchSource(
            entity_type="article",
            entity_id=a.id,
            title=a.title,
            body=f"{a.title}\n\n{a.body}",
            public=a.status == ArticleStatus.published,
            org_id=a.organisation_id,
            status=a.status,
        )
        for a in rows
    ]


search_index.register(
    "article", load=article_sources, list_ids=lambda session: list(session.scalars(select(Article.id)))
)
