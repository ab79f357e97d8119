"""Web pages: market exploration runs — long list, market map, shortlist, exclusions, report."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from govlotse.core.actor import Actor
from govlotse.core.schemas import Id, parse_id
from govlotse.deps import LangDep, LoggedInDep, SessionDep
from govlotse.errors import Conflict, Invalid
from govlotse.exploration import report, service
from govlotse.exploration.models import CandidateStatus, ExplorationRun
from govlotse.i18n import N_, is_source, translate
from govlotse.pipeline import service as pipeline
from govlotse.solutions.models import Solution
from govlotse.web.forms import from_invalid, parse_int, read_form, savepoint
from govlotse.web.render import render
from govlotse.web.responses import document_response

router = APIRouter(include_in_schema=False)

STALE_CANDIDATE = N_(
    "Jemand anderes hat diese Lösung inzwischen neu eingeordnet. Unten steht der aktuelle Stand; "
    "Ihre Eingabe ist erhalten – bitte prüfen und erneut senden."
)


@router.get("/markterkundung/urteile.json")
def judgments(session: SessionDep, actor: LoggedInDep) -> Response:
    """The unit's relevance judgments in the evaluation format, to measure search quality (see ../eval)."""
    import json

    body = json.dumps(service.export_judgments(session=session, actor=actor), ensure_ascii=False, indent=1)
    return Response(
        body,
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="govlotse-urteile.json"'},
    )


@router.post("/bedarfe/{challenge_id}/markterkundung")
def start(request: Request, challenge_id: Id, session: SessionDep, actor: LoggedInDep) -> Response:
    data = read_form(request, lists=("hosting", "certifications", "maturity"))
    challenge = service.challenge_of(session=session, actor=actor, challenge_id=challenge_id)
    filters = service.RunFilters(
        hosting=tuple(data["hosting"]),
        certifications=tuple(data["certifications"]),
        maturity=tuple(data["maturity"]),
        strict=data.get("strict") in ("1", "on", "true"),
    )
    run = service.start_run(session=session, actor=actor, challenge=challenge, filters=filters)
    return RedirectResponse(f"/markterkundung/{run.id}?flash=run_started", status_code=303)


def _page(
    request: Request,
    session: Session,
    actor: Actor,
    run_id: int,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    focus: int | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    run = service.get_run(session=session, actor=actor, run_id=run_id)
    previous = service.previous_run(session=session, run=run)
    on_list = {c.solution_id for c in run.candidates}
    may_run = actor.sees_everything
    addable: list[tuple[int, str]] = []
    if may_run and run.status == "open":
        rows = session.execute(select(Solution.id, Solution.title).order_by(Solution.title)).all()
        addable = [(sid, title) for sid, title in rows if sid not in on_list]
    counts = {s: sum(1 for c in run.candidates if c.status == s) for s in CandidateStatus}
    return render(
        request,
        "exploration/run.html",
        {
            "section": "challenges",
            "run": run,
            "c": run.challenge,
            "segments": service.market_map(run),
            "previous": previous,
            "diff": service.compare(previous, run) if previous else None,
            "may_run": may_run,
            "editable": may_run and run.status == "open",
            "addable": addable,
            "counts": counts,
            "cases": [
                c
                for c in pipeline.cases_for(session=session, actor=actor, challenge=run.challenge)
                if c.run_id == run.id
            ],
            "errors": errors or {},
            "values": values or {},
            "focus": focus,
        },
        status_code=status_code,
    )


@router.get("/markterkundung/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, run_id: Id, session: SessionDep, actor: LoggedInDep) -> HTMLResponse:
    return _page(request, session, actor, run_id)


@router.post("/markterkundung/{run_id}/kandidaten/{candidate_id}")
def decide_candidate(
    request: Request, run_id: Id, candidate_id: Id, session: SessionDep, actor: LoggedInDep, lang: LangDep
) -> Response:
    data = read_form(request)
    run = service.get_run(session=session, actor=actor, run_id=run_id)
    try:
        status = CandidateStatus(data.get("status", ""))
    except ValueError:
        status = CandidateStatus.longlist
    try:
        savepoint(
            session,
            lambda: service.set_status(
                session=session,
                actor=actor,
                run=run,
                candidate_id=candidate_id,
                status=status,
                reason=data.get("reason", ""),
                version=parse_int(data.get("version")),
            ),
        )
    except Invalid as exc:
        err = from_invalid(exc, data, lang)
        errors = {f"{k}-{candidate_id}": v for k, v in err.errors.items()}
        values = {f"reason-{candidate_id}": data.get("reason", "")}
        return _page(request, session, actor, run_id, errors=errors, values=values, focus=candidate_id, status_code=422)
    except Conflict as exc:
        msg = translate(exc.detail if is_source(exc.detail) else STALE_CANDIDATE, lang)
        values = {f"reason-{candidate_id}": data.get("reason", "")}
        return _page(
            request,
            session,
            actor,
            run_id,
            errors={f"__conflict-{candidate_id}": msg},
            values=values,
            focus=candidate_id,
            status_code=409,
        )
    return RedirectResponse(f"/markterkundung/{run_id}#k-{candidate_id}", status_code=303)


@router.post("/markterkundung/{run_id}/kandidaten/{candidate_id}/urteil")
def judge(request: Request, run_id: Id, candidate_id: Id, session: SessionDep, actor: LoggedInDep) -> Response:
    data = read_form(request)
    run = service.get_run(session=session, actor=actor, run_id=run_id)
    grade = parse_int(data.get("grade")) if data.get("grade", "") != "" else None
    service.judge(session=session, actor=actor, run=run, candidate_id=candidate_id, grade=grade)
    return RedirectResponse(f"/markterkundung/{run_id}#k-{candidate_id}", status_code=303)


@router.post("/markterkundung/{run_id}/hinzufuegen")
def add(request: Request, run_id: Id, session: SessionDep, actor: LoggedInDep, lang: LangDep) -> Response:
    data = read_form(request)
    run = service.get_run(session=session, actor=actor, run_id=run_id)
    try:
        candidate = savepoint(
            session,
            lambda: service.add_manually(
                session=session,
                actor=actor,
                run=run,
                solution_id=parse_id(data.get("solution_id")),
                reason=data.get("reason", ""),
            ),
        )
    except Invalid as exc:
        err = from_invalid(exc, data, lang)
        errors = {f"add_{k}": v for k, v in err.errors.items()}
        values = {"add_solution_id": data.get("solution_id", ""), "add_reason": data.get("reason", "")}
        return _page(request, session, actor, run_id, errors=errors, values=values, status_code=422)
    return RedirectResponse(f"/markterkundung/{run_id}#k-{candidate.id}", status_code=303)


@router.post("/markterkundung/{run_id}/abschliessen")
def close(request: Request, run_id: Id, session: SessionDep, actor: LoggedInDep, lang: LangDep) -> Response:
    data = read_form(request)
    run = service.get_run(session=session, actor=actor, run_id=run_id)
    try:
        savepoint(session, lambda: service.close_run(session=session, actor=actor, run=run))
    except Invalid as exc:
        err = from_invalid(exc, data, lang)
        return _page(
            request, session, actor, run_id, errors={"close": next(iter(err.errors.values()))}, status_code=422
        )
    return RedirectResponse(f"/markterkundung/{run_id}?flash=run_closed", status_code=303)


def _report(session: Session, actor: Actor, run_id: int, lang: str) -> tuple[ExplorationRun, Any]:
    run = service.get_run(session=session, actor=actor, run_id=run_id)
    return run, report.build(session=session, actor=actor, run=run, lang=lang)


@router.get("/markterkundung/{run_id}/bericht.pdf")
def report_pdf(run_id: Id, session: SessionDep, actor: LoggedInDep, lang: LangDep) -> Response:
    run, doc = _report(session, actor, run_id, lang)
    return document_response(doc, f"markterkundung-{run.challenge_id}-{run.number}", "pdf")


@router.get("/markterkundung/{run_id}/bericht.md")
def report_md(run_id: Id, session: SessionDep, actor: LoggedInDep, lang: LangDep) -> Response:
    run, doc = _report(session, actor, run_id, lang)
    return document_response(doc, f"markterkundung-{run.challenge_id}-{run.number}", "md")
