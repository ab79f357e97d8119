"""Human labels for the codes stored in the database (German source strings, translated on output)."""

from __future__ import annotations

from govlotse.i18n import translate
from govlotse.solutions.models import LANGUAGE_NAMES

LABELS: dict[str, dict[str, str]] = {
    "challenge_status": {
        "draft": "Entwurf",
        "submitted": "Eingereicht",
        "accepted": "Angenommen",
        "declined": "Abgelehnt",
        "closed": "Abgeschlossen",
        "merged": "Zusammengeführt",
    },
    "stage": {
        "shortlisted": "Shortlist",
        "pitch": "Pitch",
        "selected": "Ausgewählt",
        "pilot": "Pilot",
        "evaluation": "Auswertung",
        "adopted": "Übernommen",
        "stopped": "Gestoppt",
        "not_selected": "Nicht ausgewählt",
        "withdrawn": "Zurückgezogen",
    },
    "run_status": {"open": "Offen", "closed": "Abgeschlossen"},
    "candidate_status": {"longlist": "Longlist", "shortlist": "Shortlist", "excluded": "Ausgeschlossen"},
    "judgment": {"2": "passt", "1": "passt teilweise", "0": "passt nicht"},
    "outcome": {"go": "Go – Übernahme", "stop": "Stopp"},
    "article_status": {"draft": "Entwurf", "published": "Veröffentlicht"},
    "visibility": {"internal": "Intern", "published": "Veröffentlicht"},
    "hosting_requirement": {
        "none": "Keine Vorgabe",
        "eu": "Betrieb in der EU",
        "germany": "Betrieb in Deutschland",
        "on_premise": "Betrieb im eigenen Rechenzentrum",
    },
    "hosting": {
        "saas_germany": "SaaS, Rechenzentrum in Deutschland",
        "saas_eu": "SaaS, Rechenzentrum in der EU",
        "saas_non_eu": "SaaS, außerhalb der EU",
        "private_cloud": "Private Cloud",
        "on_premise": "On-Premises (eigener Betrieb)",
    },
    "maturity": {
        "prototype": "Prototyp",
        "pilot_ready": "Pilotreif",
        "market": "Am Markt",
        "scaled": "Breit im Einsatz",
    },
    "certification": {
        "bsi_c5": "BSI C5",
        "iso_27001": "ISO 27001",
        "bsi_grundschutz": "ISO 27001 auf Basis IT-Grundschutz",
        "soc2": "SOC 2",
        "tisax": "TISAX",
        "iso_9001": "ISO 9001",
        "bitv_tested": "BITV-Test bestanden",
    },
    "org_kind": {"agency": "Behörde / Verwaltung", "startup": "Start-up", "research": "Forschung"},
    "agency_type": {"behoerde": "Behörde", "bezirksamt": "Bezirksamt", "landesbetrieb": "Landesbetrieb"},
    "size": {
        "1-10": "1–10 Beschäftigte",
        "11-50": "11–50 Beschäftigte",
        "51-200": "51–200 Beschäftigte",
        "201-500": "201–500 Beschäftigte",
        "500+": "mehr als 500 Beschäftigte",
    },
    "role": {
        "unit": "Lotsenstelle (Venture-Client-Einheit)",
        "agency": "Behörde",
        "startup": "Start-up",
        "expert": "Expertin / Experte",
        "admin": "Administration",
    },
    "org_status": {"active": "Aktiv", "pending": "Wartet auf Freigabe", "rejected": "Nicht freigegeben"},
    "evb_service": {
        "cloud_service": "Cloud-Dienst (SaaS, PaaS, IaaS)",
        "software_permanent": "Standardsoftware auf Dauer",
        "software_temporary": "Standardsoftware auf Zeit",
        "custom_development": "Erstellung oder Anpassung von Software",
        "it_services": "IT-Dienstleistung (Beratung, Schulung, Projektbegleitung)",
        "software_maintenance": "Pflege von Standardsoftware",
        "hardware_purchase": "Kauf von Hardware",
        "hardware_maintenance": "Instandhaltung von Hardware",
        "operation": "Betrieb mit Service-Levels",
        "system": "Gesamtsystem mit Gesamtverantwortung",
        "system_delivery": "Lieferung eines Systems aus Standardkomponenten",
        "framework": "Rahmenvereinbarung",
    },
    "procedure": {
        "open_procedure": "Offenes Verfahren",
        "restricted_procedure": "Nicht offenes Verfahren",
        "negotiated_with_competition": "Verhandlungsverfahren mit Teilnahmewettbewerb",
        "negotiated_without_competition": "Verhandlungsverfahren ohne Teilnahmewettbewerb",
        "competitive_dialogue": "Wettbewerblicher Dialog",
        "innovation_partnership": "Innovationspartnerschaft",
        "public_tender": "Öffentliche Ausschreibung",
        "restricted_tender_with_competition": "Beschränkte Ausschreibung mit Teilnahmewettbewerb",
        "restricted_tender_without_competition": "Beschränkte Ausschreibung ohne Teilnahmewettbewerb",
        "negotiated_award": "Verhandlungsvergabe",
        "direct_award": "Direktauftrag",
        "hh_experimentation_clause": "Experimentierklausel GovTech (Hamburg)",
    },
    "risk_class": {
        "prohibited": "Verbotene Praxis (Art. 5 KI-VO)",
        "high_risk": "Hochrisiko-KI-System (Art. 6 Abs. 2, Anhang III KI-VO)",
        "transparency_limited_risk": "Begrenztes Risiko mit Transparenzpflichten (Art. 50 KI-VO)",
        "minimal_risk": "Minimales Risiko (keine besonderen Pflichten außer KI-Kompetenz, Art. 4 KI-VO)",
    },
    "deadline": {
        "tender_days": "Angebotsfrist (Tage)",
        "tender_days_electronic_submission": "Angebotsfrist bei elektronischer Abgabe (Tage)",
        "tender_days_urgency": "Angebotsfrist bei Dringlichkeit (Tage)",
        "tender_days_after_prior_information_notice": "Angebotsfrist nach Vorinformation (Tage)",
        "tender_days_sub_central_by_agreement": "Angebotsfrist subzentraler Auftraggeber",
        "participation_days": "Teilnahmefrist (Tage)",
        "participation_days_urgency": "Teilnahmefrist bei Dringlichkeit (Tage)",
        "initial_tender_days": "Frist für Erstangebote (Tage)",
        "initial_tender_days_electronic_submission": "Frist für Erstangebote bei elektronischer Abgabe (Tage)",
        "initial_tender_days_urgency": "Frist für Erstangebote bei Dringlichkeit (Tage)",
        "initial_tender_days_sub_central_by_agreement": "Frist für Erstangebote subzentraler Auftraggeber",
    },
    "gdpr_level": {"required": "erforderlich", "likely": "voraussichtlich erforderlich", "check": "prüfen"},
    "language": LANGUAGE_NAMES,
    "org_role": {"owner": "Inhaber/in", "member": "Mitglied"},
    "attendance": {
        "invited": "Eingeladen",
        "confirmed": "Zugesagt",
        "attended": "Teilgenommen",
        "no_show": "Nicht erschienen",
    },
    "availability": {
        "available": "Verfügbar",
        "limited": "Eingeschränkt verfügbar",
        "unavailable": "Zurzeit nicht verfügbar",
    },
    "token_scope": {"read": "Nur lesen", "write": "Lesen und ändern"},
    "flash": {
        "email_confirmed": "E-Mail-Adresse bestätigt.",
        "expert_assigned": "Expertin oder Experte zugewiesen; sie oder er sieht den Bedarf jetzt.",
        "expert_unassigned": "Beratung beendet.",
        "token_created": "API-Token angelegt.",
        "slot_added": "Pitch auf der Agenda; das Start-up ist per E-Mail eingeladen.",
        "slot_removed": "Pitch von der Agenda genommen.",
        "attached": "Anhang hinzugefügt.",
        "detached": "Anhang entfernt.",
        "account_deleted": "Ihr Konto ist gelöscht. Einträge, die aufbewahrt werden müssen, nennen Sie nur noch "
        "mit einem Pseudonym.",
        "token_revoked": "API-Token widerrufen; es funktioniert nicht mehr.",
        "reset_sent": "Wenn es zu dieser Adresse ein Konto gibt, haben wir einen Link zum Zurücksetzen geschickt. "
        "Bitte prüfen Sie Ihr Postfach.",
        "password_reset": "Ihr Passwort ist geändert. Bitte melden Sie sich mit dem neuen Passwort an.",
        "invited": "Einladung gesendet.",
        "invitation_revoked": "Einladung widerrufen; ihr Link funktioniert nicht mehr.",
        "joined": "Willkommen! Sie gehören jetzt zur Organisation.",
        "approved": "Organisation freigegeben; ihre Ansprechpersonen sind per E-Mail informiert.",
        "rejected": "Registrierung abgelehnt; die Begründung ist per E-Mail verschickt.",
        "saved": "Änderungen gespeichert.",
        "created": "Angelegt.",
        "logged_in": "Sie sind angemeldet.",
        "logged_out": "Sie sind abgemeldet.",
        "status_changed": "Status geändert.",
        "run_started": "Markterkundung durchgeführt: die Longlist ist eingefroren.",
        "run_closed": "Markterkundung abgeschlossen; für jede Lösung der Shortlist ist ein Fall angelegt.",
        "step_done": "Schritt ausgeführt und in der Historie festgehalten.",
        "criteria_saved": "Bewertungskriterien gespeichert.",
        "scores_submitted": "Ihre Bewertung ist abgegeben.",
        "pilot_saved": "Pilotvereinbarung gespeichert.",
        "progress_saved": "Zwischenstand gespeichert.",
        "decided": "Entscheidung erfasst.",
        "merged": "Bedarf zusammengeführt; seine Historie bleibt erhalten.",
        "article_published": "Artikel veröffentlicht; er ist jetzt für alle sichtbar.",
    },
}


def label(group: str, code: str | None, lang: str = "de") -> str:
    """The label of ``code`` in ``group``, in ``lang``; unknown codes are shown as they are."""
    if code is None or code == "":
        return "–"
    text = LABELS.get(group, {}).get(str(code))
    return translate(text, lang) if text else str(code)


def options(group: str, lang: str = "de") -> list[tuple[str, str]]:
    """(code, label) pairs for a select or a group of checkboxes."""
    return [(code, translate(text, lang)) for code, text in LABELS[group].items()]
