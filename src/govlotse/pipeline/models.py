"""The venture-client pipeline: cases (a need together with a start-up), pitches, pilots, decisions."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Date, Float, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govlotse.challenges.models import Challenge
from govlotse.core.models import Base, JSONType, Timestamped, UTCDateTime, utcnow
from govlotse.organisations.models import Organisation
from govlotse.solutions.models import Solution


class Stage(StrEnum):
    shortlisted = "shortlisted"  # on the shortlist of a market exploration
    pitch = "pitch"  # invited to pitch
    selected = "selected"  # chosen after the pitch
    pilot = "pilot"  # pilot running
    evaluation = "evaluation"  # pilot finished, results being assessed
    adopted = "adopted"  # go: follow-up procurement
    stopped = "stopped"  # no-go after the pilot
    not_selected = "not_selected"  # pitched, not chosen (gets a debrief)
    withdrawn = "withdrawn"  # left the process before a pilot


class Case(Timestamped, Base):
    """One start-up's way through the pipeline for one need."""

    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("challenge_id", "solution_id"),)

    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    solution_id: Mapped[int] = mapped_column(ForeignKey("solutions.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("exploration_runs.id", ondelete="SET NULL"))
    stage: Mapped[str] = mapped_column(String(20), default=Stage.shortlisted, index=True)
    stage_since: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    challenge: Mapped[Challenge] = relationship(lazy="raise")
    solution: Mapped[Solution] = relationship(lazy="raise")
    organisation: Mapped[Organisation] = relationship(lazy="raise")
    transitions: Mapped[list[CaseTransition]] = relationship(
        lazy="raise", order_by="CaseTransition.at", cascade="all, delete-orphan"
    )


class CaseTransition(Base):
    """Who moved a case from which stage to which, when and why."""

    __tablename__ = "case_transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[str | None] = mapped_column(String(20))
    to_stage: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_label: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")


class PitchCriterion(Timestamped, Base):
    """A weighted criterion of a need's pitch (weights of a need add up to 100 %)."""

    __tablename__ = "pitch_criteria"

    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[int] = mapped_column(Integer)  # percent
    position: Mapped[int] = mapped_column(Integer, default=0)


class Score(Timestamped, Base):
    """One evaluator's score (0–10) for one criterion of one case."""

    __tablename__ = "pitch_scores"
    __table_args__ = (UniqueConstraint("case_id", "criterion_id", "evaluator_id"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("pitch_criteria.id", ondelete="CASCADE"))
    evaluator_id: Mapped[int] = mapped_column(Integer, index=True)
    evaluator_label: Mapped[str] = mapped_column(String(200))
    value: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Pilot(Timestamped, Base):
    """The pilot agreement of a case: scope, price, dates, KPIs, milestones, go/no-go date."""

    __tablename__ = "pilots"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    scope: Mapped[str] = mapped_column(Text)
    price: Mapped[int] = mapped_column(Integer)  # euros, net
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    go_no_go: Mapped[date] = mapped_column(Date)
    last_update_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status_note: Mapped[str] = mapped_column(Text, default="")

    kpis: Mapped[list[Kpi]] = relationship(lazy="raise", order_by="Kpi.position", cascade="all, delete-orphan")
    milestones: Mapped[list[Milestone]] = relationship(
        lazy="raise", order_by="Milestone.due", cascade="all, delete-orphan"
    )


class Kpi(Base):
    __tablename__ = "pilot_kpis"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pilot_id: Mapped[int] = mapped_column(ForeignKey("pilots.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(40))
    baseline: Mapped[float] = mapped_column(Float)
    target: Mapped[float] = mapped_column(Float)
    result: Mapped[float | None] = mapped_column(Float)


class Milestone(Base):
    __tablename__ = "pilot_milestones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pilot_id: Mapped[int] = mapped_column(ForeignKey("pilots.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    due: Mapped[date] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)


class Decision(Base):
    """The go/no-go decision on a pilot, with reason; on go, the planned follow-up procurement."""

    __tablename__ = "pilot_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    outcome: Mapped[str] = mapped_column(String(10))  # go | stop
    reason: Mapped[str] = mapped_column(Text)
    lessons: Mapped[str] = mapped_column(Text, default="")
    follow_up: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_label: Mapped[str] = mapped_column(String(200))
    article_id: Mapped[int | None] = mapped_column(Integer)


class Attendance(StrEnum):
    invited = "invited"
    confirmed = "confirmed"
    attended = "attended"
    no_show = "no_show"


pitch_day_challenges = Table(
    "pitch_day_challenges",
    Base.metadata,
    Column("pitch_day_id", ForeignKey("pitch_days.id", ondelete="CASCADE"), primary_key=True),
    Column("challenge_id", ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True),
)


class PitchDay(Timestamped, Base):
    """A pitch day (matchmaking event): several needs, invited start-ups, an agenda of slots."""

    __tablename__ = "pitch_days"

    title: Mapped[str] = mapped_column(String(200))
    day: Mapped[date] = mapped_column(Date, index=True)
    location: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")

    challenges: Mapped[list[Challenge]] = relationship(
        secondary=pitch_day_challenges, lazy="raise", order_by=Challenge.title
    )
    slots: Mapped[list[PitchSlot]] = relationship(
        lazy="raise", order_by="PitchSlot.starts_at", cascade="all, delete-orphan"
    )


class PitchSlot(Base):
    """One start-up's pitch on a pitch day: a case (need + start-up) at a time; its scoring is the case's."""

    __tablename__ = "pitch_slots"
    __table_args__ = (UniqueConstraint("pitch_day_id", "case_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pitch_day_id: Mapped[int] = mapped_column(ForeignKey("pitch_days.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[str] = mapped_column(String(5))  # "HH:MM" on the pitch day
    minutes: Mapped[int] = mapped_column(Integer, default=20)
    attendance: Mapped[str] = mapped_column(String(12), default=Attendance.invited)

    case: Mapped[Case] = relationship(lazy="raise")
