"""Pages that belong to no single domain: start page, data sources, health."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import text

from govlotse.challenges import service as challenges
from govlotse.challenges.schemas import ChallengeFilter
from govlotse.deps import ActorDep, SessionDep
from govlotse.knowledge import service as knowledge
from govlotse.knowledge.schemas import UseCaseFilter
from govlotse.organisations import service as organisations
from govlotse.organisations.models import OrganisationKind
from govlotse.organisations.schemas import OrganisationFilter
from govlotse.solutions import service as solutions
from govlotse.solutions.schemas import SolutionFilter
from govlotse.web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    latest, open_needs = challenges.list_challenges(
        session=session, actor=actor, filters=ChallengeFilter(per_page=5, sort="-created_at")
    )
    _s, startups = organisations.list_organisations(
        session=session, actor=actor, filters=OrganisationFilter(per_page=1, kind=OrganisationKind.startup)
    )
    _o, offerings = solutions.list_solutions(session=session, actor=actor, filters=SolutionFilter(per_page=1))
    _u, usecases = knowledge.list_usecases(session=session, actor=actor, filters=UseCaseFilter(per_page=1))
    return render(
        request,
        "home.html",
        {
            "latest": latest,
            "counts": {
                "challenges": open_needs,
                "startups": startups,
                "solutions": offerings,
                "usecases": usecases,
            },
            "actor": actor,
        },
    )


@router.get("/datenquellen", response_class=HTMLResponse)
def data_sources(request: Request, session: SessionDep) -> HTMLResponse:
    return render(request, "sources.html", {"sources": knowledge.sources(session=session)})


@router.get("/healthz")
def health(session: SessionDep) -> JSONResponse:
    """Liveness and database reachability (for load balancers)."""
    session.execute(text("SELECT 1"))
    return JSONResponse({"status": "ok"})
