"""Pitch days: the unit invites start-ups of several needs to one event with an agenda of slots.

A slot is a case (need + start-up) in the pitch stage at a time; its scoring is the case's pitch scoring
(criteria and blind scores of the need), shown next to the slot. Attendance is recorded per slot. Who sees
a pitch day: the unit all of it; everyone else only the slots of cases they may see (an agency its own
needs', a start-up its own pitch, an assigned expert the needs they advise on).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.base import ExecutableOption

from govlotse.accounts.models import Membership, User
from govlotse.challenges.models import Challenge, ChallengeStatus
from govlotse.core import audit, crud, mail
from govlotse.core.actor import Actor
from govlotse.errors import Forbidden, Invalid, NotFound
from govlotse.i18n import N_, translate
from govlotse.pipeline import service as pipeline
from govlotse.pipeline.models import Attendance, Case, PitchDay, PitchSlot, Stage

ONLY_UNIT = N_("Pitch-Tage plant die Lotsenstelle.")
TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
INVITATION_SUBJECT = N_("GovLotse: Einladung zum Pitch am {day}")
INVITATION_BODY = N_(
    "Guten Tag {name},\n\n{organisation} ist zum „{title}“ eingeladen: am {day} um {time} Uhr ({minutes} Minuten), "
    "{location}.\n\nSie stellen {solution} für den Bedarf „{need}“ vor. Bitte bestätigen Sie die Teilnahme bei der "
    "Lotsenstelle.\n\n{link}"
)


def _options() -> list[ExecutableOption]:
    return [
        selectinload(PitchDay.challenges),
        selectinload(PitchDay.slots).selectinload(PitchSlot.case).selectinload(Case.challenge),
        selectinload(PitchDay.slots).selectinload(PitchSlot.case).selectinload(Case.solution),
        selectinload(PitchDay.slots).selectinload(PitchSlot.case).selectinload(Case.organisation),
    ]


def visible_slots(actor: Actor, day: PitchDay) -> list[PitchSlot]:
    if actor.sees_everything:
        return list(day.slots)
    return [s for s in day.slots if pipeline.may_view(actor, s.case)]


def _may_see(actor: Actor, day: PitchDay) -> bool:
    return actor.sees_everything or bool(visible_slots(actor, day))


def get_day(*, session: Session, actor: Actor, day_id: int) -> PitchDay:
    day = session.scalar(select(PitchDay).where(PitchDay.id == day_id).options(*_options()))
    if day is None or not _may_see(actor, day):
        raise NotFound("pitch day", day_id)
    return day


def list_days(*, session: Session, actor: Actor) -> list[PitchDay]:
    days = session.scalars(select(PitchDay).options(*_options()).order_by(PitchDay.day.desc()))
    return [d for d in days if _may_see(actor, d)]


def _needs(session: Session, ids: list[int]) -> list[Challenge]:
    needs = list(session.scalars(select(Challenge).where(Challenge.id.in_(ids or [-1]))))
    if len(needs) != len(set(ids)) or any(n.status != ChallengeStatus.accepted for n in needs):
        raise Invalid.on("challenge_ids", N_("Auf einen Pitch-Tag kommen nur angenommene Bedarfe."))
    if not needs:
        raise Invalid.on("challenge_ids", N_("Bitte wählen Sie mindestens einen Bedarf."))
    return needs


def create_day(
    *, session: Session, actor: Actor, title: str, day: date, location: str, description: str, challenge_ids: list[int]
) -> PitchDay:
    if not actor.sees_everything:
        raise Forbidden(ONLY_UNIT)
    event = PitchDay(
        title=title, day=day, location=location, description=description, challenges=_needs(session, challenge_ids)
    )
    crud.created(
        session,
        actor=actor,
        obj=event,
        entity_type="pitch_day",
        data={"title": title, "day": day.isoformat(), "challenge_ids": sorted(challenge_ids)},
    )
    return event


def open_cases(*, session: Session, day: PitchDay) -> list[Case]:
    """Cases in the pitch stage of the day's needs that have no slot yet."""
    slotted = {s.case_id for s in day.slots}
    return [
        c
        for c in session.scalars(
            select(Case)
            .where(Case.challenge_id.in_([n.id for n in day.challenges] or [-1]), Case.stage == Stage.pitch)
            .options(selectinload(Case.solution), selectinload(Case.organisation), selectinload(Case.challenge))
            .order_by(Case.challenge_id, Case.id)
        )
        if c.id not in slotted
    ]


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def add_slot(
    *, session: Session, actor: Actor, day: PitchDay, case_id: int, starts_at: str, minutes: int, lang: str = "de"
) -> PitchSlot:
    """Put a start-up's pitch on the agenda and mail its people the invitation."""
    if not actor.sees_everything:
        raise Forbidden(ONLY_UNIT)
    case = next((c for c in open_cases(session=session, day=day) if c.id == case_id), None)
    if case is None:
        raise Invalid.on(
            "case_id", N_("Nur Fälle im Pitch zu den Bedarfen dieses Pitch-Tags, jeder einmal, kommen auf die Agenda.")
        )
    if not TIME.match(starts_at or ""):
        raise Invalid.on("starts_at", N_("Bitte eine Uhrzeit wie 09:30 angeben."))
    if not 5 <= minutes <= 120:
        raise Invalid.on("minutes", N_("Ein Pitch dauert 5 bis 120 Minuten."))
    start, end = _minutes(starts_at), _minutes(starts_at) + minutes
    for other in day.slots:
        o_start = _minutes(other.starts_at)
        if start < o_start + other.minutes and o_start < end:
            raise Invalid.on(
                "starts_at",
                N_("Überschneidet sich mit dem Pitch um {time} ({startup})."),
                time=other.starts_at,
                startup=other.case.organisation.name,
            )
    slot = PitchSlot(pitch_day_id=day.id, case_id=case.id, starts_at=starts_at, minutes=minutes)
    session.add(slot)
    session.flush()
    session.expire(day, ["slots"])
    audit.record(
        session,
        actor=actor,
        action="pitch_day.slot",
        entity_type="case",
        entity_id=case.id,
        data={"pitch_day_id": day.id, "starts_at": starts_at, "minutes": minutes},
    )
    _invite(session, day=day, slot=slot, case=case)
    return slot


def _invite(session: Session, *, day: PitchDay, slot: PitchSlot, case: Case) -> None:
    people = session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == case.organisation_id, User.is_active.is_(True))
    )
    for person in people:
        lang = person.language
        when = day.day.strftime("%d.%m.%Y") if lang == "de" else day.day.isoformat()
        params = {
            "name": person.name,
            "organisation": case.organisation.name,
            "title": day.title,
            "day": when,
            "time": slot.starts_at,
            "minutes": slot.minutes,
            "location": day.location or "–",
            "solution": case.solution.title,
            "need": case.challenge.title,
            "link": mail.link(f"/faelle/{case.id}"),
        }
        mail.send(
            session,
            mail.Mail(
                to=person.email,
                subject=translate(INVITATION_SUBJECT, lang, **params),
                body=translate(INVITATION_BODY, lang, **params),
            ),
        )


def _slot(day: PitchDay, slot_id: int) -> PitchSlot:
    slot = next((s for s in day.slots if s.id == slot_id), None)
    if slot is None:
        raise NotFound("pitch slot", slot_id)
    return slot


def set_attendance(*, session: Session, actor: Actor, day: PitchDay, slot_id: int, attendance: Attendance) -> PitchSlot:
    if not actor.sees_everything:
        raise Forbidden(ONLY_UNIT)
    slot = _slot(day, slot_id)
    if slot.attendance != attendance:
        audit.record(
            session,
            actor=actor,
            action="pitch_day.attendance",
            entity_type="case",
            entity_id=slot.case_id,
            data={"pitch_day_id": day.id, "attendance": [slot.attendance, str(attendance)]},
        )
        slot.attendance = attendance
        session.flush()
    return slot


def remove_slot(*, session: Session, actor: Actor, day: PitchDay, slot_id: int) -> None:
    if not actor.sees_everything:
        raise Forbidden(ONLY_UNIT)
    slot = _slot(day, slot_id)
    audit.record(
        session,
        actor=actor,
        action="pitch_day.unslot",
        entity_type="case",
        entity_id=slot.case_id,
        data={"pitch_day_id": day.id},
    )
    session.delete(slot)
    session.flush()
    session.expire(day, ["slots"])


@dataclass(frozen=True)
class SlotView:
    slot: PitchSlot
    score: pipeline.CaseScore | None


def agenda(*, session: Session, actor: Actor, day: PitchDay) -> list[SlotView]:
    """The visible slots in time order, each with its case's pitch scoring as far as the reader may see it."""
    slots = sorted(visible_slots(actor, day), key=lambda s: s.starts_at)
    scores: dict[int, pipeline.CaseScore] = {}
    for need in {s.case.challenge_id: s.case.challenge for s in slots}.values():
        _crits, rows = pipeline.matrix(session=session, actor=actor, challenge=need)
        scores.update({row.case.id: row for row in rows})
    return [SlotView(s, scores.get(s.case_id)) for s in slots]


def slots_of_case(*, session: Session, case_id: int) -> list[tuple[PitchSlot, PitchDay]]:
    """A case's pitch appointments, with their pitch days."""
    rows = session.execute(
        select(PitchSlot, PitchDay)
        .join(PitchDay, PitchDay.id == PitchSlot.pitch_day_id)
        .where(PitchSlot.case_id == case_id)
    ).all()
    return [(slot, day) for slot, day in rows]
