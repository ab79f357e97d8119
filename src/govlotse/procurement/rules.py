"""The procurement rule set: versioned data, validated before use.

A rule set is a YAML (or JSON) document with a version and a list of rules; every rule names its
source, legal basis, validity, status and confidence. A file that breaks the schema is refused with
the id of the entry and the reason — at start-up, on load by an admin, and in tests.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from govlotse.errors import AppError

ContractKind = Literal["supplies", "services", "works", "social_services"]
Authority = Literal["central", "sub-central", "utility", "defence"]
Status = Literal["in_force", "adopted", "proposed", "expired_or_expiring"]
Confidence = Literal["verified", "unverified"]
ProcedureId = Literal[
    "open_procedure",
    "restricted_procedure",
    "negotiated_with_competition",
    "negotiated_without_competition",
    "competitive_dialogue",
    "innovation_partnership",
    "public_tender",
    "restricted_tender_with_competition",
    "restricted_tender_without_competition",
    "negotiated_award",
    "direct_award",
    "hh_experimentation_clause",
]
Text = Annotated[str, StringConstraints(min_length=1)]


class RuleBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Text
    source: Text
    legal_basis: Text
    status: Status
    confidence: Confidence
    valid_from: date | None = None
    valid_to: date | None = None
    note: str = ""

    @model_validator(mode="after")
    def _period(self) -> RuleBase:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        return self

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


class Threshold(RuleBase):
    kind: Literal["threshold"]
    key: Text
    amount: Annotated[int, Field(gt=0)]
    contract_kinds: list[ContractKind]
    authorities: list[Authority]
    text: str = ""


class Procedure(RuleBase):
    kind: Literal["procedure"]
    procedure: ProcedureId
    regime: Literal["eu", "national"]
    name_de: Text
    name_en: Text
    availability: Literal["always", "innovative", "exception", "value_limit"]
    condition: str = ""
    deadlines: dict[str, int | str] = Field(default_factory=dict)
    deadline_note: str = ""


class ValueLimit(RuleBase):
    kind: Literal["value_limit"]
    land: Literal["hamburg"] | None
    procedure: ProcedureId
    contract_kinds: list[ContractKind]
    authorities: list[Authority] | None = None
    max_value: Annotated[int, Field(gt=0)]
    inclusive: bool = True
    text: str = ""


class SpecialRoute(RuleBase):
    kind: Literal["special_route"]
    procedure: ProcedureId
    land: Literal["hamburg"] | None
    name_de: Text
    name_en: Text
    text: Text
    max_value: Annotated[int, Field(gt=0)]
    max_term_months: Annotated[int, Field(gt=0)]
    requires: list[Literal["govtech_unit", "innovative"]]


class Note(RuleBase):
    kind: Literal["note"]
    land: Literal["hamburg"] | None = None
    text: Text
    amount: int | None = None
    name_de: str = ""


class EvbIt(RuleBase):
    kind: Literal["evb_it"]
    service: Text
    contract: Text
    text: Text
    pilot_scenario: str = ""
    plus: str = ""


class AiActDate(RuleBase):
    kind: Literal["ai_act_date"]
    date: date
    text: Text


class AiActProhibited(RuleBase):
    kind: Literal["ai_act_prohibited"]
    ref: Text
    text: Text


class AiActAnnexIII(RuleBase):
    kind: Literal["ai_act_annex_iii"]
    point: Annotated[int, Field(ge=1, le=8)]
    area: Text
    items: list[str]
    text: Text
    area_de: str = ""
    hints_de: str = ""


class AiActDuty(RuleBase):
    kind: Literal["ai_act_duty"]
    ref: Text
    text: Text
    applies_from: date
    applies_note: str = ""
    risk_classes: list[Literal["all", "high_risk", "transparency_limited_risk"]]


class GdprCheck(RuleBase):
    kind: Literal["gdpr_check"]
    check: Text
    text: Text


Rule = Annotated[
    Threshold
    | Procedure
    | ValueLimit
    | SpecialRoute
    | Note
    | EvbIt
    | AiActDate
    | AiActProhibited
    | AiActAnnexIII
    | AiActDuty
    | GdprCheck,
    Field(discriminator="kind"),
]


class RuleSet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Annotated[str, StringConstraints(min_length=1, max_length=50, pattern=r"^[\w.\-]+$")]
    schema_version: Literal[1]
    title: Text
    as_of: date
    origin: str = ""
    disclaimer: Text
    rules: list[Rule]

    @model_validator(mode="after")
    def _unique_ids(self) -> RuleSet:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} occurs twice")
            seen.add(rule.id)
        return self

    def of(self, kind: type[Any]) -> list[Any]:
        return [r for r in self.rules if isinstance(r, kind)]

    def get(self, rule_id: str) -> Any:
        return next(r for r in self.rules if r.id == rule_id)


class RuleSetInvalid(AppError):
    """A rule file that does not follow the schema; the message names the entry."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, status_code=422, code="ruleset_invalid")


def parse(text: str, *, name: str = "rule set") -> RuleSet:
    """Parse and validate a rule set (YAML or JSON); raise :class:`RuleSetInvalid` naming the entry."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RuleSetInvalid(f"{name}: not valid YAML/JSON: {exc}") from None
    if not isinstance(data, dict):
        raise RuleSetInvalid(f"{name}: expected a mapping with version, rules, …")
    try:
        return RuleSet.model_validate(data)
    except ValidationError as exc:
        raise RuleSetInvalid(f"{name}: " + "; ".join(_describe(data, e) for e in exc.errors()[:10])) from None


def _describe(data: dict[str, Any], error: Any) -> str:
    loc = list(error.get("loc", ()))
    where = ".".join(str(p) for p in loc)
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
        rules = data.get("rules") or []
        entry = rules[loc[1]] if loc[1] < len(rules) and isinstance(rules[loc[1]], dict) else {}
        field = ".".join(str(p) for p in loc[2:] if p != entry.get("kind")) or "entry"
        where = f"rule {entry.get('id', '#' + str(loc[1] + 1))!r} field {field}"
    return f"{where}: {error.get('msg', 'invalid')}"


def shipped_files() -> list[Path]:
    folder = Path(str(resources.files("govlotse").joinpath("procurement/rulesets")))
    return sorted(folder.glob("*.yaml"))


@cache
def shipped() -> RuleSet:
    """The newest rule set that comes with the package (validated once per process)."""
    path = shipped_files()[-1]
    return parse(path.read_text(encoding="utf-8"), name=path.name)


def to_json(rule_set: RuleSet) -> str:
    return json.dumps(rule_set.model_dump(mode="json"), ensure_ascii=False)


def sources(rules: Iterable[RuleBase]) -> list[dict[str, str]]:
    """The distinct sources of the rules used, for the result and the procurement file."""
    out: dict[str, dict[str, str]] = {}
    for r in rules:
        out.setdefault(
            r.id, {"rule": r.id, "legal_basis": r.legal_basis, "source": r.source, "confidence": r.confidence}
        )
    return list(out.values())
