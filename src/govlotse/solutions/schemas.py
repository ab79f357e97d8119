"""Schemas of solutions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from govlotse.challenges.schemas import OrganisationBrief
from govlotse.core.pagination import PageParams
from govlotse.core.schemas import (
    CodeList,
    Id,
    LongText,
    ProvenanceIn,
    RecordRead,
    RequiredText,
    TagList,
    TagSlugs,
    Title,
    VersionIn,
)
from govlotse.core.validation import error
from govlotse.solutions.models import LANGUAGE_NAMES, Certification, HostingOption, Maturity

# ISO 639-1 codes a solution may name: EU languages and the languages most spoken by people who
# arrived in Germany recently (Federal Office for Migration and Refugees statistics). Labels live
# in web/labels.py under "language".
LANGUAGE_CODES = frozenset(LANGUAGE_NAMES)


def _codes(allowed: frozenset[str]) -> Callable[[list[str]], list[str]]:
    """A validator accepting only codes from ``allowed`` (case-insensitive, duplicates dropped)."""

    def check(values: list[str]) -> list[str]:
        cleaned = list(dict.fromkeys(v.strip().lower() for v in values if v.strip()))
        unknown = [v for v in cleaned if v not in allowed]
        if unknown:
            raise error("unknown_code", values=", ".join(unknown), allowed=", ".join(sorted(allowed)))
        return cleaned

    return check


HostingList = Annotated[CodeList, AfterValidator(_codes(frozenset(HostingOption)))]
CertificationList = Annotated[CodeList, AfterValidator(_codes(frozenset(Certification)))]
LanguageList = Annotated[CodeList, AfterValidator(_codes(LANGUAGE_CODES))]


class SolutionCreate(ProvenanceIn):
    organisation_id: Id
    title: Title
    description: Annotated[RequiredText, StringConstraints(min_length=20)]
    maturity: Maturity
    hosting_options: HostingList = Field(default_factory=list)
    certifications: CertificationList = Field(default_factory=list)
    languages: LanguageList = Field(default_factory=list)
    references: LongText = ""
    tags: TagList = Field(default_factory=list)


class SolutionUpdate(VersionIn):
    title: Title | None = None
    description: Annotated[RequiredText, StringConstraints(min_length=20)] | None = None
    maturity: Maturity | None = None
    hosting_options: HostingList | None = None
    certifications: CertificationList | None = None
    languages: LanguageList | None = None
    references: LongText | None = None
    tags: TagList | None = None


class SolutionRead(RecordRead):
    organisation_id: int
    organisation: OrganisationBrief
    title: str
    description: str
    maturity: str
    hosting_options: list[str]
    certifications: list[str]
    languages: list[str]
    references: str
    tags: TagSlugs


class SolutionFilter(PageParams):
    """What a list can be narrowed and ordered by (API query and list page)."""

    q: str | None = Field(default=None, max_length=200, description="Text in title, description or company name")
    organisation_id: Id | None = None
    maturity: Maturity | None = None
    hosting: HostingOption | None = None
    certification: Certification | None = None
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}$")
    tag: str | None = Field(default=None, max_length=60)
    sort: str | None = Field(default=None, max_length=30, description="title, created_at, updated_at; - for descending")
