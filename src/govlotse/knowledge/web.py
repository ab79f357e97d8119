"""Web pages: the use-case library and the knowledge articles (Wissen)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from govlotse.config import settings
from govlotse.core.actor import Actor
from govlotse.core.pagination import page_of
from govlotse.deps import ActorDep, LangDep, LoggedInDep, SessionDep
from govlotse.errors import Conflict, Forbidden, NotFound
from govlotse.i18n import translate
from govlotse.knowledge import history, service
from govlotse.knowledge.api import CurrentUseCase
from govlotse.knowledge.articles_api import CurrentArticle
from govlotse.knowledge.models import Article, ArticleStatus
from govlotse.knowledge.schemas import ArticleCreate, ArticleFilter, ArticleUpdate, UseCaseFilter
from govlotse.organisations import service as organisations
from govlotse.pipeline import service as pipeline
from govlotse.taxonomy import service as taxonomy
from govlotse.web.forms import CONFLICT, read_form, submit
from govlotse.web.render import render

router = APIRouter(include_in_schema=False)

ARTICLE_LISTS = ("tags",)


@router.get("/wissen", response_class=HTMLResponse)
def list_page(
    request: Request, query: UseCaseFilter = Query(), *, session: SessionDep, actor: ActorDep
) -> HTMLResponse:
    items, total = service.list_usecases(session=session, actor=actor, filters=query)
    return render(
        request,
        "knowledge/list.html",
        {
            "section": "knowledge",
            "page": page_of(items, total, query),
            "items": items,
            "filters": query,
            "facets": service.facets(session=session),
            "tags": taxonomy.list_tags(session=session),
        },
    )


# ---------------------------------------------------------------- articles (before /wissen/{usecase_id})


@router.get("/wissen/artikel", response_class=HTMLResponse)
def article_list(
    request: Request, query: ArticleFilter = Query(), *, session: SessionDep, actor: ActorDep
) -> HTMLResponse:
    items, total = service.list_articles_page(session=session, actor=actor, filters=query)
    return render(
        request,
        "knowledge/article_list.html",
        {
            "section": "knowledge",
            "page": page_of(items, total, query),
            "items": items,
            "filters": query,
            "tags": taxonomy.list_tags(session=session),
            "may_create": actor.is_authenticated and service.may_write_articles(actor),
            # Only people who can see drafts get a status filter.
            "status_filter": actor.is_authenticated,
        },
    )


# Linked records are typed as numbers or links ("/wissen/12, /organisationen/7"), one field per kind.
LINK_FIELDS = {"usecase_ids": "/wissen/", "startup_ids": "/organisationen/"}


def prepare_links(data: dict[str, Any]) -> None:
    """Form text to id lists; a token that is no number stays as it is, so validation names the field."""
    for field in LINK_FIELDS:
        text = data.get(field)
        if isinstance(text, str):
            tokens = [t for t in re.split(r"[,;\s]+", text.strip()) if t]
            data[field] = [int(m.group(1)) if (m := re.search(r"(\d{1,10})/?$", t)) else t for t in tokens]


def _with_link_text(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    for field, prefix in LINK_FIELDS.items():
        value = out.get(field)
        if isinstance(value, list):
            out[field] = ", ".join(f"{prefix}{v}" if isinstance(v, int) else str(v) for v in value)
    return out


def _article_form(
    request: Request,
    session: Session,
    *,
    values: dict[str, Any],
    errors: dict[str, str],
    article: Article | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "knowledge/article_form.html",
        {
            "section": "knowledge",
            "values": _with_link_text(values),
            "errors": errors,
            "article": article,
            "stored_tags": [t.slug for t in article.tags] if article is not None else [],
            "tags": taxonomy.list_tags(session=session),
        },
        status_code=status_code,
    )


@router.get("/wissen/artikel/neu", response_class=HTMLResponse)
def article_new_form(request: Request, session: SessionDep, actor: LoggedInDep) -> HTMLResponse:
    if not service.may_write_articles(actor):
        raise Forbidden()
    return _article_form(request, session, values={"tags": []}, errors={})


@router.post("/wissen/artikel/neu")
def article_create(request: Request, session: SessionDep, actor: LoggedInDep) -> Response:
    return submit(
        request,
        schema=ArticleCreate,
        save=lambda a_in: service.create_article(session=session, actor=actor, article_in=a_in),
        redirect_to=lambda a: f"/wissen/artikel/{a.id}?flash=created",
        rerender=lambda values, errors, status: _article_form(
            request, session, values=values, errors=errors, status_code=status
        ),
        lists=ARTICLE_LISTS,
        prepare=prepare_links,
    )


def _case_link(session: Session, actor: Actor, case_id: int | None) -> str | None:
    """The case page, if the article belongs to a case the actor may open."""
    if case_id is None:
        return None
    try:
        pipeline.get_case(session=session, actor=actor, case_id=case_id)
    except NotFound:
        return None
    return f"/faelle/{case_id}"


def _organisation(session: Session, actor: Actor, organisation_id: int | None) -> Any:
    if organisation_id is None:
        return None
    try:
        return organisations.get_organisation(session=session, actor=actor, organisation_id=organisation_id)
    except NotFound:
        return None


def article_page(
    request: Request,
    session: Session,
    actor: Actor,
    article: Article,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "knowledge/article_detail.html",
        {
            "section": "knowledge",
            "a": article,
            "errors": errors or {},
            "organisation": _organisation(session, actor, article.organisation_id),
            "case_url": _case_link(session, actor, article.case_id),
            "may_edit": service.may_edit_article(actor, article),
            "may_publish": service.may_publish_article(actor) and article.status == ArticleStatus.draft,
            "attachments": history.attachments(session, article=article),
            "revision_count": len(history.revisions(session, article=article)),
            "max_mb": settings.attachment_max_mb,
        },
        status_code=status_code,
    )


@router.get("/wissen/artikel/{article_id}", response_class=HTMLResponse)
def article_detail(request: Request, article: CurrentArticle, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    return article_page(request, session, actor, article)


@router.get("/wissen/artikel/{article_id}/bearbeiten", response_class=HTMLResponse)
def article_edit_form(
    request: Request, article: CurrentArticle, session: SessionDep, actor: LoggedInDep
) -> HTMLResponse:
    if not service.may_edit_article(actor, article):
        raise Forbidden()
    values = {
        "title": article.title,
        "body": article.body,
        "tags": [t.slug for t in article.tags],
        "usecase_ids": article.usecase_ids,
        "startup_ids": article.startup_ids,
        "version": article.version,
    }
    return _article_form(request, session, values=values, errors={}, article=article)


@router.post("/wissen/artikel/{article_id}/bearbeiten")
def article_update(request: Request, article: CurrentArticle, session: SessionDep, actor: LoggedInDep) -> Response:
    return submit(
        request,
        schema=ArticleUpdate,
        save=lambda a_in: service.update_article(session=session, actor=actor, article=article, article_in=a_in),
        redirect_to=lambda a: f"/wissen/artikel/{a.id}?flash=saved",
        rerender=lambda values, errors, status: _article_form(
            request, session, values=values, errors=errors, article=article, status_code=status
        ),
        lists=ARTICLE_LISTS,
        prepare=prepare_links,
    )


@router.post("/wissen/artikel/{article_id}/veroeffentlichen")
def article_publish(
    request: Request, article: CurrentArticle, session: SessionDep, actor: LoggedInDep, lang: LangDep
) -> Response:
    data = read_form(request)
    try:
        version = int(data.get("version") or 0) or None
    except ValueError:
        version = None
    try:
        service.publish_article(session=session, actor=actor, article=article, version=version)
    except Conflict:
        message = translate(
            "Der Artikel wurde inzwischen geändert. Bitte prüfen Sie den aktuellen Stand und veröffentlichen Sie "
            "ihn dann erneut.",
            lang,
        )
        return article_page(request, session, actor, article, errors={CONFLICT: message}, status_code=409)
    return RedirectResponse(f"/wissen/artikel/{article.id}?flash=article_published", status_code=303)


# ---------------------------------------------------------------- use cases


@router.get("/wissen/{usecase_id}", response_class=HTMLResponse)
def detail(request: Request, usecase: CurrentUseCase, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    articles = service.articles_about(session, actor=actor, usecase_id=usecase.id)
    return render(request, "knowledge/detail.html", {"section": "knowledge", "u": usecase, "articles": articles})
