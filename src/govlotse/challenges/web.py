"""Web pages: list, read, file and edit challenges (Bedarfe)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from govlotse.challenges import quality, service
from govlotse.challenges.api import CurrentChallenge
from govlotse.challenges.models import Challenge, ChallengeStatus
from govlotse.challenges.schemas import ChallengeCreate, ChallengeFilter, ChallengeUpdate
from govlotse.core.actor import Actor
from govlotse.core.pagination import page_of
from govlotse.core.schemas import parse_id
from govlotse.deps import ActorDep, LangDep, LoggedInDep, SessionDep
from govlotse.errors import Conflict, IllegalTransition, Invalid
from govlotse.experts import web as experts_web
from govlotse.exploration import service as exploration
from govlotse.i18n import N_, translate
from govlotse.matching import service as matching
from govlotse.pipeline import service as pipeline
from govlotse.policy import Action, can, require
from govlotse.procurement import service as procurement
from govlotse.taxonomy import service as taxonomy
from govlotse.web.forms import default_owner, from_invalid, read_form, savepoint, submit
from govlotse.web.render import render

router = APIRouter(include_in_schema=False)

FORM_FIELDS = (
    "title",
    "problem",
    "affected_process",
    "affected_users",
    "current_situation",
    "desired_outcome",
    "personal_data",
    "special_categories",
    "hosting_requirement",
    "integrations",
    "budget_min",
    "budget_max",
    "desired_start",
    "duration_months",
    "visibility",
)
CHECKBOXES = ("personal_data", "special_categories")


@router.get("/bedarfe", response_class=HTMLResponse)
def list_page(
    request: Request, query: ChallengeFilter = Query(), *, session: SessionDep, actor: ActorDep
) -> HTMLResponse:
    items, total = service.list_challenges(session=session, actor=actor, filters=query)
    return render(
        request,
        "challenges/list.html",
        {
            "section": "challenges",
            "page": page_of(items, total, query),
            "items": items,
            "filters": query,
            "tags": taxonomy.list_tags(session=session),
            "may_create": can(actor, Action.create, Challenge),
        },
    )


def _form_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    *,
    values: dict[str, Any],
    errors: dict[str, str],
    challenge: Challenge | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "challenges/form.html",
        {
            "section": "challenges",
            "values": values,
            "errors": errors,
            "challenge": challenge,
            "agencies": service.agencies_for(session=session, actor=actor),
            "tags": taxonomy.list_tags(session=session),
            # the brief-quality panel, from the values shown (works without JavaScript)
            "quality": quality.check_form(values, lang=getattr(request.state, "lang", "de")),
        },
        status_code=status_code,
    )


@router.get("/bedarfe/neu", response_class=HTMLResponse)
def new_form(request: Request, session: SessionDep, actor: LoggedInDep) -> HTMLResponse:
    require(actor, Action.create, Challenge, name="challenge")
    agencies = service.agencies_for(session=session, actor=actor)
    values: dict[str, Any] = {"visibility": "internal", "hosting_requirement": "none", "tags": []}
    if len(agencies) == 1:
        values["organisation_id"] = agencies[0].id
    return _form_page(request, session, actor, values=values, errors={})


@router.post("/bedarfe/neu")
def create(request: Request, session: SessionDep, actor: LoggedInDep) -> Response:
    def prepare(data: dict[str, Any]) -> None:
        # Two submit buttons: save as draft, or submit to the unit.
        data["status"] = ChallengeStatus.draft if data.pop("action", "") == "draft" else ChallengeStatus.submitted
        default_owner(data, service.agencies_for(session=session, actor=actor))

    return submit(
        request,
        schema=ChallengeCreate,
        save=lambda c_in: service.create_challenge(session=session, actor=actor, challenge_in=c_in),
        redirect_to=lambda c: f"/bedarfe/{c.id}?flash=created",
        rerender=lambda values, errors, status: _form_page(
            request, session, actor, values=values, errors=errors, status_code=status
        ),
        lists=("tags",),
        checkboxes=CHECKBOXES,
        prepare=prepare,
    )


def _detail_context(session: Session, actor: Actor, challenge: Challenge, *, strict: bool = False) -> dict[str, Any]:
    may_edit = service.can_edit(actor=actor, challenge=challenge)
    context: dict[str, Any] = {
        "section": "challenges",
        "c": challenge,
        "may_edit": may_edit,
        "transitions": service.allowed_transitions(actor=actor, challenge=challenge),
        "errors": {},
        "strict": strict,
        "merged_into": service.merged_into(session=session, challenge=challenge),
        "merged_from": service.merged_from(session=session, challenge=challenge)
        if may_edit or actor.sees_everything
        else [],
        "merge_targets": service.merge_targets(session=session, actor=actor, challenge=challenge),
        "runs": exploration.runs_for(session=session, actor=actor, challenge=challenge),
        "may_explore": actor.sees_everything and challenge.status == ChallengeStatus.accepted,
        "cases": pipeline.cases_for(session=session, actor=actor, challenge=challenge),
    }
    # Candidate solutions are working material of the owning agency and the unit, not of competitors.
    if may_edit or actor.sees_everything:
        context["candidates"] = matching.solutions_for_challenge(
            session=session, actor=actor, challenge=challenge, limit=10, strict=strict
        )
        context["advice_records"] = (
            procurement.records_for(session=session, actor=actor, challenge=challenge) if may_edit else []
        )
        context["gdpr"] = procurement.gdpr_for(session=session, challenge=challenge)
        context["similar"] = matching.similar(
            session=session,
            actor=actor,
            text=matching.challenge_query(challenge),
            exclude_challenge=challenge.id,
            limit=5,
        )
    context.update(experts_web.advisors_context(session, actor, challenge, may_edit=may_edit))
    return context


@router.get("/bedarfe/{challenge_id}", response_class=HTMLResponse)
def detail(
    request: Request,
    challenge: CurrentChallenge,
    session: SessionDep,
    actor: ActorDep,
    nur_passende: bool = False,
) -> HTMLResponse:
    return render(request, "challenges/detail.html", _detail_context(session, actor, challenge, strict=nur_passende))


def _values_of(challenge: Challenge) -> dict[str, Any]:
    values = {name: getattr(challenge, name) for name in FORM_FIELDS}
    values.update(
        organisation_id=challenge.organisation_id,
        version=challenge.version,
        tags=[t.slug for t in challenge.tags],
    )
    return values


@router.get("/bedarfe/{challenge_id}/bearbeiten", response_class=HTMLResponse)
def edit_form(request: Request, challenge: CurrentChallenge, session: SessionDep, actor: LoggedInDep) -> HTMLResponse:
    require(actor, Action.update, challenge, name="challenge", ident=challenge.id)
    return _form_page(request, session, actor, values=_values_of(challenge), errors={}, challenge=challenge)


@router.post("/bedarfe/{challenge_id}/bearbeiten")
def update(request: Request, challenge: CurrentChallenge, session: SessionDep, actor: LoggedInDep) -> Response:
    def prepare(data: dict[str, Any]) -> None:
        data.pop("organisation_id", None)  # the owner does not change on edit
        data.pop("action", None)

    return submit(
        request,
        schema=ChallengeUpdate,
        save=lambda c_in: service.update_challenge(
            session=session, actor=actor, challenge=challenge, challenge_in=c_in
        ),
        redirect_to=lambda c: f"/bedarfe/{c.id}?flash=saved",
        rerender=lambda values, errors, status: _form_page(
            request, session, actor, values=values, errors=errors, challenge=challenge, status_code=status
        ),
        lists=("tags",),
        checkboxes=CHECKBOXES,
        prepare=prepare,
    )


@router.post("/bedarfe/{challenge_id}/status")
def change_status(
    request: Request, challenge: CurrentChallenge, session: SessionDep, actor: LoggedInDep, lang: LangDep
) -> Response:
    data = read_form(request)
    try:
        to = ChallengeStatus(data.get("to", ""))
    except ValueError:
        to = None
    try:
        if to is None:
            raise Invalid.on("to", "Bitte einen Status wählen.")
        version = int(data.get("version") or 0) or None
        service.transition(
            session=session,
            actor=actor,
            challenge=challenge,
            to=to,
            reason=data.get("reason", ""),
            version=version,
        )
    except Invalid as exc:
        context = _detail_context(session, actor, challenge)
        context.update(errors=from_invalid(exc, data, lang).errors, reason=data.get("reason", ""))
        return render(request, "challenges/detail.html", context, status_code=422)
    return RedirectResponse(f"/bedarfe/{challenge.id}?flash=status_changed", status_code=303)


@router.post("/bedarfe/{challenge_id}/zusammenfuehren")
def merge(
    request: Request, challenge: CurrentChallenge, session: SessionDep, actor: LoggedInDep, lang: LangDep
) -> Response:
    """Triage: merge a duplicate need into another one (also of another agency); the history stays."""
    data = read_form(request)
    into = parse_id(data.get("merged_into_id"))
    try:
        savepoint(
            session,
            lambda: service.merge(
                session=session,
                actor=actor,
                challenge=challenge,
                into_id=into,
                reason=data.get("merge_reason", ""),
                version=int(data.get("version") or 0) or None,
            ),
        )
    except Invalid as exc:
        context = _detail_context(session, actor, challenge)
        context.update(errors=from_invalid(exc, data, lang).errors, merge_values=data)
        return render(request, "challenges/detail.html", context, status_code=422)
    except (Conflict, IllegalTransition) as exc:
        context = _detail_context(session, actor, challenge)
        message = exc.message(lang) if isinstance(exc, IllegalTransition) else translate(STALE_NEED, lang)
        context.update(errors={"__merge": message}, merge_values=data)
        return render(request, "challenges/detail.html", context, status_code=409)
    return RedirectResponse(f"/bedarfe/{challenge.id}?flash=merged", status_code=303)


STALE_NEED = N_(
    "Jemand anderes hat diesen Bedarf inzwischen geändert. Unten steht der aktuelle Stand; "
    "Ihre Eingaben sind erhalten – bitte prüfen und erneut senden."
)
