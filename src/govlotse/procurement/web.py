"""Web pages: procurement advisor, EU AI Act check, rule-set versions."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile as StarletteUploadFile

from govlotse.challenges import service as challenges
from govlotse.core.schemas import Id, parse_id
from govlotse.core.validation import translate_errors
from govlotse.deps import LangDep, LoggedInDep, SessionDep
from govlotse.errors import AppError, FieldError, Forbidden, Invalid, NotFound
from govlotse.procurement import compliance, service
from govlotse.procurement.advisor import AdviceInput, NoApplicableRule
from govlotse.procurement.models import AdviceRecord
from govlotse.web.forms import errors_by_field, posted_form, read_form
from govlotse.web.render import render

router = APIRouter(include_in_schema=False)

FLAGS = ("innovative", "govtech_unit")


def _defaults(session: SessionDep, actor: Any, challenge_id: int | None) -> dict[str, Any]:
    values: dict[str, Any] = {
        "kind": "services",
        "authority": "sub-central",
        "land": "hamburg",
        "start_date": date.today().isoformat(),
        "innovative": True,
        "govtech_unit": bool(actor.sees_everything),
    }
    if challenge_id:
        c = challenges.get_challenge(session=session, actor=actor, challenge_id=challenge_id)
        values.update(
            value=c.budget_max or c.budget_min or "",
            term_months=c.duration_months or "",
            start_date=(c.desired_start or date.today()).isoformat(),
            challenge_id=c.id,
            challenge_title=c.title,
        )
    return values


def _parse(values: dict[str, Any], lang: str) -> tuple[AdviceInput | None, dict[str, str]]:
    data = {k: v for k, v in values.items() if k in AdviceInput.model_fields and v not in ("", None)}
    for flag in FLAGS:
        data[flag] = values.get(flag) in (True, "1", "on", "true")
    if data.get("land") == "none":
        data["land"] = None
    try:
        return AdviceInput.model_validate(data), {}
    except ValidationError as exc:
        return None, errors_by_field(translate_errors(exc.errors(), lang))


@router.get("/vergabe", response_class=HTMLResponse)
def advisor_page(request: Request, session: SessionDep, actor: LoggedInDep, lang: LangDep) -> HTMLResponse:
    """The advisor: the form, and the result when the form was sent (a pure computation: GET)."""
    if not service._may_advise(actor):
        raise Forbidden()
    params = dict(request.query_params)
    challenge_id = parse_id(params.get("bedarf"))
    values = _defaults(session, actor, challenge_id)
    result = None
    errors: dict[str, str] = {}
    if "value" in params:
        values.update(params)
        for flag in FLAGS:
            values[flag] = params.get(flag) == "1"
        advice_in, errors = _parse(values, lang)
        if advice_in is not None:
            try:
                result, _ = service.advise(session=session, actor=actor, advice_in=advice_in)
            except NoApplicableRule:
                errors = {"start_date": "Für dieses Datum enthält das Regelwerk keinen Schwellenwert."}
    rule_set = service.active_rule_set(session)
    services = compliance.evb_it_services(rule_set)
    evb = compliance.evb_it(rule_set, params["evb"]) if params.get("evb") in services else None
    return render(
        request,
        "procurement/advisor.html",
        {
            "section": "procurement",
            "values": values,
            "errors": errors,
            "result": result,
            "evb_services": services,
            "evb": evb,
        },
        status_code=422 if errors else 200,
    )


@router.post("/vergabe/speichern")
def save_advice(request: Request, session: SessionDep, actor: LoggedInDep, lang: LangDep) -> Response:
    """Store the advice on the need (it then appears on the need's page and in its dossier)."""
    values = read_form(request)
    advice_in, errors = _parse(values, lang)
    challenge_id = parse_id(values.get("challenge_id"))
    if advice_in is None or challenge_id is None:
        return render(
            request,
            "procurement/advisor.html",
            {
                "section": "procurement",
                "values": values,
                "errors": errors or {"__root__": "Kein Bedarf angegeben."},
                "result": None,
                "evb_services": [],
            },
            status_code=422,
        )
    _result, record = service.advise(session=session, actor=actor, advice_in=advice_in, challenge_id=challenge_id)
    assert record is not None
    return RedirectResponse(f"/vergabe/ergebnis/{record.id}?flash=saved", status_code=303)


@router.get("/vergabe/ergebnis/{record_id}", response_class=HTMLResponse)
def stored(request: Request, record_id: Id, session: SessionDep, actor: LoggedInDep) -> HTMLResponse:
    """A stored result, exactly as computed with the rule-set version it names."""
    record = session.get(AdviceRecord, record_id)
    if record is None:
        raise NotFound("advice", record_id)
    challenge = challenges.get_challenge(session=session, actor=actor, challenge_id=record.challenge_id or 0)
    if not challenges.can_edit(actor=actor, challenge=challenge):
        raise NotFound("advice", record_id)
    template = "procurement/stored_ai_act.html" if record.kind == "ai_act" else "procurement/stored.html"
    return render(request, template, {"section": "procurement", "record": record, "c": challenge, "r": record.result})


def answers_from(values: Any) -> compliance.AiActAnswers:
    """The questionnaire from query parameters or a posted form (checkboxes send "1")."""
    point = str(values.get("annex_iii_point") or "")
    return compliance.AiActAnswers.model_validate(
        {
            "prohibited": [str(v) for v in values.getlist("prohibited")],
            "annex_iii_point": int(point) if point.isdigit() else None,
            **{
                flag: values.get(flag) == "1"
                for flag in ("profiling", "narrow_task", "interacts_with_people", "generates_content")
            },
            "use_date": str(values.get("use_date") or ""),
        }
    )


@router.get("/vergabe/ki-verordnung", response_class=HTMLResponse)
def ai_act_page(request: Request, session: SessionDep, actor: LoggedInDep, lang: LangDep) -> HTMLResponse:
    """EU AI Act questionnaire, with a suggestion from the need's text."""
    if not service._may_advise(actor):
        raise Forbidden()
    params = dict(request.query_params)
    challenge = None
    bedarf = parse_id(params.get("bedarf"))
    if bedarf is not None:
        challenge = challenges.get_challenge(session=session, actor=actor, challenge_id=bedarf)
    rule_set = service.active_rule_set(session)
    suggestions = (
        service.ai_act_suggestions(session=session, text=f"{challenge.title}. {challenge.problem}") if challenge else []
    )
    result, errors = None, {}
    if "use_date" in params:
        try:
            answers = answers_from(request.query_params)
            result = compliance.classify(rule_set, answers)
        except (ValidationError, ValueError) as exc:
            errs = (
                exc.errors() if isinstance(exc, ValidationError) else [{"loc": ("use_date",), "type": "date_parsing"}]
            )
            errors = errors_by_field(translate_errors(errs, lang))
    return render(
        request,
        "procurement/ai_act.html",
        {
            "section": "procurement",
            "challenge": challenge,
            "rule_set": rule_set,
            "suggestions": suggestions,
            "params": params,
            "selected": request.query_params.getlist("prohibited"),
            "result": result,
            "errors": errors,
            "today": date.today().isoformat(),
        },
        status_code=422 if errors else 200,
    )


@router.post("/vergabe/ki-verordnung/speichern")
def save_ai_act(request: Request, session: SessionDep, actor: LoggedInDep, lang: LangDep) -> Response:
    read_form(request)  # CSRF, before anything of the form is used
    form = posted_form(request)
    try:
        answers = answers_from(form)
    except (ValidationError, ValueError) as exc:
        errs = exc.errors() if isinstance(exc, ValidationError) else [{"loc": ("annex_iii_point",), "type": "int_type"}]
        raise Invalid([FieldError(loc=tuple(e["loc"]), msg=e["msg"]) for e in translate_errors(errs, lang)]) from None
    challenge_id = parse_id(form.get("challenge_id"))
    if challenge_id is None:  # the answers are stored on a need
        raise NotFound("challenge")
    _result, record = service.ai_act_check(session=session, actor=actor, answers=answers, challenge_id=challenge_id)
    assert record is not None
    return RedirectResponse(f"/vergabe/ergebnis/{record.id}?flash=saved", status_code=303)


@router.get("/vergabe/regeln", response_class=HTMLResponse)
def rules_page(request: Request, session: SessionDep, actor: LoggedInDep) -> HTMLResponse:
    """Rule-set versions; administrators load new ones here."""
    return render(
        request,
        "procurement/rules.html",
        {
            "section": "procurement",
            "versions": service.list_versions(session=session),
            "active": service.active_rule_set(session),
            "errors": {},
        },
    )


@router.post("/vergabe/regeln")
def upload_rules(request: Request, session: SessionDep, actor: LoggedInDep) -> Response:
    read_form(request)  # CSRF
    upload = posted_form(request).get("file")
    text = ""
    if isinstance(upload, StarletteUploadFile):
        raw = upload.file.read(2_000_001)
        text = "" if len(raw) > 2_000_000 else raw.decode("utf-8", errors="replace")
    try:
        service.load_rule_set(session=session, actor=actor, text=text, name=getattr(upload, "filename", "upload"))
    except AppError as exc:
        if isinstance(exc, Forbidden):
            raise
        return render(
            request,
            "procurement/rules.html",
            {
                "section": "procurement",
                "versions": service.list_versions(session=session),
                "active": service.active_rule_set(session),
                "errors": {"file": exc.detail},
            },
            status_code=422,
        )
    return RedirectResponse("/vergabe/regeln?flash=saved", status_code=303)
