"""The procurement advisor: from value, kind of contract, authority, Land and date to the lawful routes.

Pure functions over a validated :class:`~govlotse.procurement.rules.RuleSet`; the result names every
rule it used with its legal basis and source. Documented decision support, not legal advice.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from govlotse.i18n import N_
from govlotse.procurement.rules import (
    Authority,
    ContractKind,
    Note,
    Procedure,
    RuleBase,
    RuleSet,
    SpecialRoute,
    Threshold,
    ValueLimit,
    sources,
)

NEAR_THRESHOLD = 0.10  # "value within 10 % of a threshold"
EXPIRY_WARNING_DAYS = 90
# § 3 Abs. 2 Satz 2 VgV: a contract must not be split to escape the rules that would apply to it.
SPLITTING_BASIS = "§ 3 Abs. 2 VgV; § 3 UVgO"


class AdviceInput(BaseModel):
    """What the advisor needs to know about the planned contract."""

    value: Annotated[int, Field(ge=0, le=10_000_000_000, description="Estimated net value in euros")]
    kind: ContractKind
    authority: Authority
    land: Literal["hamburg"] | None = None
    start_date: date = Field(description="The day the procedure starts")
    innovative: bool = Field(default=False, description="Subject is innovative (new technology, digitalisation)")
    govtech_unit: bool = Field(default=False, description="The GovTech venture-client unit is involved")
    term_months: Annotated[int, Field(ge=1, le=600)] | None = None


class Message(BaseModel):
    """A sentence for people: German template plus values (translated when shown)."""

    code: str
    template: str
    params: dict[str, Any] = Field(default_factory=dict)
    rule: str | None = None

    @property
    def text(self) -> str:
        from govlotse.i18n import translate

        return translate(self.template, "de", **self.params)


class ProcedureOut(BaseModel):
    id: str
    name_de: str
    name_en: str
    legal_basis: str
    deadlines: dict[str, int | str]
    deadline_note: str
    condition: str
    rule: str


class Condition(BaseModel):
    code: str
    label: str
    met: bool | None
    params: dict[str, Any] = Field(default_factory=dict)


class Route(BaseModel):
    id: str
    name_de: str
    name_en: str
    available: bool
    conditions: list[Condition]
    text: str
    legal_basis: str
    valid_to: date | None
    confidence: str
    rule: str


class Advice(BaseModel):
    rules_version: str
    input: AdviceInput
    regime: Literal["eu", "national"]
    threshold_eur: int
    threshold_rule: str
    permitted: list[str]
    procedures: list[ProcedureOut]
    conditional: list[ProcedureOut]
    recommended: str
    reasons: list[Message]
    special_routes: list[Route]
    warnings: list[Message]
    notes: list[Message]
    sources: list[dict[str, str]]
    disclaimer: str


class NoApplicableRule(ValueError):
    """The rule set has nothing for this date or combination (the advisor cannot answer)."""


def threshold_for(rule_set: RuleSet, kind: str, authority: str, on: date) -> Threshold:
    """The EU threshold for this kind of contract and authority on the given day."""
    for t in rule_set.of(Threshold):
        if kind in t.contract_kinds and authority in t.authorities and t.valid_on(on):
            return t
    raise NoApplicableRule(
        f"rule set {rule_set.version} has no EU threshold for {kind}/{authority} on {on.isoformat()}"
    )


def _limit(rule_set: RuleSet, a: AdviceInput, procedure: str) -> ValueLimit | None:
    """The national value limit of ``procedure`` that applies to this contract, if any."""
    candidates = [
        v
        for v in rule_set.of(ValueLimit)
        if v.procedure == procedure
        and v.land == a.land
        and a.kind in v.contract_kinds
        and v.valid_on(a.start_date)
        and (v.authorities is None or a.authority in v.authorities)
    ]
    # Where several apply (default and federal direct-award limit), the most specific (highest) one counts.
    return max(candidates, key=lambda v: (v.authorities is not None, v.max_value), default=None)


def _within(limit: ValueLimit, value: int) -> bool:
    return value <= limit.max_value if limit.inclusive else value < limit.max_value


def _out(p: Procedure) -> ProcedureOut:
    return ProcedureOut(
        id=p.procedure,
        name_de=p.name_de,
        name_en=p.name_en,
        legal_basis=p.legal_basis,
        deadlines=p.deadlines,
        deadline_note=p.deadline_note,
        condition=p.condition,
        rule=p.id,
    )


def _experimentation_clause(rule_set: RuleSet, a: AdviceInput, used: list[RuleBase]) -> Route | None:
    routes = [r for r in rule_set.of(SpecialRoute) if r.land == a.land]
    if not routes:
        return None
    r = routes[0]
    used.append(r)
    conditions = [
        Condition(
            code="govtech_unit",
            label=N_("Die GovTech-Lotsenstelle ist an Anbahnung oder Verhandlung beteiligt"),
            met=a.govtech_unit,
        ),
        Condition(
            code="innovative",
            label=N_("Neue Technologien oder Modernisierung/Digitalisierung der Verwaltung"),
            met=a.innovative,
        ),
        Condition(
            code="term",
            label=N_("Vertragslaufzeit höchstens {months} Monate"),
            met=None if a.term_months is None else a.term_months <= r.max_term_months,
            params={"months": r.max_term_months},
        ),
        Condition(
            code="value",
            label=N_("Auftragswert unter {value} € (vereinfachtes Beschaffungsverfahren)"),
            met=a.value < r.max_value,
            params={"value": _eur(r.max_value)},
        ),
        Condition(
            code="valid",
            label=N_("Verfahrensbeginn bis {valid_to} (Geltungsdauer der Klausel)"),
            met=r.valid_on(a.start_date),
            params={"valid_to": r.valid_to.isoformat() if r.valid_to else "–"},
        ),
        Condition(code="national", label=N_("Unterhalb des EU-Schwellenwerts"), met=None),
    ]
    return Route(
        id=r.procedure,
        name_de=r.name_de,
        name_en=r.name_en,
        available=False,
        conditions=conditions,
        text=r.text,
        legal_basis=r.legal_basis,
        valid_to=r.valid_to,
        confidence=r.confidence,
        rule=r.id,
    )


def advise(rule_set: RuleSet, a: AdviceInput) -> Advice:
    """Regime, permitted procedures, one recommendation with reasons, special routes, warnings, sources."""
    used: list[RuleBase] = []
    threshold = threshold_for(rule_set, a.kind, a.authority, a.start_date)
    used.append(threshold)
    # § 106 Abs. 1 GWB: the EU rules apply when the estimated value reaches the threshold.
    regime: Literal["eu", "national"] = "eu" if a.value >= threshold.amount else "national"
    reasons = [
        Message(
            code="regime",
            template=N_(
                "Geschätzter Auftragswert {value} € netto erreicht den EU-Schwellenwert {threshold} € ({basis})."
            )
            if regime == "eu"
            else N_(
                "Geschätzter Auftragswert {value} € netto liegt unter dem EU-Schwellenwert {threshold} € ({basis})."
            ),
            params={"value": _eur(a.value), "threshold": _eur(threshold.amount), "basis": "§ 106 GWB"},
            rule=threshold.id,
        )
    ]
    procedures = [p for p in rule_set.of(Procedure) if p.regime == regime and p.valid_on(a.start_date)]
    permitted: list[Procedure] = []
    conditional: list[Procedure] = []
    for p in procedures:
        if p.availability == "always":
            permitted.append(p)
        elif p.availability == "innovative":
            (permitted if a.innovative else conditional).append(p)
        elif p.availability == "value_limit":
            limit = _limit(rule_set, a, p.procedure)
            if limit is not None and _within(limit, a.value):
                permitted.append(p)
                used.append(limit)
        elif p.availability == "exception":
            limit = _limit(rule_set, a, p.procedure) if regime == "national" else None
            if limit is not None and _within(limit, a.value):
                permitted.append(p)  # a Land value limit allows it without individual justification
                used.append(limit)
            else:
                conditional.append(p)
    if regime == "eu" and a.kind == "works":
        # Works above the threshold follow VOB/A EU with the same procedure types.
        reasons.append(Message(code="works", template=N_("Bauleistungen oberhalb des Schwellenwerts: VOB/A EU.")))
    used.extend(permitted)
    ids: list[str] = [p.procedure for p in permitted]

    routes: list[Route] = []
    clause = _experimentation_clause(rule_set, a, used)
    if clause is not None:
        for c in clause.conditions:
            if c.code == "national":
                c.met = regime == "national"
        clause.available = all(c.met for c in clause.conditions)
        routes.append(clause)
        if clause.available:
            ids.append(clause.id)
    innovation = next((p for p in rule_set.of(Procedure) if p.procedure == "innovation_partnership"), None)
    if innovation is not None:
        routes.append(
            Route(
                id=innovation.procedure,
                name_de=innovation.name_de,
                name_en=innovation.name_en,
                available=regime == "eu" and a.innovative,
                conditions=[
                    Condition(code="eu", label=N_("Oberhalb des EU-Schwellenwerts"), met=regime == "eu"),
                    Condition(
                        code="innovative",
                        label=N_("Innovativer Gegenstand, den der Markt noch nicht bietet"),
                        met=a.innovative,
                    ),
                ],
                text=innovation.condition,
                legal_basis=innovation.legal_basis,
                valid_to=innovation.valid_to,
                confidence=innovation.confidence,
                rule=innovation.id,
            )
        )

    recommended, why = _recommend(regime, ids, a)
    reasons.append(why)
    notes = _notes(rule_set, a, regime, used)
    warnings = _warnings(rule_set, a, threshold, regime, used)
    return Advice(
        rules_version=rule_set.version,
        input=a,
        regime=regime,
        threshold_eur=threshold.amount,
        threshold_rule=threshold.id,
        permitted=ids,
        procedures=[_out(p) for p in permitted],
        conditional=[_out(p) for p in conditional],
        recommended=recommended,
        reasons=reasons,
        special_routes=routes,
        warnings=warnings,
        notes=notes,
        sources=sources(used),
        disclaimer=rule_set.disclaimer,
    )


def _recommend(regime: str, ids: list[str], a: AdviceInput) -> tuple[str, Message]:
    if regime == "eu":
        if a.innovative and "negotiated_with_competition" in ids:
            return "negotiated_with_competition", Message(
                code="recommend",
                template=N_(
                    "Empfohlen: Verhandlungsverfahren mit Teilnahmewettbewerb – der Auftrag umfasst innovative "
                    "Lösungen (§ 14 Abs. 3 Nr. 2 VgV); Verhandlungen erlauben, den Piloten mit Start-ups zuzuschneiden."
                ),
            )
        return "open_procedure", Message(
            code="recommend",
            template=N_(
                "Empfohlen: offenes Verfahren – frei wählbar (§ 119 Abs. 2 GWB, § 14 Abs. 2 VgV), größter Wettbewerb, "
                "auch junge Unternehmen können ohne Vorauswahl anbieten."
            ),
        )
    if "hh_experimentation_clause" in ids:
        return "hh_experimentation_clause", Message(
            code="recommend",
            template=N_(
                "Empfohlen: Experimentierklausel GovTech – alle Voraussetzungen sind erfüllt; es darf mit einem "
                "Unternehmen verhandelt werden. Wirtschaftlichkeit und Sparsamkeit sind zu dokumentieren."
            ),
        )
    if "direct_award" in ids:
        return "direct_award", Message(
            code="recommend",
            template=N_(
                "Empfohlen: Direktauftrag – der Wert liegt innerhalb der Wertgrenze; Wirtschaftlichkeit beachten und "
                "Auftragnehmer wechseln."
            ),
        )
    if "negotiated_award" in ids:
        return "negotiated_award", Message(
            code="recommend",
            template=N_(
                "Empfohlen: Verhandlungsvergabe – innerhalb der Wertgrenze ohne gesonderte Begründung zulässig; "
                "mehrere Start-ups zur Verhandlung auffordern."
            ),
        )
    if a.innovative and "restricted_tender_with_competition" in ids:
        return "restricted_tender_with_competition", Message(
            code="recommend",
            template=N_(
                "Empfohlen: Beschränkte Ausschreibung mit Teilnahmewettbewerb – Vorauswahl geeigneter Anbieter, "
                "frei wählbar (§ 8 Abs. 2 UVgO)."
            ),
        )
    return "public_tender", Message(
        code="recommend",
        template=N_("Empfohlen: Öffentliche Ausschreibung – frei wählbar (§ 8 Abs. 2 UVgO), größter Wettbewerb."),
    )


def _notes(rule_set: RuleSet, a: AdviceInput, regime: str, used: list[RuleBase]) -> list[Message]:
    out = []
    for n in rule_set.of(Note):
        relevant = n.land == a.land and n.valid_on(a.start_date)
        if n.id == "note.rd_exception_pcp":
            relevant = relevant and a.innovative
        if n.id == "note.vergabebeschleunigungsgesetz":
            relevant = a.land is None and regime == "national"
        if n.id == "note.hh_dataport_broker":
            relevant = relevant and a.innovative
        if relevant:
            used.append(n)
            out.append(
                Message(
                    code=n.id,
                    template=N_("{text} (Stand: {status})"),
                    params={"text": n.text, "status": n.status},
                    rule=n.id,
                )
            )
    return out


def _warnings(
    rule_set: RuleSet, a: AdviceInput, threshold: Threshold, regime: str, used: list[RuleBase]
) -> list[Message]:
    out: list[Message] = []
    if abs(a.value - threshold.amount) <= NEAR_THRESHOLD * threshold.amount:
        out.append(
            Message(
                code="near_threshold",
                rule=threshold.id,
                template=N_(
                    "Der Auftragswert liegt weniger als 10 % vom EU-Schwellenwert ({threshold} €) entfernt: Schätzung "
                    "sorgfältig begründen und dokumentieren (§ 3 VgV)."
                ),
                params={"threshold": _eur(threshold.amount)},
            )
        )
    limits = [r for r in used if isinstance(r, ValueLimit)] + [
        v
        for v in rule_set.of(ValueLimit)
        if v.land == a.land and a.kind in v.contract_kinds and v.valid_on(a.start_date) and v.max_value > a.value
    ]
    for limit in {lim.id: lim for lim in limits}.values():
        if limit.max_value * (1 - NEAR_THRESHOLD) <= a.value <= limit.max_value:
            out.append(
                Message(
                    code="splitting",
                    rule=limit.id,
                    template=N_(
                        "Der Wert liegt knapp unter der Wertgrenze von {limit} € ({procedure}): prüfen, ob der "
                        "Bedarf künstlich aufgeteilt wurde – eine Aufteilung, um Vergaberegeln zu umgehen, ist "
                        "unzulässig ({basis})."
                    ),
                    params={
                        "limit": _eur(limit.max_value),
                        "procedure": limit.procedure,
                        "basis": SPLITTING_BASIS,
                    },
                )
            )
    for rule in {r.id: r for r in used}.values():
        if rule.confidence == "unverified":
            out.append(
                Message(
                    code="unverified",
                    rule=rule.id,
                    template=N_(
                        "Regel „{rule}“ ist nicht verifiziert (nur eine Sekundärquelle oder widersprüchliche Quellen): "
                        "vor Verwendung an der Primärquelle prüfen."
                    ),
                    params={"rule": rule.id},
                )
            )
        if rule.valid_to is not None and 0 <= (rule.valid_to - a.start_date).days <= EXPIRY_WARNING_DAYS:
            out.append(
                Message(
                    code="expiring",
                    rule=rule.id,
                    template=N_("Regel „{rule}“ gilt nur bis {valid_to}: Verlängerung oder Nachfolgeregel prüfen."),
                    params={"rule": rule.id, "valid_to": rule.valid_to.isoformat()},
                )
            )
        if rule.status in ("proposed", "expired_or_expiring") and rule.valid_to is None:
            out.append(
                Message(
                    code="status",
                    rule=rule.id,
                    template=N_("Regel „{rule}“ hat den Status {status}."),
                    params={"rule": rule.id, "status": rule.status},
                )
            )
    return out


def _eur(value: int) -> str:
    return f"{value:,}".replace(",", ".")
