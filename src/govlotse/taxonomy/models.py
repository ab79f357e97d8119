"""Taxonomy tags: capabilities, sectors and technologies shared by every kind of record."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from govlotse.core.models import Base, Timestamped


class Tag(Timestamped, Base):
    __tablename__ = "tags"

    slug: Mapped[str] = mapped_column(String(60), unique=True, index=True)
    kind: Mapped[str] = mapped_column(String(20))  # capability | sector | technology
    label_de: Mapped[str] = mapped_column(String(120))
    label_en: Mapped[str] = mapped_column(String(120))

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_de
