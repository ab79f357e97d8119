"""Convert the researched rules dataset (../shared/legal/rules.yaml) into GovLotse's rule-set format.

The researched file is organised by topic; the advisor needs one uniform list of rules, each with
id, kind, source, legal basis, validity, status and confidence, plus GovLotse's procedure ids and
contract kinds. Everything legal in the output comes from the input file; this script only maps and
renames. Run:  python scripts/build_ruleset.py [path/to/rules.yaml]
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
SRC = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "legal" / "rules.yaml"

# EU threshold keys → (contract kinds, authority types) they apply to
THRESHOLD_SCOPE = {
    "works_classic": (["works"], ["central", "sub-central"]),
    "supplies_services_central_government": (["supplies", "services"], ["central"]),
    "supplies_services_sub_central": (["supplies", "services"], ["sub-central"]),
    "social_and_other_specific_services_classic": (
        ["social_services"],
        ["central", "sub-central", "defence"],
    ),
    "utilities_works": (["works"], ["utility"]),
    "utilities_supplies_services": (["supplies", "services"], ["utility"]),
    "utilities_social_services": (["social_services"], ["utility"]),
    "defence_security_works": (["works"], ["defence"]),
    "defence_security_supplies_services": (["supplies", "services"], ["defence"]),
}
PROCEDURE_IDS = {
    "offenes_verfahren": "open_procedure",
    "nicht_offenes_verfahren": "restricted_procedure",
    "verhandlungsverfahren_mit_tw": "negotiated_with_competition",
    "verhandlungsverfahren_ohne_tw": "negotiated_without_competition",
    "wettbewerblicher_dialog": "competitive_dialogue",
    "innovationspartnerschaft": "innovation_partnership",
    "oeffentliche_ausschreibung": "public_tender",
    "beschraenkte_ausschreibung_mit_tw": "restricted_tender_with_competition",
    "beschraenkte_ausschreibung_ohne_tw": "restricted_tender_without_competition",
    "verhandlungsvergabe": "negotiated_award",
    "direktauftrag": "direct_award",
}
# When a procedure may be chosen freely, and when only if conditions hold (from the entries' own text)
AVAILABILITY = {
    "open_procedure": "always",
    "restricted_procedure": "always",
    "negotiated_with_competition": "innovative",  # § 14 Abs. 3 Nr. 2 VgV: design or innovative solutions
    "competitive_dialogue": "innovative",
    "innovation_partnership": "innovative",
    "negotiated_without_competition": "exception",
    "public_tender": "always",
    "restricted_tender_with_competition": "always",
    "restricted_tender_without_competition": "exception",
    "negotiated_award": "exception",
    "direct_award": "value_limit",
}
# GovLotse's own German wording of the Annex III areas and typical administrative uses, used only to
# suggest an area for a need written in German (the person decides; the legal text is the source).
ANNEX_III_DE = {
    1: (
        "Biometrie",
        "Gesichtserkennung, biometrische Identifizierung, Fernidentifizierung, Emotionserkennung, "
        "biometrische Kategorisierung",
    ),
    2: (
        "Kritische Infrastruktur",
        "Sicherheitsbauteil, Straßenverkehr, Verkehrssteuerung, Ampeln, Wasserversorgung, "
        "Gasversorgung, Wärme, Stromversorgung, digitale Infrastruktur",
    ),
    3: (
        "Allgemeine und berufliche Bildung",
        "Schule, Zulassung, Zuweisung zu Schulen, Bewertung von Lernergebnissen, "
        "Prüfungen, Noten, Schulaufsicht, Prüfungsaufsicht",
    ),
    4: (
        "Beschäftigung und Personalmanagement",
        "Bewerbung, Personalauswahl, Stellenanzeigen, Lebensläufe filtern, "
        "Beförderung, Kündigung, Aufgabenzuweisung, Leistungsbewertung, Beschäftigte",
    ),
    5: (
        "Zugang zu grundlegenden öffentlichen und privaten Diensten und Leistungen",
        "Sozialleistungen, Wohngeld, Bürgergeld, Grundsicherung, Anspruch prüfen, Leistungen gewähren, kürzen, "
        "zurückfordern, Antrag auf Leistungen, Gesundheitsversorgung, Kreditwürdigkeit, Notruf, Rettungsdienst, "
        "Feuerwehr Einsatz disponieren, Triage",
    ),
    6: ("Strafverfolgung", "Polizei, Ermittlung, Straftaten, Beweismittel, Profiling, Rückfallrisiko, Opferrisiko"),
    7: (
        "Migration, Asyl und Grenzkontrolle",
        "Ausländerbehörde, Asylantrag, Visum, Aufenthaltstitel, Einreise, Grenzkontrolle, Identifizierung von Personen",
    ),
    8: (
        "Rechtspflege und demokratische Prozesse",
        "Gericht, Richter, Rechtsanwendung, Sachverhalt auslegen, Wahlen, Abstimmungen, Wahlverhalten",
    ),
}

EVB_IT_SERVICES = {
    "EVB-IT Cloud": "cloud_service",
    "EVB-IT Überlassung Typ A": "software_permanent",
    "EVB-IT Überlassung Typ B": "software_temporary",
    "EVB-IT Erstellung": "custom_development",
    "EVB-IT Dienstleistung (EVB-IT Dienstvertrag)": "it_services",
    "EVB-IT Pflege S": "software_maintenance",
    "EVB-IT Kauf": "hardware_purchase",
    "EVB-IT Instandhaltung": "hardware_maintenance",
    "EVB-IT Service": "operation",
    "EVB-IT System": "system",
    "EVB-IT Systemlieferung": "system_delivery",
    "EVB-IT Rahmenvereinbarung": "framework",
}


def date_or_none(value: Any) -> str | None:
    text = str(value) if value is not None else None
    return text if text and len(text) == 10 and text[4] == "-" else None


def base(entry: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "source": entry.get("source", ""),
        "legal_basis": entry.get("legal_basis", ""),
        "status": entry.get("status", "in_force"),
        "confidence": entry.get("confidence", "unverified" if not entry.get("source") else "verified"),
        "valid_from": date_or_none(entry.get("valid_from")),
        "valid_to": date_or_none(entry.get("valid_to")),
        **({"note": entry["note"]} if entry.get("note") else {}),
        **extra,
    }


def convert(data: dict[str, Any]) -> dict[str, Any]:
    rules: list[dict[str, Any]] = []
    for v in data["thresholds"]["values"]:
        if v["key"] not in THRESHOLD_SCOPE:
            continue  # small-lots exemptions: context, not a regime threshold
        kinds, authorities = THRESHOLD_SCOPE[v["key"]]
        year = v["valid_from"][:4]
        rules.append(
            {
                "id": f"threshold.{v['key']}.{year}",
                "kind": "threshold",
                "key": v["key"],
                "amount": v["amount"],
                "contract_kinds": kinds,
                "authorities": authorities,
                "text": v.get("description", v["key"]),
                **base(v),
            }
        )
    for regime, block in (("eu", "above_threshold"), ("national", "below_threshold")):
        for p in data["procedures"][block]["list"]:
            pid = PROCEDURE_IDS[p["id"]]
            deadlines = p.get("min_deadlines")
            rules.append(
                {
                    "id": f"procedure.{pid}",
                    "kind": "procedure",
                    "procedure": pid,
                    "regime": regime,
                    "name_de": p["name_de"],
                    "name_en": p["name_en"],
                    "availability": AVAILABILITY[pid],
                    "condition": p.get("applicable_when", ""),
                    "deadlines": deadlines if isinstance(deadlines, dict) else {},
                    "deadline_note": deadlines if isinstance(deadlines, str) else "",
                    **base(p, valid_from="2016-04-18" if regime == "eu" else "2017-09-02"),
                }
            )
    for limit in data["hamburg_limits"]["limits"]:
        if limit["id"] == "hh_direktauftrag":
            rules.append(
                {
                    "id": "limit.hamburg.direct_award",
                    "kind": "value_limit",
                    "land": "hamburg",
                    "contract_kinds": ["supplies", "services", "social_services"],
                    "procedure": "direct_award",
                    "max_value": limit["amount"],
                    "inclusive": True,
                    "text": limit["rule"],
                    **base(limit),
                }
            )
        elif limit["id"] == "hh_verhandlungsvergabe":
            rules.append(
                {
                    "id": "limit.hamburg.negotiated_award",
                    "kind": "value_limit",
                    "land": "hamburg",
                    "contract_kinds": ["supplies", "services", "social_services"],
                    "procedure": "negotiated_award",
                    "max_value": limit["amount"],
                    "inclusive": False,
                    "text": limit["rule"],
                    **base(limit),
                }
            )
        elif limit["id"] == "hh_beschraenkte_ausschreibung":
            rules.append(
                {
                    "id": "limit.hamburg.restricted_tender_without_competition",
                    "kind": "value_limit",
                    "land": "hamburg",
                    "contract_kinds": ["supplies", "services", "social_services"],
                    "procedure": "restricted_tender_without_competition",
                    "max_value": limit["amount"],
                    "inclusive": False,
                    "text": limit["rule"],
                    **base(limit),
                }
            )
        elif limit["id"] == "hh_works_limits":
            for proc, key in (
                ("direct_award", "direktauftrag"),
                ("negotiated_award", "freihaendige_vergabe"),
                ("restricted_tender_without_competition", "beschraenkte_ausschreibung"),
            ):
                rules.append(
                    {
                        "id": f"limit.hamburg.works.{proc}",
                        "kind": "value_limit",
                        "land": "hamburg",
                        "contract_kinds": ["works"],
                        "procedure": proc,
                        "max_value": limit["amounts"][key],
                        "inclusive": True,
                        "text": limit["rule"],
                        **base(limit, valid_from="2024-01-01", legal_basis="§ 2a Abs. 1 Nr. 2 HmbVgG; VOB/A"),
                    }
                )
        elif limit["id"] == "hh_uvgo_application_threshold":
            rules.append(
                {
                    "id": "limit.hamburg.uvgo_from",
                    "kind": "note",
                    "land": "hamburg",
                    "amount": limit["amount"],
                    "text": limit["rule"],
                    **base(limit),
                }
            )
        elif limit["id"] == "hh_ex_post_transparency":
            rules.append(
                {
                    "id": "limit.hamburg.ex_post_transparency",
                    "kind": "note",
                    "land": "hamburg",
                    "amount": limit["amount"],
                    "text": limit["rule"],
                    **base(limit, valid_from="2024-01-01", legal_basis="HmbVgRL (Ex-post-Transparenz)"),
                }
            )
    for p in data["procedures"]["below_threshold"]["list"]:
        if p["id"] == "direktauftrag":
            rules.append(
                {
                    "id": "limit.default.direct_award",
                    "kind": "value_limit",
                    "land": None,
                    "contract_kinds": ["supplies", "services", "social_services"],
                    "procedure": "direct_award",
                    "max_value": p["value_limit_default"],
                    "inclusive": True,
                    "text": p["applicable_when"],
                    **base(p, valid_from="2017-09-02"),
                }
            )
    for fed in data["federal_rules"]:
        if fed["id"] == "bund_direktauftrag_15000":
            rules.append(
                {
                    "id": "limit.federal.direct_award",
                    "kind": "value_limit",
                    "land": None,
                    "authorities": ["central"],
                    "contract_kinds": ["supplies", "services", "social_services"],
                    "procedure": "direct_award",
                    "max_value": fed["amount"],
                    "inclusive": True,
                    "text": fed["rule"],
                    **base(fed, valid_to=None),
                }
            )
        else:
            rules.append(
                {
                    "id": "note.vergabebeschleunigungsgesetz",
                    "kind": "note",
                    "land": None,
                    "amount": fed["amount"],
                    "text": fed["rule"],
                    **base(fed, legal_basis="Entwurf Vergabebeschleunigungsgesetz, BT-Drs. 21/1934"),
                }
            )
    for route in data["hamburg_limits"]["startup_innovation_rules"]:
        if route["id"] == "hh_experimentierklausel_govtech":
            rules.append(
                {
                    "id": "route.hh_experimentation_clause",
                    "kind": "special_route",
                    "procedure": "hh_experimentation_clause",
                    "land": "hamburg",
                    "name_de": "Experimentierklausel GovTech (Hamburg)",
                    "name_en": "GovTech experimentation clause (Hamburg)",
                    "text": route["rule"],
                    "max_value": route["max_value"],
                    "max_term_months": route["max_contract_term_years"] * 12,
                    "requires": ["govtech_unit", "innovative"],
                    **base(
                        route,
                        legal_basis="HmbVgRL Nr. 5 (vereinfachtes Beschaffungsverfahren), "
                        "in Ergänzung zu § 12 Abs. 3 UVgO",
                    ),
                }
            )
        else:
            basis = route.get("legal_basis") or (
                "§ 116 Abs. 1 Nr. 2 GWB; § 8 Abs. 4 Nr. 6 UVgO"
                if route["id"] == "rd_exception_pcp"
                else "Rahmenvertrag Dataport AöR (Wortlaut nicht geprüft)"
            )
            rules.append(
                {
                    "id": f"note.{route['id']}",
                    "kind": "note",
                    "land": "hamburg",
                    "text": route["rule"],
                    "name_de": route.get("name", ""),
                    **base(route, legal_basis=basis),
                }
            )
    for t in data["evb_it"]["types"]:
        mapping = next((m for m in data["evb_it"]["mapping_for_ai_pilots"]["rules"] if t["type"] in m["evb_it"]), None)
        rules.append(
            {
                "id": f"evb_it.{EVB_IT_SERVICES[t['type']]}",
                "kind": "evb_it",
                "service": EVB_IT_SERVICES[t["type"]],
                "contract": t["type"],
                "text": t["use_case"],
                "pilot_scenario": mapping["scenario"] if mapping else "",
                "plus": (mapping or {}).get("plus", ""),
                **base(
                    t,
                    valid_from=None,
                    legal_basis="EVB-IT (BMI/IT-Planungsrat, mit Bitkom verhandelt); "
                    "Anwendung über Verwaltungsvorschriften zu § 55 BHO/LHO",
                ),
            }
        )
    ai = data["ai_act"]
    for d in ai["dates"]:
        if d["status"] == "superseded_by_adopted_amendment":
            continue
        rules.append(
            {
                "id": f"ai_act.date.{d['date']}.{len(rules)}",
                "kind": "ai_act_date",
                "date": d["date"],
                "text": d["event"],
                **base(
                    d,
                    confidence="verified" if d["status"] == "in_force" else "unverified",
                    legal_basis="Reg. (EU) 2024/1689 Art. 113"
                    + (
                        "; Digital Omnibus on AI (adopted, OJ reference not confirmed)"
                        if d["status"] == "adopted"
                        else ""
                    ),
                ),
            }
        )
    for p in ai["prohibited"]:
        rules.append(
            {
                "id": f"ai_act.prohibited.{p['ref']}",
                "kind": "ai_act_prohibited",
                "ref": p["ref"],
                "text": p["text"],
                **base(p, legal_basis=p["ref"], valid_from=p.get("applies_from")),
            }
        )
    for a in ai["high_risk_annex_iii"]:
        rules.append(
            {
                "id": f"ai_act.annex_iii.{a['point']}",
                "kind": "ai_act_annex_iii",
                "point": a["point"],
                "area": a["area"],
                "items": a["items"],
                "text": a["area"],
                "area_de": ANNEX_III_DE[a["point"]][0],
                "hints_de": ANNEX_III_DE[a["point"]][1],
                **base(
                    a,
                    legal_basis=f"Reg. (EU) 2024/1689 Art. 6(2), Annex III point {a['point']}",
                    valid_from="2027-12-02",
                ),
            }
        )
    for i, duty in enumerate(ai["deployer_public_authority_duties"]):
        applies = str(duty["applies_from"])
        rules.append(
            {
                "id": f"ai_act.duty.{i}",
                "kind": "ai_act_duty",
                "ref": duty["ref"],
                "text": duty["duty"],
                "applies_from": applies[:10],
                "applies_note": applies,
                "risk_classes": ["high_risk"]
                if applies.startswith("2027-12-02")
                else (["transparency_limited_risk"] if duty["ref"].startswith("Art. 50") else ["all"]),
                **base(
                    duty,
                    legal_basis=duty["ref"],
                    valid_from=applies[:10],
                    confidence=duty.get("confidence", "verified"),
                ),
            }
        )
    for t in ai["transparency"]:
        rules.append(
            {
                "id": f"ai_act.transparency.{t['ref']}",
                "kind": "ai_act_duty",
                "ref": t["ref"],
                "text": f"{t['addressee']}: {t['duty']}",
                "applies_from": t["applies_from"],
                "applies_note": t["applies_from"],
                "risk_classes": ["transparency_limited_risk"],
                **base(t, legal_basis=t["ref"], valid_from=t["applies_from"]),
            }
        )
    for c in data["gdpr"]["checks"]:
        rules.append(
            {
                "id": f"gdpr.{c['id']}",
                "kind": "gdpr_check",
                "check": c["id"],
                "text": c["check"],
                **base(c, legal_basis=c["source"], valid_from="2018-05-25"),
            }
        )
    return {
        "version": str(data["meta"]["as_of"]),
        "schema_version": 1,
        "title": "Vergabe-, KI-VO- und DSGVO-Regeln (Hamburg und Bund) – GovLotse",
        "as_of": str(data["meta"]["as_of"]),
        "origin": "Converted by scripts/build_ruleset.py from the researched dataset rules.yaml "
        f"(compiled {data['meta']['as_of']}: {data['meta']['compiled_by']}).",
        "disclaimer": "Keine Rechtsberatung: dokumentierte, belegte Entscheidungshilfe, die die Vergabestelle prüft.",
        "rules": rules,
    }


def main() -> None:
    data = yaml.safe_load(SRC.read_text(encoding="utf-8"))
    out = convert(data)
    target = ROOT / "src" / "govlotse" / "procurement" / "rulesets" / f"{out['version']}.yaml"

    class Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:  # repeated lists stay readable, no &anchors
            return True

    text = yaml.dump(out, Dumper=Dumper, allow_unicode=True, sort_keys=False, width=110)
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target} ({len(out['rules'])} rules)")


if __name__ == "__main__":
    main()
