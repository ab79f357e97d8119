"""Web pages: the venture-client pipeline — cases, pitch scoring, pilot, decision, dossier, the unit's dashboard."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from govlotse.accounts import registration
from govlotse.challenges.models import Challenge, ChallengeStatus
from govlotse.config import settings
from govlotse.core.actor import Actor, Role
from govlotse.core.schemas import Id
from govlotse.deps import LangDep, LoggedInDep, SessionDep
from govlotse.errors import Conflict, FieldError, Forbidden, IllegalTransition, Invalid
from govlotse.experts import web as experts_web
from govlotse.exploration import service as exploration
from govlotse.i18n import N_, translate
from govlotse.pipeline import dossier, pitchdays, service
from govlotse.pipeline.models import Case, Stage
from govlotse.procurement import service as procurement
from govlotse.web.forms import from_invalid, parse_int, read_form, savepoint
from govlotse.web.render import render
from govlotse.web.responses import document_response

router = APIRouter(include_in_schema=False)

KPI_ROWS = 5
MILESTONE_ROWS = 6
CRITERIA_ROWS = 8
STALE_MESSAGE = N_(
    "Jemand anderes hat diesen Fall inzwischen geändert. Unten steht der aktuelle Stand; "
    "Ihre Eingaben sind erhalten – bitte prüfen und erneut senden."
)

# A service names the field it refuses; on the case page several forms share it, so each form renames.
STEP_FIELDS = {"reason": "step_reason"}
DECISION_FIELDS = {"reason": "decision_reason"}


# ---------------------------------------------------------------- parsing form input


def _number(data: dict[str, Any], name: str, errors: list[FieldError], *, required: bool = True) -> float | None:
    """A number as people type it: "1.234,5" (German) or "1234.5"."""
    raw = str(data.get(name, "")).strip().replace(" ", "")
    if not raw:
        if required:
            errors.append(FieldError((name,), N_("Bitte eine Zahl angeben.")))
        return None
    if "," in raw or re.fullmatch(r"-?\d{1,3}(\.\d{3})+", raw):  # "1.234,5" or "45.000": German grouping
        raw = raw.replace(".", "").replace(",", ".")
    try:
        return float(raw)
    except ValueError:
        errors.append(FieldError((name,), N_("Bitte eine Zahl angeben.")))
        return None


def _date(data: dict[str, Any], name: str, errors: list[FieldError], *, required: bool = True) -> date | None:
    raw = str(data.get(name, "")).strip()
    if not raw:
        if required:
            errors.append(FieldError((name,), N_("Bitte ein Datum angeben.")))
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors.append(FieldError((name,), N_("Bitte ein Datum im Format JJJJ-MM-TT angeben.")))
        return None


def _renamed(exc: Invalid, names: dict[str, str]) -> Invalid:
    return Invalid(
        [FieldError((names.get(e.field, e.field or "__root__"),), e.msg, params=e.params) for e in exc.errors]
    )


# ---------------------------------------------------------------- the case page


def _case_context(session: Session, actor: Actor, case: Case) -> dict[str, Any]:
    may_work = service.may_work(actor, case)
    is_startup = actor.role == Role.startup
    crits = service.criteria(session=session, challenge=case.challenge)
    submitted = service.has_submitted(session=session, actor=actor, case=case)
    may_score = (
        case.stage == Stage.pitch and not is_startup and service.may_evaluate(actor, case) and actor.user_id is not None
    )
    matrix = None
    if not is_startup and case.stage != Stage.shortlisted and crits:
        matrix = service.matrix(session=session, actor=actor, challenge=case.challenge)
    pilot = service.pilot_of(session=session, case=case)
    decision = service.decision_of(session=session, case=case)
    debrief = None
    if case.stage == Stage.not_selected:
        debrief = service.debrief(session=session, actor=actor, case=case)
    return {
        "section": "pipeline",
        "case": case,
        "c": case.challenge,
        "history": service.history(session=session, case=case),
        "steps": service.allowed_steps(actor=actor, case=case),
        "may_work": may_work,
        "is_startup": is_startup,
        "criteria": crits,
        "may_score": may_score,
        "submitted": submitted,
        "matrix": matrix,
        "pilot": pilot,
        "pilot_editable": may_work and case.stage in (Stage.selected, Stage.pilot),
        "progress_open": may_work and pilot is not None and case.stage in (Stage.pilot, Stage.evaluation),
        "decision": decision,
        "decision_open": may_work and case.stage == Stage.evaluation and decision is None,
        "debrief": debrief,
        "advice_records": procurement.records_for(session=session, actor=actor, challenge=case.challenge)
        if may_work
        else [],
        "kpi_rows": KPI_ROWS,
        "milestone_rows": MILESTONE_ROWS,
        "max_months": settings.pilot_max_months,
        **experts_web.advisors_context(session, actor, case.challenge, may_edit=may_work, case=case),
        "pitch_slots": pitchdays.slots_of_case(session=session, case_id=case.id),
    }


def _case_page(
    request: Request,
    session: Session,
    actor: Actor,
    case_id: int,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    active: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    case = service.get_case(session=session, actor=actor, case_id=case_id)
    ctx = _case_context(session, actor, case)
    ctx.update(errors=errors or {}, values=values or {}, active=active)
    return render(request, "pipeline/case.html", ctx, status_code=status_code)


@router.get("/faelle", response_class=HTMLResponse)
def list_page(request: Request, session: SessionDep, actor: LoggedInDep, stage: str = "") -> HTMLResponse:
    stages = (stage,) if stage in set(Stage) else ()
    cases = service.cases_for(session=session, actor=actor, stages=stages)
    by_stage: dict[str, list[Case]] = {}
    for case in cases:
        by_stage.setdefault(case.stage, []).append(case)
    return render(
        request,
        "pipeline/list.html",
        {
            "section": "pipeline",
            "groups": [(s, by_stage[s]) for s in service.STAGE_ORDER if s in by_stage],
            "stage": stage if stages else "",
            "stages": service.STAGE_ORDER,
            "total": len(cases),
        },
    )


@router.get("/faelle/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: Id, session: SessionDep, actor: LoggedInDep) -> HTMLResponse:
    return _case_page(request, session, actor, case_id)


def _act(
    request: Request,
    session: Session,
    actor: Actor,
    case_id: int,
    lang: str,
    *,
    form: str,
    action: Callable[[Case, dict[str, Any]], Any],
    flash: str,
    names: dict[str, str] | None = None,
    lists: tuple[str, ...] = (),
) -> Response:
    """One POST on the case page: run the service step; on refusal show the page again with the input kept."""
    data = read_form(request, lists=lists)
    case = service.get_case(session=session, actor=actor, case_id=case_id)
    try:
        savepoint(session, lambda: action(case, data))
    except Invalid as exc:
        err = from_invalid(_renamed(exc, names or {}), data, lang)
        return _case_page(
            request, session, actor, case_id, errors=err.errors, values=data, active=form, status_code=422
        )
    except IllegalTransition as exc:
        return _case_page(
            request,
            session,
            actor,
            case_id,
            errors={"__step": exc.message(lang)},
            values=data,
            active=form,
            status_code=409,
        )
    except Conflict as exc:
        # a stale version carries the current one; other conflicts say in German what happened
        message = STALE_MESSAGE if exc.current_version is not None else exc.detail
        return _case_page(
            request,
            session,
            actor,
            case_id,
            errors={"__conflict": translate(message, lang)},
            values=data,
            active=form,
            status_code=409,
        )
    return RedirectResponse(f"/faelle/{case_id}?flash={flash}#{form}", status_code=303)


@router.post("/faelle/{case_id}/schritt")
def step(request: Request, case_id: Id, session: SessionDep, actor: LoggedInDep, lang: LangDep) -> Response:
    def action(case: Case, data: dict[str, Any]) -> Any:
        try:
            to = Stage(data.get("to", ""))
        except ValueError:
            raise IllegalTransition(
                entity="case",
                from_state=case.stage,
                to_state=str(data.get("to", "")),
                reason=N_("Diesen Schritt gibt es in der Pipeline nicht."),
            ) from None
        return service.transition(
            session=session,
            actor=actor,
            case=case,
            to=to,
            reason=str(data.get("step_reason", "")),
            version=parse_int(data.get("version")),
        )

    return _act(
        request, session, actor, case_id, lang, form="step", action=action, flash="step_done", names=STEP_FIELDS
    )


@router.post("/faelle/{case_id}/bewertung")
def score(request: Request, case_id: Id, session: SessionDep, actor: LoggedInDep, lang: LangDep) -> Response:
    def action(case: Case, data: dict[str, Any]) -> Any:
        errors: list[FieldError] = []
        scores: dict[int, tuple[int, str]] = {}
        for crit in service.criteria(session=session, challenge=case.challenge):
            raw = str(data.get(f"score_{crit.id}", "")).strip()
            if raw == "":
                continue
            value = parse_int(raw)
            if value is None:
                errors.append(FieldError((f"score_{crit.id}",), N_("Bitte einen Wert von 0 bis 10 angeben.")))
                continue
            scores[crit.id] = (value, str(data.get(f"comment_{crit.id}", "")))
        if errors:
            raise Invalid(errors)
        return service.submit_scores(session=session, actor=actor, case=case, scores=scores)

    return _act(request, session, actor, case_id, lang, form="scoring", action=action, flash="scores_submitted")


def _pilot_input(data: dict[str, Any]) -> dict[str, Any]:
    errors: list[FieldError] = []
    price = _number(data, "price", errors)
    start = _date(data, "start", errors)
    end = _date(data, "end", errors)
    go_no_go = _date(data, "go_no_go", errors)
    kpis = []
    for n in range(KPI_ROWS):
        name = str(data.get(f"kpi_name_{n}", "")).strip()
        if not name:
            continue
        kpis.append(
            {
                "name": name,
                "unit": str(data.get(f"kpi_unit_{n}", "")).strip(),
                "baseline": _number(data, f"kpi_baseline_{n}", errors),
                "target": _number(data, f"kpi_target_{n}", errors),
            }
        )
    milestones = []
    for n in range(MILESTONE_ROWS):
        title = str(data.get(f"ms_title_{n}", "")).strip()
        if title:
            milestones.append({"title": title, "due": _date(data, f"ms_due_{n}", errors)})
    if errors:
        raise Invalid(errors)
    assert price is not None and start and end and go_no_go
    return {
        "scope": str(data.get("scope", "")),
        "price": round(price),
        "start": start,
        "end": end,
        "go_no_go": go_no_go,
        "kpis": kpis,
        "milestones": milestones,
    }


@router.post("/faelle/{case_id}/pilot")
def pilot(request: Request, case_id: Id, session: SessionDep, actor: LoggedInDep, lang: LangDep) -> Response:
    def action(case: Case, data: dict[str, Any]) -> Any:
        return service.save_pilot(
            session=session, actor=actor, case=case, version=parse_int(data.get("version")), **_pilot_input(data)
        )

    # A service error on the n-th KPI names "kpi_n"; the form shows it at that row's name field.
    names = {f"kpi_{n}": f"kpi_name_{n}" for n in range(KPI_ROWS)}
    return _act(request, session, actor, case_id, lang, form="pilot", action=action, flash="pilot_saved", names=names)


def _results(case: Case, data: dict[str, Any], session: Session) -> dict[int, float | None]:
    pilot = service.pilot_of(session=session, case=case)
    errors: list[FieldError] = []
    results: dict[int, float | None] = {}
    for kpi in pilot.kpis if pilot else []:
        value = _number(data, f"result_{kpi.id}", errors, required=False)
        if value is not None:
            results[kpi.id] = value
    if errors:
        raise Invalid(errors)
    return results


@router.post("/faelle/{case_id}/zwischenstand")
def progress(request: Request, case_id: Id, session: SessionDep, actor: LoggedInDep, lang: LangDep) -> Response:
    def action(case: Case, data: dict[str, Any]) -> Any:
        done = [i for i in (parse_int(x) for x in data.get("done", [])) if i is not None]
        return service.report_progress(
            session=session,
            actor=actor,
            case=case,
            note=str(data.get("note", "")),
            results=_results(case, data, session),
            done=done,
        )

    return _act(
        request, session, actor, case_id, lang, form="progress", action=action, flash="progress_saved", lists=("done",)
    )


@router.post("/faelle/{case_id}/entscheidung")
def decide(request: Request, case_id: Id, session: SessionDep, actor: LoggedInDep, lang: LangDep) -> Response:
    def action(case: Case, data: dict[str, Any]) -> Any:
        results = _results(case, data, session)
        follow_up: dict[str, Any] = {}
        if data.get("outcome") == "go":
            errors: list[FieldError] = []
            value = _number(data, "follow_value", errors, required=False)
            if errors:
                raise Invalid(errors)
            follow_up = {
                "procedure": str(data.get("follow_procedure", "")).strip(),
                "value_eur": round(value) if value is not None else None,
                "note": str(data.get("follow_note", "")).strip(),
            }
        return service.decide(
            session=session,
            actor=actor,
            case=case,
            outcome=str(data.get("outcome", "")),
            reason=str(data.get("decision_reason", "")),
            lessons=str(data.get("lessons", "")),
            results=results,
            follow_up=follow_up,
        )

    return _act(
        request, session, actor, case_id, lang, form="decision", action=action, flash="decided", names=DECISION_FIELDS
    )


def _dossier(session: Session, actor: Actor, case_id: int, lang: str) -> tuple[Case, Any]:
    case = service.get_case(session=session, actor=actor, case_id=case_id)
    if not service.may_work(actor, case):
        raise Forbidden("the case dossier is for the unit and the agency that owns the need")
    return case, dossier.build(session=session, actor=actor, case=case, lang=lang)


@router.get("/faelle/{case_id}/dossier.pdf")
def dossier_pdf(case_id: Id, session: SessionDep, actor: LoggedInDep, lang: LangDep) -> Response:
    case, doc = _dossier(session, actor, case_id, lang)
    return document_response(doc, f"fallakte-{case.id}", "pdf")


@router.get("/faelle/{case_id}/dossier.md")
def dossier_md(case_id: Id, session: SessionDep, actor: LoggedInDep, lang: LangDep) -> Response:
    case, doc = _dossier(session, actor, case_id, lang)
    return document_response(doc, f"fallakte-{case.id}", "md")


# ---------------------------------------------------------------- pitch criteria and the evaluation matrix


def _criteria_page(
    request: Request,
    session: Session,
    actor: Actor,
    challenge: Challenge,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    crits = service.criteria(session=session, challenge=challenge)
    if values is None:
        values = {}
        for n, crit in enumerate(crits):
            values.update(
                {f"name_{n}": crit.name, f"description_{n}": crit.description, f"weight_{n}": str(crit.weight)}
            )
    matrix = service.matrix(session=session, actor=actor, challenge=challenge) if crits else None
    return render(
        request,
        "pipeline/criteria.html",
        {
            "section": "pipeline",
            "c": challenge,
            "criteria": crits,
            "criteria_version": service.criteria_version(crits),
            "matrix": matrix,
            "row_count": max(CRITERIA_ROWS, len(crits) + 2),
            "errors": errors or {},
            "values": values,
            "editable": actor.sees_everything,
        },
        status_code=status_code,
    )


@router.get("/bedarfe/{challenge_id}/pitch", response_class=HTMLResponse)
def criteria_page(request: Request, challenge_id: Id, session: SessionDep, actor: LoggedInDep) -> HTMLResponse:
    challenge = exploration.challenge_of(session=session, actor=actor, challenge_id=challenge_id)
    if not (actor.sees_everything or actor.member_of(challenge.organisation_id)):
        raise Forbidden()
    return _criteria_page(request, session, actor, challenge)


@router.post("/bedarfe/{challenge_id}/pitch")
def save_criteria(
    request: Request, challenge_id: Id, session: SessionDep, actor: LoggedInDep, lang: LangDep
) -> Response:
    data = read_form(request)
    challenge = exploration.challenge_of(session=session, actor=actor, challenge_id=challenge_id)
    rows = max(CRITERIA_ROWS, sum(1 for k in data if k.startswith("name_")))
    items = [
        {
            "name": str(data.get(f"name_{n}", "")),
            "description": str(data.get(f"description_{n}", "")),
            "weight": str(data.get(f"weight_{n}", "")).strip() or "0",
        }
        for n in range(rows)
    ]
    try:
        savepoint(
            session,
            lambda: service.set_criteria(
                session=session,
                actor=actor,
                challenge=challenge,
                items=items,
                version=str(data.get("criteria_version", "")) or None,
            ),
        )
    except Invalid as exc:
        err = from_invalid(exc, data, lang)
        return _criteria_page(request, session, actor, challenge, errors=err.errors, values=data, status_code=422)
    except Conflict as exc:
        data.pop("criteria_version", None)  # the next save is a deliberate decision with the other change in view
        return _criteria_page(
            request,
            session,
            actor,
            challenge,
            errors={"__conflict": translate(exc.detail, lang)},
            values=data,
            status_code=409,
        )
    return RedirectResponse(f"/bedarfe/{challenge_id}/pitch?flash=criteria_saved", status_code=303)


# ---------------------------------------------------------------- the unit's dashboard


@router.get("/lotsenstelle", response_class=HTMLResponse)
def dashboard(request: Request, session: SessionDep, actor: LoggedInDep) -> HTMLResponse:
    board = service.dashboard(session=session, actor=actor)
    triage = list(
        session.scalars(
            select(Challenge)
            .where(Challenge.status == ChallengeStatus.submitted)
            .options(selectinload(Challenge.organisation))
            .order_by(Challenge.updated_at)
        )
    )
    open_runs = exploration.open_runs(session=session, actor=actor)
    return render(
        request,
        "pipeline/dashboard.html",
        {
            "section": "unit",
            "board": board,
            "triage": triage,
            "open_runs": open_runs,
            "stages": service.STAGE_ORDER,
            "stall_days": settings.pilot_stall_days,
            "approvals": len(registration.pending(session, actor=actor)),
        },
    )
