"""Web pages: list, read, add and edit solutions (Start-ups & Lösungen)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from govlotse.core.actor import Actor
from govlotse.core.pagination import page_of
from govlotse.deps import ActorDep, LoggedInDep, SessionDep
from govlotse.matching import service as matching
from govlotse.policy import Action, can, require
from govlotse.solutions import service
from govlotse.solutions.api import CurrentSolution
from govlotse.solutions.models import Solution
from govlotse.solutions.schemas import SolutionCreate, SolutionFilter, SolutionUpdate
from govlotse.taxonomy import service as taxonomy
from govlotse.web.forms import default_owner, submit
from govlotse.web.render import render

router = APIRouter(include_in_schema=False)

LISTS = ("tags", "hosting_options", "certifications", "languages")
FORM_FIELDS = (
    "title",
    "description",
    "maturity",
    "references",
    "hosting_options",
    "certifications",
    "languages",
)


@router.get("/loesungen", response_class=HTMLResponse)
def list_page(
    request: Request, query: SolutionFilter = Query(), *, session: SessionDep, actor: ActorDep
) -> HTMLResponse:
    items, total = service.list_solutions(session=session, actor=actor, filters=query)
    return render(
        request,
        "solutions/list.html",
        {
            "section": "solutions",
            "page": page_of(items, total, query),
            "items": items,
            "filters": query,
            "tags": taxonomy.list_tags(session=session),
            "may_create": can(actor, Action.create, Solution),
        },
    )


def _form_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    *,
    values: dict[str, Any],
    errors: dict[str, str],
    solution: Solution | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "solutions/form.html",
        {
            "section": "solutions",
            "values": values,
            "errors": errors,
            "solution": solution,
            "owners": service.owners_for(session=session, actor=actor),
            "tags": taxonomy.list_tags(session=session),
        },
        status_code=status_code,
    )


@router.get("/loesungen/neu", response_class=HTMLResponse)
def new_form(request: Request, session: SessionDep, actor: LoggedInDep) -> HTMLResponse:
    require(actor, Action.create, Solution, name="solution")
    owners = service.owners_for(session=session, actor=actor)
    values: dict[str, Any] = {"languages": ["de"], "maturity": "pilot_ready"}
    if len(owners) == 1:
        values["organisation_id"] = owners[0].id
    return _form_page(request, session, actor, values=values, errors={})


@router.post("/loesungen/neu")
def create(request: Request, session: SessionDep, actor: LoggedInDep) -> Response:
    return submit(
        request,
        schema=SolutionCreate,
        save=lambda s_in: service.create_solution(session=session, actor=actor, solution_in=s_in),
        redirect_to=lambda s: f"/loesungen/{s.id}?flash=created",
        rerender=lambda values, errors, status: _form_page(
            request, session, actor, values=values, errors=errors, status_code=status
        ),
        lists=LISTS,
        prepare=lambda data: default_owner(data, service.owners_for(session=session, actor=actor)),
    )


@router.get("/loesungen/{solution_id}", response_class=HTMLResponse)
def detail(request: Request, solution: CurrentSolution, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    return render(
        request,
        "solutions/detail.html",
        {
            "section": "solutions",
            "s": solution,
            "may_edit": can(actor, Action.update, solution),
            "fitting": matching.challenges_for_solution(session=session, actor=actor, solution=solution, limit=8),
        },
    )


@router.get("/loesungen/{solution_id}/bearbeiten", response_class=HTMLResponse)
def edit_form(request: Request, solution: CurrentSolution, session: SessionDep, actor: LoggedInDep) -> HTMLResponse:
    require(actor, Action.update, solution, name="solution", ident=solution.id)
    values = {name: getattr(solution, name) for name in FORM_FIELDS}
    values.update(version=solution.version, tags=[t.slug for t in solution.tags])
    return _form_page(request, session, actor, values=values, errors={}, solution=solution)


@router.post("/loesungen/{solution_id}/bearbeiten")
def update(request: Request, solution: CurrentSolution, session: SessionDep, actor: LoggedInDep) -> Response:
    return submit(
        request,
        schema=SolutionUpdate,
        save=lambda s_in: service.update_solution(session=session, actor=actor, solution=solution, solution_in=s_in),
        redirect_to=lambda s: f"/loesungen/{s.id}?flash=saved",
        rerender=lambda values, errors, status: _form_page(
            request, session, actor, values=values, errors=errors, solution=solution, status_code=status
        ),
        lists=LISTS,
        prepare=lambda data: data.pop("organisation_id", None),
    )
