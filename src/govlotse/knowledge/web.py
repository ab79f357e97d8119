"""Web pages: the use-case library (Wissen)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from govlotse.core.pagination import page_of
from govlotse.deps import ActorDep, SessionDep
from govlotse.knowledge import service
from govlotse.knowledge.api import CurrentUseCase
from govlotse.knowledge.schemas import UseCaseFilter
from govlotse.taxonomy import service as taxonomy
from govlotse.web.render import render

router = APIRouter(include_in_schema=False)


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


@router.get("/wissen/{usecase_id}", response_class=HTMLResponse)
def detail(request: Request, usecase: CurrentUseCase) -> HTMLResponse:
    return render(request, "knowledge/detail.html", {"section": "knowledge", "u": usecase})
