"""Web pages: start-up directory, organisation profiles and their editing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from govlotse.accounts import registration
from govlotse.analytics import market
from govlotse.challenges import service as challenges
from govlotse.challenges.schemas import ChallengeFilter
from govlotse.core.pagination import page_of
from govlotse.deps import ActorDep, LoggedInDep, SessionDep
from govlotse.knowledge import service as knowledge
from govlotse.organisations import service
from govlotse.organisations.api import CurrentOrganisation
from govlotse.organisations.models import Organisation, OrganisationKind
from govlotse.organisations.schemas import OrganisationFilter, OrganisationUpdate
from govlotse.policy import Action, can, require
from govlotse.solutions import service as solutions
from govlotse.solutions.schemas import SolutionFilter
from govlotse.taxonomy import service as taxonomy
from govlotse.web.forms import submit
from govlotse.web.render import render

router = APIRouter(include_in_schema=False)

FORM_FIELDS = ("name", "description", "website", "location", "founded_year", "size", "agency_type")


@router.get("/startups", response_class=HTMLResponse)
def startups(
    request: Request, query: OrganisationFilter = Query(), *, session: SessionDep, actor: ActorDep
) -> HTMLResponse:
    # The directory lists start-ups unless another kind is asked for.
    query = query.model_copy(update={"kind": query.kind or OrganisationKind.startup})
    items, total = service.list_organisations(session=session, actor=actor, filters=query)
    return render(
        request,
        "organisations/list.html",
        {
            "section": "solutions",
            "page": page_of(items, total, query),
            "items": items,
            "filters": query,
            "tags": taxonomy.list_tags(session=session),
        },
    )


@router.get("/organisationen/{organisation_id}", response_class=HTMLResponse)
def detail(request: Request, org: CurrentOrganisation, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    offers, _n = solutions.list_solutions(
        session=session, actor=actor, filters=SolutionFilter(per_page=100, organisation_id=org.id)
    )
    needs, _m = challenges.list_challenges(
        session=session, actor=actor, filters=ChallengeFilter(per_page=100, organisation_id=org.id)
    )
    return render(
        request,
        "organisations/detail.html",
        {
            "section": "solutions",
            "o": org,
            "solutions": offers,
            "challenges": needs,
            "may_edit": can(actor, Action.update, org),
            "may_invite": registration.may_invite(actor, org, session),
            "articles": knowledge.articles_about(session, actor=actor, organisation_id=org.id),
            "history": market.startup_history(session=session, actor=actor, org=org)
            if org.kind != "agency" and market.may_read_history(actor, org)
            else None,
        },
    )


def _form_page(
    request: Request,
    session: SessionDep,
    *,
    org: Organisation,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "organisations/form.html",
        {
            "section": "solutions",
            "o": org,
            "values": values,
            "errors": errors,
            "tags": taxonomy.list_tags(session=session),
        },
        status_code=status_code,
    )


@router.get("/organisationen/{organisation_id}/bearbeiten", response_class=HTMLResponse)
def edit_form(request: Request, org: CurrentOrganisation, session: SessionDep, actor: LoggedInDep) -> HTMLResponse:
    require(actor, Action.update, org, name="organisation", ident=org.id)
    values = {name: getattr(org, name) for name in FORM_FIELDS}
    values.update(version=org.version, tags=[t.slug for t in org.tags])
    return _form_page(request, session, org=org, values=values, errors={})


def _prepare_for(org: Organisation) -> Callable[[dict[str, Any]], None]:
    """Form data to update input: empty optional fields mean "no value"; agency type only for agencies."""

    def prepare(data: dict[str, Any]) -> None:
        if org.kind != "agency":
            data.pop("agency_type", None)
        for key in ("founded_year", "size", "website", "location"):
            if data.get(key) == "":
                data[key] = None

    return prepare


@router.post("/organisationen/{organisation_id}/bearbeiten")
def update(request: Request, org: CurrentOrganisation, session: SessionDep, actor: LoggedInDep) -> Response:
    return submit(
        request,
        schema=OrganisationUpdate,
        save=lambda o_in: service.update_organisation(session=session, actor=actor, org=org, org_in=o_in),
        redirect_to=lambda o: f"/organisationen/{o.id}?flash=saved",
        rerender=lambda values, errors, status: _form_page(
            request, session, org=org, values=values, errors=errors, status_code=status
        ),
        lists=("tags",),
        prepare=_prepare_for(org),
    )
