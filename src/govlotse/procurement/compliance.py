"""EU AI Act pre-classification, GDPR checklist and EVB-IT contract type — on the same rule set."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from govlotse.i18n import N_
from govlotse.matching import text as textmod
from govlotse.procurement.advisor import Message
from govlotse.procurement.rules import (
    AiActAnnexIII,
    AiActDate,
    AiActDuty,
    AiActProhibited,
    EvbIt,
    GdprCheck,
    RuleBase,
    RuleSet,
    sources,
)

RiskClass = Literal["prohibited", "high_risk", "transparency_limited_risk", "minimal_risk"]
RISK_LABELS = {
    "prohibited": N_("Verbotene Praxis (Art. 5 KI-VO)"),
    "high_risk": N_("Hochrisiko-KI-System (Art. 6 Abs. 2, Anhang III KI-VO)"),
    "transparency_limited_risk": N_("Begrenztes Risiko mit Transparenzpflichten (Art. 50 KI-VO)"),
    "minimal_risk": N_("Minimales Risiko (keine besonderen Pflichten außer KI-Kompetenz, Art. 4 KI-VO)"),
}


class AiActAnswers(BaseModel):
    """The questionnaire: the person answers, the system suggests."""

    prohibited: list[str] = Field(default_factory=list, description="Refs of prohibited practices that apply")
    annex_iii_point: int | None = Field(default=None, ge=1, le=8, description="Annex III area of the use")
    profiling: bool = Field(default=False, description="The system profiles natural persons")
    narrow_task: bool = Field(default=False, description="Only a narrow procedural or preparatory task (Art. 6(3))")
    interacts_with_people: bool = False
    generates_content: bool = False
    use_date: date = Field(description="When the system is (to be) used")


class DutyOut(BaseModel):
    ref: str
    text: str
    applies_from: date
    applies_note: str
    applicable: bool
    confidence: str
    source: str


class Suggestion(BaseModel):
    point: int | None
    ref: str | None
    area: str
    item: str
    similarity: float


class AiActResult(BaseModel):
    rules_version: str
    answers: AiActAnswers
    risk_class: RiskClass
    risk_label: str
    reasons: list[Message]
    duties: list[DutyOut]
    dates: list[dict[str, str]]
    warnings: list[Message]
    sources: list[dict[str, str]]
    disclaimer: str


def classify(rule_set: RuleSet, a: AiActAnswers) -> AiActResult:
    """Risk class and the duties of a public authority deploying the system, with their dates."""
    used: list[RuleBase] = []
    reasons: list[Message] = []
    warnings: list[Message] = []
    prohibited = [p for p in rule_set.of(AiActProhibited) if p.ref in a.prohibited]
    area = next((x for x in rule_set.of(AiActAnnexIII) if x.point == a.annex_iii_point), None)
    risk: RiskClass
    if prohibited:
        risk = "prohibited"
        used += prohibited
        reasons.append(
            Message(
                code="prohibited",
                template=N_("Angegebene verbotene Praxis: {refs}. Der Einsatz ist unzulässig."),
                params={"refs": ", ".join(p.ref for p in prohibited)},
            )
        )
    elif area is not None and not (a.narrow_task and not a.profiling):
        risk = "high_risk"
        used.append(area)
        reasons.append(
            Message(
                code="annex_iii",
                rule=area.id,
                template=N_("Einsatzbereich nach Anhang III Nr. {point}: {area}."),
                params={"point": area.point, "area": area.area},
            )
        )
    elif a.interacts_with_people or a.generates_content:
        risk = "transparency_limited_risk"
        reasons.append(
            Message(
                code="transparency",
                template=N_(
                    "Das System interagiert mit Menschen oder erzeugt Inhalte: Transparenzpflichten nach Art. 50 KI-VO."
                ),
            )
        )
    else:
        risk = "minimal_risk"
        reasons.append(
            Message(
                code="minimal",
                template=N_(
                    "Weder verbotene Praxis noch Anhang-III-Bereich noch Interaktion/Inhaltserzeugung angegeben."
                ),
            )
        )
    if area is not None and risk != "high_risk" and not prohibited:
        used.append(area)
        reasons.append(
            Message(
                code="derogation",
                rule=area.id,
                template=N_(
                    "Anhang III Nr. {point}, aber nur eng begrenzte oder vorbereitende Aufgabe ohne Profiling: "
                    "Ausnahme nach Art. 6 Abs. 3 KI-VO möglich – der Anbieter muss die Bewertung dokumentieren "
                    "(Art. 6 Abs. 4) und registrieren (Art. 49 Abs. 2)."
                ),
                params={"point": area.point},
            )
        )
    classes = {"all"}
    if risk == "high_risk":
        classes.add("high_risk")
    if (
        risk == "high_risk" and (a.interacts_with_people or a.generates_content)
    ) or risk == "transparency_limited_risk":
        classes.add("transparency_limited_risk")
    duties: list[DutyOut] = []
    for d in rule_set.of(AiActDuty):
        if not classes.intersection(d.risk_classes):
            continue
        if area is not None and area.point == 2 and d.ref.startswith("Art. 27"):
            continue  # no fundamental-rights impact assessment for critical infrastructure (Art. 27(1))
        used.append(d)
        duties.append(
            DutyOut(
                ref=d.ref,
                text=d.text,
                applies_from=d.applies_from,
                applies_note=d.applies_note,
                applicable=d.applies_from <= a.use_date,
                confidence=d.confidence,
                source=d.source,
            )
        )
        if d.confidence == "unverified":
            warnings.append(
                Message(
                    code="unverified",
                    rule=d.id,
                    template=N_("Pflicht „{ref}“: Quelle nicht verifiziert – am Verordnungstext prüfen."),
                    params={"ref": d.ref},
                )
            )
    dates = []
    for item in sorted(rule_set.of(AiActDate), key=lambda x: x.date):
        used.append(item)
        dates.append(
            {
                "date": item.date.isoformat(),
                "event": item.text,
                "status": item.status,
                "confidence": item.confidence,
            }
        )
    if risk == "high_risk":
        warnings.append(
            Message(
                code="omnibus",
                template=N_(
                    "Die Hochrisiko-Pflichten gelten nach dem 2026 beschlossenen Digital-Omnibus ab dem 2.12.2027 "
                    "(ursprünglich 2.8.2026); die Fundstelle im Amtsblatt ist zu prüfen."
                ),
            )
        )
    return AiActResult(
        rules_version=rule_set.version,
        answers=a,
        risk_class=risk,
        risk_label=RISK_LABELS[risk],
        reasons=reasons,
        duties=duties,
        dates=dates,
        warnings=warnings,
        sources=sources(used),
        disclaimer=rule_set.disclaimer,
    )


@cache
def _reference_vectors(rule_set_version: str, texts: tuple[str, ...]) -> np.ndarray:
    from govlotse.matching.embedder import get_embedder

    return get_embedder().embed_passages(list(texts))


def suggest(rule_set: RuleSet, need_text: str, *, top: int = 3) -> list[Suggestion]:
    """Annex III areas and prohibited practices most similar to the need (a suggestion; the person decides)."""
    from govlotse.matching.embedder import get_embedder

    candidates: list[tuple[int | None, str | None, str, str]] = []
    for area in rule_set.of(AiActAnnexIII):
        candidates += [(area.point, None, area.area, item) for item in area.items]
        if area.area_de:
            candidates.append((area.point, None, area.area, f"{area.area_de}: {area.hints_de}"))
    for p in rule_set.of(AiActProhibited):
        candidates.append((None, p.ref, N_("Verbotene Praxis"), p.text))
    texts = tuple(f"{area}: {item}" for _p, _r, area, item in candidates)
    vectors = _reference_vectors(rule_set.version, texts)
    query = get_embedder().embed_queries([need_text[:2000]])[0]
    # Meaning, plus the words an area's German description shares with the need (compounds split).
    need_terms = set(textmod.analyze(need_text, "de"))
    overlap = np.array([len(need_terms & set(textmod.analyze(item, "de"))) for *_x, item in candidates], dtype=float)
    sims = vectors @ query + 0.02 * np.minimum(overlap, 3)
    best: dict[object, int] = {}
    for i in np.argsort(-sims):
        if overlap[i] < 2:
            continue  # similarity alone (or one shared word) is too weak a hint for a legal category
        best.setdefault(candidates[i][0] or candidates[i][1], int(i))  # one suggestion per area
        if len(best) == top:
            break
    return [
        Suggestion(
            point=candidates[i][0],
            ref=candidates[i][1],
            area=candidates[i][2],
            item=candidates[i][3],
            similarity=round(float(sims[i]), 3),
        )
        for i in best.values()
    ]


class GdprItem(BaseModel):
    check: str
    text: str
    level: Literal["required", "likely", "check"]
    reason: str
    legal_basis: str
    confidence: str


def gdpr_checklist(
    rule_set: RuleSet,
    *,
    personal_data: bool,
    special_categories: bool = False,
    high_risk_ai: bool = False,
    hosting: list[str] | None = None,
    automated_decisions: bool = False,
) -> list[GdprItem]:
    """The GDPR checks a pilot with personal data needs, each with why it applies."""
    if not personal_data:
        return []
    hosting = hosting or []
    non_eu = "saas_non_eu" in hosting
    cloud = any(h.startswith("saas") for h in hosting)
    levels: dict[str, tuple[str, str]] = {
        "legal_basis": ("required", N_("Jede Verarbeitung braucht eine Rechtsgrundlage.")),
        "processor_agreement": ("required", N_("Das Start-up verarbeitet Daten im Auftrag der Behörde.")),
        "joint_controllership": ("check", N_("Nur wenn Zwecke und Mittel gemeinsam festgelegt werden.")),
        "dpia": (
            "likely" if special_categories or high_risk_ai else "check",
            N_("Besondere Kategorien oder Hochrisiko-KI: DSFA voraussichtlich Pflicht.")
            if special_categories or high_risk_ai
            else N_("Schwellwertprüfung der DSFA durchführen."),
        ),
        "automated_decisions": (
            "required" if automated_decisions else "check",
            N_("Automatisierte Einzelentscheidungen sind angegeben.")
            if automated_decisions
            else N_("Sicherstellen, dass Menschen entscheiden."),
        ),
        "transparency_records_security": (
            "required",
            N_("Informationspflichten, Verzeichnis, Sicherheit, DSB."),
        ),
        "third_country_transfers": (
            "required" if non_eu else "check",
            N_("Angebot mit Betrieb außerhalb der EU.")
            if non_eu
            else N_("Auch Fernwartung und Unterauftragnehmer prüfen."),
        ),
        "eu_us_dpf": ("check", N_("Nur bei Übermittlung in die USA.")),
        "bsi_c5": (
            "required" if cloud else "check",
            N_("Bei Cloud-Diensten C5-Testat verlangen."),
        ),
        "sector_c5_healthcare": ("check", N_("Nur bei Gesundheits- und Sozialdaten.")),
    }
    out = []
    for c in rule_set.of(GdprCheck):
        level, reason = levels.get(c.check, ("check", ""))
        if c.check == "eu_us_dpf" and not non_eu:
            continue
        if c.check == "sector_c5_healthcare" and not special_categories:
            continue
        out.append(
            GdprItem(
                check=c.check,
                text=c.text,
                level=level,  # type: ignore[arg-type]
                reason=reason,
                legal_basis=c.legal_basis,
                confidence=c.confidence,
            )
        )
    return out


class EvbItOut(BaseModel):
    service: str
    contract: str
    text: str
    pilot_scenario: str
    plus: str
    legal_basis: str
    source: str
    confidence: str


def evb_it(rule_set: RuleSet, service: str) -> EvbItOut:
    """The standard IT contract type (EVB-IT) for a kind of IT service, with what it covers."""
    rule = next((r for r in rule_set.of(EvbIt) if r.service == service), None)
    if rule is None:
        known = ", ".join(sorted(r.service for r in rule_set.of(EvbIt)))
        raise ValueError(f"unknown IT service {service!r}; one of: {known}")
    return EvbItOut(
        service=rule.service,
        contract=rule.contract,
        text=rule.text,
        pilot_scenario=rule.pilot_scenario,
        plus=rule.plus,
        legal_basis=rule.legal_basis,
        source=rule.source,
        confidence=rule.confidence,
    )


def evb_it_services(rule_set: RuleSet) -> list[str]:
    return [r.service for r in rule_set.of(EvbIt)]
