"""Solutions: what a start-up (or research institute) offers."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govlotse.core.models import Base, Provenance, StringList, Timestamped
from govlotse.organisations.models import Organisation
from govlotse.taxonomy.models import Tag


class Maturity(StrEnum):
    prototype = "prototype"
    pilot_ready = "pilot_ready"
    market = "market"
    scaled = "scaled"


class HostingOption(StrEnum):
    saas_germany = "saas_germany"
    saas_eu = "saas_eu"
    saas_non_eu = "saas_non_eu"
    private_cloud = "private_cloud"
    on_premise = "on_premise"


class Certification(StrEnum):
    bsi_c5 = "bsi_c5"
    iso_27001 = "iso_27001"
    bsi_grundschutz = "bsi_grundschutz"
    soc2 = "soc2"
    tisax = "tisax"
    iso_9001 = "iso_9001"
    bitv_tested = "bitv_tested"


# ISO 639-1 code → German name. The codes are what the database stores.
LANGUAGE_NAMES: dict[str, str] = {
    "de": "Deutsch",
    "en": "Englisch",
    "fr": "Französisch",
    "es": "Spanisch",
    "it": "Italienisch",
    "nl": "Niederländisch",
    "pl": "Polnisch",
    "cs": "Tschechisch",
    "da": "Dänisch",
    "sv": "Schwedisch",
    "fi": "Finnisch",
    "no": "Norwegisch",
    "et": "Estnisch",
    "lv": "Lettisch",
    "lt": "Litauisch",
    "hu": "Ungarisch",
    "ro": "Rumänisch",
    "bg": "Bulgarisch",
    "el": "Griechisch",
    "pt": "Portugiesisch",
    "sk": "Slowakisch",
    "sl": "Slowenisch",
    "hr": "Kroatisch",
    "ga": "Irisch",
    "mt": "Maltesisch",
    "tr": "Türkisch",
    "ar": "Arabisch",
    "fa": "Persisch (Farsi/Dari)",
    "ps": "Paschtu",
    "ku": "Kurdisch",
    "ti": "Tigrinya",
    "so": "Somali",
    "am": "Amharisch",
    "ru": "Russisch",
    "uk": "Ukrainisch",
    "sq": "Albanisch",
    "sr": "Serbisch",
    "bs": "Bosnisch",
    "mk": "Mazedonisch",
    "ka": "Georgisch",
    "hy": "Armenisch",
    "ur": "Urdu",
    "hi": "Hindi",
    "bn": "Bengalisch",
    "ta": "Tamil",
    "zh": "Chinesisch",
    "ja": "Japanisch",
    "ko": "Koreanisch",
    "vi": "Vietnamesisch",
    "th": "Thailändisch",
    "sw": "Swahili",
    "ha": "Hausa",
    "yo": "Yoruba",
    "he": "Hebräisch",
}

solution_tags = Table(
    "solution_tags",
    Base.metadata,
    Column("solution_id", ForeignKey("solutions.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)


class Solution(Timestamped, Provenance, Base):
    __tablename__ = "solutions"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    maturity: Mapped[str] = mapped_column(String(20), index=True)
    hosting_options: Mapped[list[str]] = mapped_column(StringList, default=list)
    certifications: Mapped[list[str]] = mapped_column(StringList, default=list)
    languages: Mapped[list[str]] = mapped_column(StringList, default=list)
    references: Mapped[str] = mapped_column(Text, default="")

    organisation: Mapped[Organisation] = relationship(lazy="raise")
    tags: Mapped[list[Tag]] = relationship(secondary=solution_tags, lazy="raise", order_by=Tag.slug)
