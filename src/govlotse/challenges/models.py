"""Challenges (Bedarfe): an agency's description of a problem, not of a solution."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import Boolean, Column, Date, ForeignKey, Integer, String, Table, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govlotse.core.models import Base, Provenance, Timestamped
from govlotse.organisations.models import Organisation
from govlotse.taxonomy.models import Tag


class ChallengeStatus(StrEnum):
    draft = "draft"  # Entwurf: only the agency sees it
    submitted = "submitted"  # eingereicht: waiting for triage by the unit
    accepted = "accepted"  # angenommen: the unit works on it
    declined = "declined"  # abgelehnt, with a reason
    closed = "closed"  # abgeschlossen
    merged = "merged"  # zusammengeführt: a duplicate, continued in another need (merged_into_id)


class Visibility(StrEnum):
    internal = "internal"
    published = "published"


class HostingRequirement(StrEnum):
    none = "none"
    eu = "eu"
    germany = "germany"
    on_premise = "on_premise"


challenge_tags = Table(
    "challenge_tags",
    Base.metadata,
    Column("challenge_id", ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)


class Challenge(Timestamped, Provenance, Base):
    __tablename__ = "challenges"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    problem: Mapped[str] = mapped_column(Text)
    affected_process: Mapped[str] = mapped_column(Text, default="")
    affected_users: Mapped[str] = mapped_column(Text, default="")
    current_situation: Mapped[str] = mapped_column(Text, default="")
    desired_outcome: Mapped[str] = mapped_column(Text, default="")
    personal_data: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    special_categories: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    hosting_requirement: Mapped[str] = mapped_column(String(20), default=HostingRequirement.none)
    integrations: Mapped[str] = mapped_column(Text, default="")
    budget_min: Mapped[int | None] = mapped_column(Integer)
    budget_max: Mapped[int | None] = mapped_column(Integer)
    desired_start: Mapped[date | None] = mapped_column(Date)
    duration_months: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default=ChallengeStatus.submitted, index=True)
    visibility: Mapped[str] = mapped_column(String(20), default=Visibility.internal, index=True)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    merged_into_id: Mapped[int | None] = mapped_column(Integer, index=True)

    organisation: Mapped[Organisation] = relationship(lazy="raise")
    tags: Mapped[list[Tag]] = relationship(secondary=challenge_tags, lazy="raise", order_by=Tag.slug)
