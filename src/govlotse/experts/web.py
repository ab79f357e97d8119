"""Web pages: the expert directory, profiles, and assigning experts as advisors (the unit)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from govlotse.challenges.api import CurrentChallenge
from govlotse.challenges.models import Challenge
from govlotse.core.actor import Actor
from govlotse.core.schemas import Id, parse_id
from govlotse.deps import LoggedInDep, SessionDep
from govlotse.errors import Forbidden, Invalid
from govlotse.experts import service
from govlotse.experts.api import CurrentProfile
from govlotse.experts.models import Availability, ExpertProfile
from govlotse.experts.schemas import LANGUAGES, ProfileIn, ProfileUpdate
from govlotse.i18n import N_
from govlotse.matching import service as matching
from govlotse.pipeline.api import CurrentCase
from govlotse.pipeline.models import Case
from govlotse.taxonomy import service as taxonomy
from govlotse.web.forms import checkbox, read_form, submit
from govlotse.web.render import render

router = APIRouter(include_in_schema=False)

FORM_FIELDS = ("headline", "expertise", "languages", "availability", "availability_note", "listed")


@router.get("/experten", response_class=HTMLResponse)
def directory(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    q: str | None = Query(default=None, max_length=200),
    tag: str | None = Query(default=None, max_length=60),
    availability: Availability | None = None,
) -> HTMLResponse:
    profiles = service.list_profiles(session=session, actor=actor, q=q, tag=tag, availability=availability)
    return render(
        request,
        "experts/list.html",
        {
            "section": "experts",
            "profiles": profiles,
            "organisations": service.organisations_of(session, profiles),
            "params": {"q": q or "", "tag": tag or "", "availability": availability or ""},
            "tags": taxonomy.list_tags(session=session),
            "own": service.own_profile(session=session, actor=actor),
        },
    )


def _form_page(
    request: Request,
    session: SessionDep,
    *,
    profile: ExpertProfile | None,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "experts/form.html",
        {
            "section": "experts",
            "p": profile,
            "values": values,
            "errors": errors,
            "tags": taxonomy.list_tags(session=session),
            "languages": LANGUAGES,
        },
        status_code=status_code,
    )


def _prepare(data: dict[str, Any]) -> None:
    checkbox(data, "listed")
    if data.get("availability_note") == "":
        data["availability_note"] = None


@router.get("/experten/neu", response_class=HTMLResponse)
def new_form(request: Request, session: SessionDep, actor: LoggedInDep) -> Response:
    own = service.own_profile(session=session, actor=actor)
    if own is not None:
        return RedirectResponse(f"/experten/{own.id}/bearbeiten", status_code=303)
    if actor.role != "expert":
        raise Forbidden(N_("Ein Expertenprofil legen Personen mit der Rolle Expertin/Experte an."))
    values = {"availability": "available", "listed": True, "languages": ["de"]}
    return _form_page(request, session, profile=None, values=values, errors={})


@router.post("/experten/neu")
def create(request: Request, session: SessionDep, actor: LoggedInDep) -> Response:
    return submit(
        request,
        schema=ProfileIn,
        save=lambda p_in: service.create_profile(session=session, actor=actor, profile_in=p_in),
        redirect_to=lambda p: f"/experten/{p.id}?flash=created",
        rerender=lambda values, errors, status: _form_page(
            request, session, profile=None, values=values, errors=errors, status_code=status
        ),
        lists=("tags", "languages"),
        prepare=_prepare,
    )


@router.get("/experten/{profile_id}", response_class=HTMLResponse)
def detail(request: Request, profile: CurrentProfile, session: SessionDep, actor: LoggedInDep) -> HTMLResponse:
    own_or_unit = actor.sees_everything or profile.user_id == actor.user_id
    return render(
        request,
        "experts/detail.html",
        {
            "section": "experts",
            "p": profile,
            "organisations": service.organisations_of(session, [profile])[profile.id],
            "may_edit": own_or_unit,
            "assignments": service.assignments(session=session, profile_id=profile.id) if own_or_unit else [],
        },
    )


@router.get("/experten/{profile_id}/bearbeiten", response_class=HTMLResponse)
def edit_form(request: Request, profile: CurrentProfile, session: SessionDep, actor: LoggedInDep) -> HTMLResponse:
    if not (actor.sees_everything or profile.user_id == actor.user_id):
        raise Forbidden(N_("Ein Profil bearbeiten nur die Person selbst und die Lotsenstelle."))
    values: dict[str, Any] = {name: getattr(profile, name) for name in FORM_FIELDS}
    values.update(version=profile.version, tags=[t.slug for t in profile.tags])
    return _form_page(request, session, profile=profile, values=values, errors={})


@router.post("/experten/{profile_id}/bearbeiten")
def update(request: Request, profile: CurrentProfile, session: SessionDep, actor: LoggedInDep) -> Response:
    return submit(
        request,
        schema=ProfileUpdate,
        save=lambda p_in: service.update_profile(session=session, actor=actor, profile=profile, profile_in=p_in),
        redirect_to=lambda p: f"/experten/{p.id}?flash=saved",
        rerender=lambda values, errors, status: _form_page(
            request, session, profile=profile, values=values, errors=errors, status_code=status
        ),
        lists=("tags", "languages"),
        prepare=_prepare,
    )


def _assign(request: Request, session: SessionDep, actor: LoggedInDep, *, back: str, **target: int) -> Response:
    """Assign from a need's or a case's page; a refusal (e.g. already assigned) shows its reason on an error page."""
    data = read_form(request)
    profile_id = parse_id(data.get("profile_id"))
    if profile_id is None:
        raise Invalid.on("profile_id", N_("Bitte wählen Sie eine Expertin oder einen Experten."))
    service.assign(session=session, actor=actor, profile_id=profile_id, note=str(data.get("note", ""))[:500], **target)
    return RedirectResponse(f"{back}?flash=expert_assigned#experts-title", status_code=303)


@router.post("/bedarfe/{challenge_id}/experten")
def assign_to_challenge(
    request: Request, challenge: CurrentChallenge, session: SessionDep, actor: LoggedInDep
) -> Response:
    return _assign(request, session, actor, back=f"/bedarfe/{challenge.id}", challenge_id=challenge.id)


@router.post("/faelle/{case_id}/experten")
def assign_to_case(request: Request, case: CurrentCase, session: SessionDep, actor: LoggedInDep) -> Response:
    return _assign(request, session, actor, back=f"/faelle/{case.id}", case_id=case.id)


@router.post("/experten/zuweisungen/{assignment_id}/beenden")
def end(request: Request, assignment_id: Id, session: SessionDep, actor: LoggedInDep) -> Response:
    data = read_form(request)
    assignment = service.end_assignment(session=session, actor=actor, assignment_id=assignment_id)
    back = str(data.get("back", ""))
    if not (back.startswith("/") and not back.startswith("//")):
        back = f"/experten/{assignment.profile_id}"
    return RedirectResponse(f"{back}?flash=expert_unassigned", status_code=303)


def advisors_context(
    session: Session, actor: Actor, challenge: Challenge, *, may_edit: bool, case: Case | None = None
) -> dict[str, Any]:
    """Experts advising on a need or case, and for the unit the best-fitting experts to ask (by the need's text)."""
    if not service.may_see_directory(actor) or not (may_edit or actor.sees_everything or challenge.id in actor.advises):
        return {}
    if case is not None:
        advisors = service.assignments(session=session, case_id=case.id)
    else:
        advisors = service.assignments(session=session, challenge_id=challenge.id)
    context: dict[str, Any] = {"advisors": advisors}
    if actor.sees_everything:
        assigned = {a.profile_id for a in advisors}
        found = matching.search(
            session=session, actor=actor, query=matching.challenge_query(challenge), types=("expert",), limit=5
        ).groups.get("expert", [])
        context["expert_suggestions"] = [h for h in found if h.entity_id not in assigned]
    return context
