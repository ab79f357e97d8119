"""Web pages: the search page and the "similar needs" partial of the need form."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from govlotse.core.schemas import Id
from govlotse.deps import ActorDep, SessionDep
from govlotse.errors import Invalid
from govlotse.matching import service
from govlotse.matching.api import run_search
from govlotse.matching.schemas import SearchParams
from govlotse.web.render import render

router = APIRouter(include_in_schema=False)

MIN_SIMILAR_CHARS = 25  # below this a need says too little to compare


@router.get("/suche", response_class=HTMLResponse)
def search_page(
    request: Request, params: SearchParams = Query(), *, session: SessionDep, actor: ActorDep
) -> HTMLResponse:
    results, error = None, None
    if params.q.strip():
        try:
            results = run_search(session, actor, params)
        except Invalid as exc:
            error = exc.errors[0].msg
    return render(
        request,
        "matching/search.html",
        {"params": params, "results": results, "error": error, "section": "search"},
    )


@router.get("/bedarfe/aehnliche", response_class=HTMLResponse)
def similar_partial(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    text: str = Query("", max_length=120_000),
    exclude: Id | None = None,
) -> HTMLResponse:
    """HTML fragment for the need form: earlier needs and use cases like the one being typed."""
    groups = {}
    if len(text.strip()) >= MIN_SIMILAR_CHARS:
        groups = service.similar(session=session, actor=actor, text=text, exclude_challenge=exclude, limit=5)
    return render(request, "matching/similar.html", {"groups": groups, "too_short": not groups})
