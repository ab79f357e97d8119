"""Knowledge base: public-sector AI use cases from own pilots and public registers."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govlotse.core.models import Base, Provenance, Timestamped
from govlotse.taxonomy.models import Tag

usecase_tags = Table(
    "usecase_tags",
    Base.metadata,
    Column("usecase_id", ForeignKey("usecases.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)


class UseCase(Timestamped, Provenance, Base):
    __tablename__ = "usecases"

    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text)
    organisation_name: Mapped[str] = mapped_column(String(300), default="")
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    sector: Mapped[str] = mapped_column(String(200), default="")
    technology: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(100), default="")
    language: Mapped[str] = mapped_column(String(2), default="en")
    source_url: Mapped[str | None] = mapped_column(String(500))

    tags: Mapped[list[Tag]] = relationship(secondary=usecase_tags, lazy="raise", order_by=Tag.slug)
