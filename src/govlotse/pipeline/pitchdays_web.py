"""Web pages and JSON API of pitch days."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session

from govlotse.challenges.models import Challenge, ChallengeStatus
from govlotse.core.actor import Actor
from govlotse.core.openapi import errors
from govlotse.core.schemas import Id, Schema
from govlotse.deps import LangDep, LoggedInDep, SessionDep
from govlotse.errors import Forbidden, Invalid
from govlotse.pipeline import pitchdays
from govlotse.pipeline.models import Attendance, PitchDay
from govlotse.web.forms import FormError, from_invalid, read_form, validate
from govlotse.web.render import render

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/pitch-days", tags=["pipeline"])


class PitchDayIn(Schema):
    title: Annotated[str, StringConstraints(min_length=3, max_length=200)]
    day: date
    location: Annotated[str, StringConstraints(max_length=300)] = ""
    description: Annotated[str, StringConstraints(max_length=5000)] = ""
    challenge_ids: list[Id] = Field(min_length=1, max_length=50)


class SlotIn(Schema):
    case_id: Id
    starts_at: Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
    minutes: int = Field(default=20, ge=5, le=120)


class AttendanceIn(Schema):
    attendance: Attendance


class SlotRead(BaseModel):
    id: int
    case_id: int
    starts_at: str
    minutes: int
    attendance: str
    startup: str
    solution: str
    need: str
    evaluators: int | None
    mean_score: float | None


class PitchDayRead(BaseModel):
    id: int
    title: str
    day: date
    location: str
    description: str
    challenge_ids: list[int]
    slots: list[SlotRead]


def day_from_path(day_id: Id, session: SessionDep, actor: LoggedInDep) -> PitchDay:
    return pitchdays.get_day(session=session, actor=actor, day_id=day_id)


CurrentDay = Annotated[PitchDay, Depends(day_from_path)]


def read(session: Session, actor: Actor, day: PitchDay) -> PitchDayRead:
    return PitchDayRead(
        id=day.id,
        title=day.title,
        day=day.day,
        location=day.location,
        description=day.description,
        challenge_ids=[c.id for c in day.challenges if actor.sees_everything],
        slots=[
            SlotRead(
                id=v.slot.id,
                case_id=v.slot.case_id,
                starts_at=v.slot.starts_at,
                minutes=v.slot.minutes,
                attendance=v.slot.attendance,
                startup=v.slot.case.organisation.name,
                solution=v.slot.case.solution.title,
                need=v.slot.case.challenge.title,
                evaluators=v.score.evaluators if v.score else None,
                mean_score=v.score.mean if v.score else None,
            )
            for v in pitchdays.agenda(session=session, actor=actor, day=day)
        ],
    )


# ---------------------------------------------------------------- pages


def _accepted_needs(session: Session) -> list[Challenge]:
    return list(
        session.scalars(select(Challenge).where(Challenge.status == ChallengeStatus.accepted).order_by(Challenge.title))
    )


@router.get("/pitchtage", response_class=HTMLResponse)
def days_page(request: Request, session: SessionDep, actor: LoggedInDep) -> HTMLResponse:
    return render(
        request,
        "pipeline/pitch_days.html",
        {"section": "pipeline", "days": pitchdays.list_days(session=session, actor=actor)},
    )


def _form_page(
    request: Request, session: Session, *, values: dict[str, Any], errors: dict[str, str], status_code: int = 200
) -> HTMLResponse:
    return render(
        request,
        "pipeline/pitch_day_form.html",
        {
            "section": "pipeline",
            "need_options": [(str(n.id), n.title) for n in _accepted_needs(session)],
            "values": values,
            "errors": errors,
        },
        status_code=status_code,
    )


@router.get("/pitchtage/neu", response_class=HTMLResponse)
def new_form(request: Request, session: SessionDep, actor: LoggedInDep) -> HTMLResponse:
    if not actor.sees_everything:
        raise Forbidden(pitchdays.ONLY_UNIT)
    return _form_page(request, session, values={"challenge_ids": []}, errors={})


@router.post("/pitchtage/neu")
def create(request: Request, session: SessionDep, actor: LoggedInDep, lang: LangDep) -> Response:
    data = read_form(request, lists=("challenge_ids",))
    if not actor.sees_everything:
        raise Forbidden(pitchdays.ONLY_UNIT)
    try:
        day_in = validate(PitchDayIn, data, lang)
        event = pitchdays.create_day(session=session, actor=actor, **day_in.model_dump())
    except FormError as exc:
        return _form_page(request, session, values=exc.values, errors=exc.errors, status_code=422)
    except Invalid as exc:
        return _form_page(request, session, values=data, errors=from_invalid(exc, data, lang).errors, status_code=422)
    return RedirectResponse(f"/pitchtage/{event.id}?flash=created", status_code=303)


def _day_page(
    request: Request,
    session: Session,
    actor: Actor,
    day: PitchDay,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "pipeline/pitch_day.html",
        {
            "section": "pipeline",
            "d": day,
            "agenda": pitchdays.agenda(session=session, actor=actor, day=day),
            "case_options": [
                (str(c.id), f"{c.organisation.name}: {c.solution.title} – {c.challenge.title}")
                for c in (pitchdays.open_cases(session=session, day=day) if actor.sees_everything else [])
            ],
            "values": values or {"minutes": "20"},
            "errors": errors or {},
        },
        status_code=status_code,
    )


@router.get("/pitchtage/{day_id}", response_class=HTMLResponse)
def day_page(request: Request, day: CurrentDay, session: SessionDep, actor: LoggedInDep) -> HTMLResponse:
    return _day_page(request, session, actor, day)


@router.post("/pitchtage/{day_id}/slots")
def add_slot(request: Request, day: CurrentDay, session: SessionDep, actor: LoggedInDep, lang: LangDep) -> Response:
    data = read_form(request)
    if not actor.sees_everything:
        raise Forbidden(pitchdays.ONLY_UNIT)
    try:
        slot_in = validate(SlotIn, data, lang)
        pitchdays.add_slot(session=session, actor=actor, day=day, lang=lang, **slot_in.model_dump())
    except FormError as exc:
        return _day_page(request, session, actor, day, values=exc.values, errors=exc.errors, status_code=422)
    except Invalid as exc:
        errors = from_invalid(exc, data, lang).errors
        return _day_page(request, session, actor, day, values=data, errors=errors, status_code=422)
    return RedirectResponse(f"/pitchtage/{day.id}?flash=slot_added#agenda-title", status_code=303)


@router.post("/pitchtage/{day_id}/slots/{slot_id}")
def attendance(
    request: Request, day: CurrentDay, slot_id: Id, session: SessionDep, actor: LoggedInDep, lang: LangDep
) -> Response:
    data = read_form(request)
    value = validate(AttendanceIn, {"attendance": data.get("attendance")}, lang) if actor.sees_everything else None
    if value is None:
        raise Forbidden(pitchdays.ONLY_UNIT)
    pitchdays.set_attendance(session=session, actor=actor, day=day, slot_id=slot_id, attendance=value.attendance)
    return RedirectResponse(f"/pitchtage/{day.id}?flash=saved#agenda-title", status_code=303)


@router.post("/pitchtage/{day_id}/slots/{slot_id}/entfernen")
def remove(request: Request, day: CurrentDay, slot_id: Id, session: SessionDep, actor: LoggedInDep) -> Response:
    read_form(request)
    pitchdays.remove_slot(session=session, actor=actor, day=day, slot_id=slot_id)
    return RedirectResponse(f"/pitchtage/{day.id}?flash=slot_removed#agenda-title", status_code=303)


# ---------------------------------------------------------------- API


@api.get("", response_model=list[PitchDayRead], responses=errors(401))
def list_api(session: SessionDep, actor: LoggedInDep) -> object:
    """Pitch days you may see (with the slots you may see), newest first."""
    return [read(session, actor, d) for d in pitchdays.list_days(session=session, actor=actor)]


@api.post("", status_code=201, response_model=PitchDayRead, responses=errors(401, 403, 422))
def create_api(data: PitchDayIn, session: SessionDep, actor: LoggedInDep) -> object:
    """Plan a pitch day for accepted needs (the unit)."""
    event = pitchdays.create_day(session=session, actor=actor, **data.model_dump())
    return read(session, actor, pitchdays.get_day(session=session, actor=actor, day_id=event.id))


@api.get("/{day_id}", response_model=PitchDayRead, responses=errors(401, 404, 422))
def get_api(day: CurrentDay, session: SessionDep, actor: LoggedInDep) -> object:
    return read(session, actor, day)


@api.post("/{day_id}/slots", status_code=201, response_model=PitchDayRead, responses=errors(401, 403, 404, 422))
def add_slot_api(data: SlotIn, day: CurrentDay, session: SessionDep, actor: LoggedInDep, lang: LangDep) -> object:
    """Put a case in the pitch stage on the agenda; its start-up is invited by e-mail (the unit)."""
    pitchdays.add_slot(session=session, actor=actor, day=day, lang=lang, **data.model_dump())
    return read(session, actor, day)


@api.patch("/{day_id}/slots/{slot_id}", response_model=PitchDayRead, responses=errors(401, 403, 404, 422))
def attendance_api(data: AttendanceIn, day: CurrentDay, slot_id: Id, session: SessionDep, actor: LoggedInDep) -> object:
    """Record attendance: invited, confirmed, attended, no_show (the unit)."""
    pitchdays.set_attendance(session=session, actor=actor, day=day, slot_id=slot_id, attendance=data.attendance)
    return read(session, actor, day)


@api.delete("/{day_id}/slots/{slot_id}", status_code=204, responses=errors(401, 403, 404, 422))
def remove_api(day: CurrentDay, slot_id: Id, session: SessionDep, actor: LoggedInDep) -> Response:
    pitchdays.remove_slot(session=session, actor=actor, day=day, slot_id=slot_id)
    return Response(status_code=204)
