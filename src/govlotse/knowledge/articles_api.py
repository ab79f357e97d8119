"""JSON API: knowledge articles (best practices and lessons learned, Markdown)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query
from pydantic import BaseModel

from govlotse.core.openapi import errors
from govlotse.core.pagination import Page, page_of
from govlotse.core.schemas import Id
from govlotse.deps import ActorDep, LoggedInDep, SessionDep
from govlotse.knowledge import service
from govlotse.knowledge.models import Article
from govlotse.knowledge.schemas import ArticleCreate, ArticleFilter, ArticlePublish, ArticleRead, ArticleUpdate

router = APIRouter(prefix="/articles", tags=["knowledge"])


def article_from_path(article_id: Id, session: SessionDep, actor: ActorDep) -> Article:
    return service.get_article(session=session, actor=actor, article_id=article_id)


CurrentArticle = Annotated[Article, Depends(article_from_path)]


@router.get("", response_model=Page[ArticleRead], responses=errors(422))
def list_articles(query: Annotated[ArticleFilter, Query()], session: SessionDep, actor: ActorDep) -> BaseModel:
    """Articles you may read, paginated: published ones for everybody, drafts for the unit, authors and the agency."""
    items, total = service.list_articles_page(session=session, actor=actor, filters=query)
    return page_of([ArticleRead.model_validate(i) for i in items], total, query)


@router.get("/{article_id}", response_model=ArticleRead, responses=errors(404, 422))
def get_article(article: CurrentArticle) -> object:
    """One article; its body is Markdown."""
    return article


@router.post("", response_model=ArticleRead, status_code=201, responses=errors(401, 403, 409, 422))
def create_article(article_in: ArticleCreate, session: SessionDep, actor: LoggedInDep) -> object:
    """Write an article (unit, admins, experts); it starts as a draft."""
    return service.create_article(session=session, actor=actor, article_in=article_in)


@router.patch("/{article_id}", response_model=ArticleRead, responses=errors(401, 403, 404, 409, 422))
def update_article(
    article_in: ArticleUpdate, article: CurrentArticle, session: SessionDep, actor: LoggedInDep
) -> object:
    """Edit an article (the unit, or its author); send the `version` you read (409 if it changed since)."""
    return service.update_article(session=session, actor=actor, article=article, article_in=article_in)


@router.post("/{article_id}/publish", response_model=ArticleRead, responses=errors(401, 404, 409, 422))
def publish_article(
    article: CurrentArticle,
    session: SessionDep,
    actor: LoggedInDep,
    publish_in: Annotated[ArticlePublish | None, Body()] = None,
) -> object:
    """Publish an article (the unit); with `version`, 409 if it changed since you read it."""
    version = publish_in.version if publish_in else None
    return service.publish_article(session=session, actor=actor, article=article, version=version)
