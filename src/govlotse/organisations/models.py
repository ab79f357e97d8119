"""Organisations: agencies (Bedarfsträger), start-ups and research institutes."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govlotse.core.models import Base, Provenance, Timestamped
from govlotse.taxonomy.models import Tag


class OrganisationKind(StrEnum):
    agency = "agency"
    startup = "startup"
    research = "research"


class AgencyType(StrEnum):
    behoerde = "behoerde"
    bezirksamt = "bezirksamt"
    landesbetrieb = "landesbetrieb"


class CompanySize(StrEnum):
    s1_10 = "1-10"
    s11_50 = "11-50"
    s51_200 = "51-200"
    s201_500 = "201-500"
    s500_plus = "500+"


class OrganisationStatus(StrEnum):
    active = "active"
    pending = "pending"  # registered, waiting for approval by the unit
    rejected = "rejected"  # the unit declined the registration (the reason is in status_note)


organisation_tags = Table(
    "organisation_tags",
    Base.metadata,
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)


class Organisation(Timestamped, Provenance, Base):
    __tablename__ = "organisations"

    kind: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    agency_type: Mapped[str | None] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str | None] = mapped_column(String(300))
    location: Mapped[str | None] = mapped_column(String(120))
    founded_year: Mapped[int | None] = mapped_column(Integer)
    size: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=OrganisationStatus.active, index=True)
    status_note: Mapped[str | None] = mapped_column(Text)

    tags: Mapped[list[Tag]] = relationship(secondary=organisation_tags, lazy="raise", order_by=Tag.slug)
