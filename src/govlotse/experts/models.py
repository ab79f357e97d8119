"""Experts of research institutes and the AI-centre network, and their assignments as advisors."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Column, ForeignKey, String, Table, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govlotse.accounts.models import User
from govlotse.challenges.models import Challenge
from govlotse.core.models import Base, StringList, Timestamped, UTCDateTime
from govlotse.pipeline.models import Case
from govlotse.taxonomy.models import Tag


class Availability(StrEnum):
    available = "available"
    limited = "limited"
    unavailable = "unavailable"


expert_tags = Table(
    "expert_tags",
    Base.metadata,
    Column("profile_id", ForeignKey("expert_profiles.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)


class ExpertProfile(Timestamped, Base):
    """What an expert offers: areas of expertise, languages, availability. One per person with role expert."""

    __tablename__ = "expert_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True, index=True)
    headline: Mapped[str] = mapped_column(String(200))
    expertise: Mapped[str] = mapped_column(Text, default="")
    languages: Mapped[list[str]] = mapped_column(StringList, default=list)
    availability: Mapped[str] = mapped_column(String(20), default=Availability.available)
    availability_note: Mapped[str | None] = mapped_column(String(300))
    # Listed in the directory and found by search; an expert may withdraw without losing assignments.
    listed: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    user: Mapped[User] = relationship(lazy="raise")
    tags: Mapped[list[Tag]] = relationship(secondary=expert_tags, lazy="raise", order_by=Tag.slug)


class Assignment(Base):
    """An expert advises on a need (all its cases) or on one case; the unit assigns and ends it."""

    __tablename__ = "expert_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("expert_profiles.id", ondelete="CASCADE"), index=True)
    challenge_id: Mapped[int | None] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column()
    created_by_label: Mapped[str] = mapped_column(String(200))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    profile: Mapped[ExpertProfile] = relationship(lazy="raise")
    challenge: Mapped[Challenge | None] = relationship(lazy="raise")
    case: Mapped[Case | None] = relationship(lazy="raise")
