"""Web pages and JSON API of market knowledge: per capability (any tag) and a start-up's history."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from govlotse.analytics import market
from govlotse.core.openapi import errors
from govlotse.deps import ActorDep, SessionDep
from govlotse.organisations.api import CurrentOrganisation
from govlotse.web.render import render

router = APIRouter(include_in_schema=False)
api = APIRouter(tags=["analytics"])

TagKind = Literal["capability", "sector", "technology"]


@router.get("/markt", response_class=HTMLResponse)
def overview_page(request: Request, session: SessionDep, kind: TagKind = "capability") -> HTMLResponse:
    rows = market.overview(session=session, kind=kind)
    return render(request, "analytics/market_overview.html", {"section": "knowledge", "rows": rows, "kind": kind})


@router.get("/markt/{slug}", response_class=HTMLResponse)
def market_page(request: Request, slug: str, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    view = market.market_view(session=session, actor=actor, slug=slug[:60])
    return render(request, "analytics/market.html", {"section": "knowledge", "m": view})


# ---------------------------------------------------------------- API


class OverviewRowRead(BaseModel):
    tag: str
    label: str
    startups: int
    needs: int
    pilots: int


class Named(BaseModel):
    id: int
    name: str


class PilotRead(BaseModel):
    case_id: int
    solution: str
    organisation: str
    need: str
    stage: str


class MarketRead(BaseModel):
    tag: str
    label: str
    startups: list[Named]
    solutions: int
    needs: list[Named]
    needs_total: int
    explored: int
    pilot_stages: dict[str, int]
    adoption_rate: float | None
    pilots: list[PilotRead]


class HistoryRead(BaseModel):
    explorations: list[dict[str, Any]]
    cases: list[dict[str, Any]]


@api.get("/market", response_model=list[OverviewRowRead], responses=errors(422))
def overview_api(session: SessionDep, kind: TagKind = "capability") -> object:
    """Per tag: start-ups that offer it, needs that asked for it, pilots that used it."""
    return [
        OverviewRowRead(tag=r.tag.slug, label=r.tag.label_de, startups=r.startups, needs=r.needs, pilots=r.pilots)
        for r in market.overview(session=session, kind=kind)
    ]


@api.get("/market/{slug}", response_model=MarketRead, responses=errors(404, 422))
def market_api(slug: Annotated[str, Path(max_length=60)], session: SessionDep, actor: ActorDep) -> object:
    """The market view of one tag. Needs follow your visibility; pilots are named for the unit only."""
    m = market.market_view(session=session, actor=actor, slug=slug)
    return MarketRead(
        tag=m.tag.slug,
        label=m.tag.label_de,
        startups=[Named(id=o.id, name=o.name) for o in m.startups],
        solutions=m.solutions,
        needs=[Named(id=c.id, name=c.title) for c in m.needs],
        needs_total=m.needs_total,
        explored=m.explored,
        pilot_stages={str(k): v for k, v in m.pilot_stages.items()},
        adoption_rate=m.adoption_rate,
        pilots=[
            PilotRead(
                case_id=c.id,
                solution=c.solution.title,
                organisation=c.organisation.name,
                need=c.challenge.title,
                stage=c.stage,
            )
            for c in m.pilots
        ],
    )


@api.get("/organisations/{organisation_id}/history", response_model=HistoryRead, responses=errors(404, 422))
def history_api(org: CurrentOrganisation, session: SessionDep, actor: ActorDep) -> object:
    """A start-up's history with the administration (the unit and the start-up itself)."""
    h = market.startup_history(session=session, actor=actor, org=org)
    return HistoryRead(
        explorations=[
            {"run_id": e.run.id, "searched_at": e.run.searched_at, "need": e.challenge_title, "status": e.status}
            for e in h.explorations
        ],
        cases=[
            {
                "case_id": c.id,
                "solution": c.solution.title,
                "need": c.challenge.title,
                "stage": c.stage,
                "outcome": h.decisions[c.id].outcome if c.id in h.decisions else None,
            }
            for c in h.cases
        ],
    )
