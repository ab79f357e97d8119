"""Journey 1 in a real browser: an agency files a need, the unit takes it from market exploration to adoption.

Two people, two browser contexts: the agency (behoerde@) and the unit (lotse@), each logged in through the
login form. Every page on the way is checked with axe; the main ones are photographed.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from playwright.sync_api import Locator, Page, expect
from tests.e2e.support import check_a11y, id_from, login, snap

pytestmark = pytest.mark.e2e


def flash(page: Page, text: str) -> None:
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()
    check_a11y(page)


def step(page: Page, to: str) -> None:
    """Press "Weiter zu „…“" on the case page."""
    page.get_by_role("button", name=f"Weiter zu „{to}“").click()
    flash(page, "Schritt ausgeführt")


def current_stage(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Ablauf des Falls").locator("[aria-current=step]")


def score(page: Page, values: dict[str, tuple[int, str]]) -> None:
    """Fill the scorecard: one group per criterion with points and a comment."""
    for criterion, (points, comment) in values.items():
        group = page.get_by_role("group", name=re.compile(rf"^{criterion} \("))
        group.get_by_label("Punkte (0–10)").fill(str(points))
        group.get_by_label("Kommentar").fill(comment)
    page.get_by_role("button", name="Bewertung abgeben").click()
    flash(page, "Ihre Bewertung ist abgegeben.")


def test_need_to_adoption(open_page: Callable[..., Page]) -> None:
    title = f"Schlaglöcher und Straßenschäden automatisch erkennen ({uuid.uuid4().hex[:6]})"

    # ---- the agency files the need through the form
    agency = open_page()
    login(agency, "behoerde")
    agency.get_by_role("main").get_by_role("link", name="Bedarf melden").click()
    expect(agency.get_by_role("heading", level=1)).to_have_text("Bedarf melden")
    check_a11y(agency)
    agency.get_by_label("Titel").fill(title)
    agency.get_by_label(re.compile("^Problem")).fill(
        "Schlaglöcher und Risse in Fahrbahnen werden spät gemeldet. Begehungen der Straßenmeisterei dauern "
        "Monate; 2025 gab es 1.400 Beschwerden über Straßenschäden."
    )
    agency.get_by_label("Betroffener Prozess").fill("Straßenzustandserfassung und Unterhaltungsplanung")
    agency.get_by_label("Heutige Situation").fill("Zwei Begehungen pro Jahr, Papierprotokolle, Nachträge in Excel.")
    agency.get_by_label("Gewünschtes Ergebnis").fill(
        "Straßenschäden innerhalb von 2 Wochen statt 6 Monaten erkennen, Kameras an Dienstfahrzeugen nutzen."
    )
    # While typing, the form shows earlier needs and use cases in a live region …
    similar = agency.locator("#similar-results")
    expect(similar).to_have_attribute("aria-live", "polite")
    expect(similar.get_by_role("heading", name="Ähnliche Bedarfe")).to_be_visible()
    # … and brief-quality hints, where the form has such a panel: every live region must say something.
    for region in agency.locator("form [aria-live]").all():
        expect(region).not_to_have_text("")
    agency.get_by_label("Es werden personenbezogene Daten verarbeitet").check()
    agency.get_by_label("Budget von (€, netto)").fill("20000")
    agency.get_by_label("Budget bis (€, netto)").fill("80000")
    agency.get_by_label("Gewünschter Start").fill((date.today() + timedelta(days=60)).isoformat())
    check_a11y(agency, where="(need form, filled in)")
    snap(agency, "need-form")
    agency.get_by_role("button", name="Einreichen").click()
    flash(agency, "Angelegt.")
    need_id = id_from(agency.url, "/bedarfe/")
    expect(agency.get_by_role("heading", level=1)).to_have_text(title)
    expect(agency.get_by_text("Eingereicht", exact=True)).to_be_visible()

    # ---- the unit accepts it and runs a market exploration
    unit = open_page()
    login(unit, "lotse")
    unit.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Bedarfe").click()
    check_a11y(unit)
    unit.get_by_role("link", name=title).click()
    expect(unit).to_have_url(re.compile(rf"/bedarfe/{need_id}$"))
    check_a11y(unit)
    unit.get_by_role("button", name="Annehmen").click()
    flash(unit, "Status geändert.")
    expect(unit.get_by_text("Angenommen", exact=True)).to_be_visible()
    snap(unit, "need-detail-unit")
    unit.get_by_text("Neue Markterkundung durchführen").click()
    check_a11y(unit, where="(exploration form open)")
    unit.get_by_role("button", name="Markterkundung starten").click()
    flash(unit, "Markterkundung durchgeführt")
    run_id = id_from(unit.url, "/markterkundung/")
    snap(unit, "exploration-run")

    longlist = unit.get_by_role("region", name="Longlist")
    candidates = longlist.get_by_role("listitem").filter(has=unit.get_by_role("group", name="Einordnung"))
    assert candidates.count() >= 3, "the exploration should find at least three solutions"
    names = [candidates.nth(i).get_by_role("heading", level=3).inner_text() for i in range(3)]
    for name in names[:2]:
        item = candidates.filter(has=unit.get_by_role("heading", name=name, exact=True))
        item.get_by_role("radio", name="Shortlist").check()
        item.get_by_role("button", name="Einordnung speichern").click()
        check_a11y(unit)
        expect(item.get_by_text("Shortlist", exact=True).first).to_be_visible()
    excluded = candidates.filter(has=unit.get_by_role("heading", name=names[2], exact=True))
    excluded.get_by_role("radio", name="Ausgeschlossen").check()
    excluded.get_by_role("button", name="Einordnung speichern").click()
    # No reason: refused, the error is announced at the field.
    reason = unit.get_by_label("Begründung (bei Ausschluss erforderlich)").and_(unit.locator("[aria-invalid=true]"))
    expect(reason).to_be_focused()
    expect(reason).to_have_accessible_description(re.compile("Grund für den Ausschluss"))
    check_a11y(unit, where="(exclusion refused)")
    reason.fill("Keine Erfahrung mit Straßenbefahrungen")
    excluded = unit.get_by_role("listitem").filter(has=unit.get_by_role("heading", name=names[2], exact=True))
    excluded.get_by_role("radio", name="Ausgeschlossen").check()
    excluded.get_by_role("button", name="Einordnung speichern").click()
    check_a11y(unit)
    expect(excluded).to_contain_text("Begründung: Keine Erfahrung mit Straßenbefahrungen")

    # The Markterkundungsbericht, fetched with the browser's login as the link points to it.
    href = unit.get_by_role("link", name="PDF herunterladen").get_attribute("href")
    assert href == f"/markterkundung/{run_id}/bericht.pdf"
    report = unit.request.get(href)
    assert report.ok and report.headers["content-type"] == "application/pdf"
    assert report.body().startswith(b"%PDF")

    unit.get_by_role("button", name="Abschließen").click()
    flash(unit, "Markterkundung abgeschlossen")
    expect(unit.get_by_role("button", name="Einordnung speichern")).to_have_count(0)  # frozen

    # ---- pitch: criteria must add up to 100 %
    unit.get_by_role("link", name=f"← {title}").click()
    check_a11y(unit)
    unit.get_by_role("link", name="Pitch: Bewertungskriterien und Wertungsmatrix").click()
    check_a11y(unit)
    unit.get_by_label("Kriterium 1", exact=True).fill("Wirkung")
    unit.get_by_label("Gewicht in % 1", exact=True).fill("60")
    unit.get_by_label("Kriterium 2", exact=True).fill("Preis")
    unit.get_by_label("Gewicht in % 2", exact=True).fill("30")
    unit.get_by_role("button", name="Kriterien speichern").click()
    expect(unit.get_by_role("alert")).to_contain_text("90 %")
    check_a11y(unit, where="(weights refused)")
    unit.get_by_label("Gewicht in % 2", exact=True).fill("40")
    unit.get_by_role("button", name="Kriterien speichern").click()
    flash(unit, "Bewertungskriterien gespeichert.")

    chosen, other = names[0], names[1]
    case_ids: dict[str, int] = {}
    for name in (chosen, other):
        unit.goto(f"/markterkundung/{run_id}")
        check_a11y(unit)
        unit.get_by_role("complementary").get_by_role("link", name=name, exact=True).click()
        check_a11y(unit)
        case_ids[name] = id_from(unit.url, "/faelle/")
        step(unit, "Pitch")
        expect(current_stage(unit)).to_have_text("Pitch")
        score(unit, {"Wirkung": (8 if name == chosen else 5, "überzeugend"), "Preis": (6, "im Rahmen")})

    # the agency scores blind, from its pipeline list
    for name in (chosen, other):
        agency.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Pipeline").click()
        check_a11y(agency)
        agency.get_by_role("link", name=name, exact=True).click()
        check_a11y(agency)
        score(agency, {"Wirkung": (7 if name == chosen else 4, "klarer Nutzen"), "Preis": (7, "passt")})
    snap(agency, "case-pitch-scored")

    # ---- selection
    unit.goto(f"/faelle/{case_ids[chosen]}")
    check_a11y(unit)
    expect(unit.get_by_role("region", name="Wertungsmatrix")).to_contain_text(chosen)
    step(unit, "Ausgewählt")
    unit.goto(f"/faelle/{case_ids[other]}")
    check_a11y(unit)
    unit.get_by_label(re.compile("^Begründung")).fill("Geringere Wirkung im Pitch")
    step(unit, "Nicht ausgewählt")

    # ---- pilot agreement with three KPIs
    unit.goto(f"/faelle/{case_ids[chosen]}")
    check_a11y(unit)
    today = date.today()
    unit.get_by_label("Leistungsumfang").fill("Befahrung von 50 km Straße mit Kameras an zwei Dienstfahrzeugen")
    unit.get_by_label("Preis in Euro (netto)").fill("45.000")
    unit.get_by_label(re.compile("^Beginn")).fill(today.isoformat())
    unit.get_by_label(re.compile("^Ende")).fill((today + timedelta(days=180)).isoformat())
    unit.get_by_label(re.compile("^Go/No-Go-Termin")).fill((today + timedelta(days=170)).isoformat())
    kpis = [("Erkennungsdauer", "Tage", "180", "14"), ("Erkannte Schäden", "Anzahl", "40", "120"),
            ("Kosten je km", "€", "25,5", "10")]  # fmt: skip
    for n, (name, unit_name, baseline, target) in enumerate(kpis, start=1):
        unit.get_by_label(f"Kennzahl {n}", exact=True).fill(name)
        unit.get_by_label(f"Einheit {n}", exact=True).fill(unit_name)
        unit.get_by_label(f"Ausgangswert {n}", exact=True).fill(baseline)
        unit.get_by_label(f"Ziel {n}", exact=True).fill(target)
    unit.get_by_role("button", name="Pilotvereinbarung speichern").click()
    flash(unit, "Pilotvereinbarung gespeichert.")
    expect(unit.get_by_role("table", name="Kennzahlen")).to_contain_text("25,5")
    step(unit, "Pilot")
    step(unit, "Auswertung")

    # ---- the agency records the go decision with the KPI results
    agency.goto(f"/faelle/{case_ids[chosen]}")
    check_a11y(agency)
    for (name, *_rest), result in zip(kpis, ("12", "130", "9"), strict=True):
        agency.get_by_label(re.compile(f"^{name} in ")).fill(result)
    agency.get_by_role("radio", name="Go – Übernahme").check()
    agency.get_by_label("Begründung der Entscheidung").fill("Alle Ziele erreicht")
    agency.get_by_label(re.compile("^Erkenntnisse")).fill("Früh die Straßenmeisterei einbinden.")
    agency.get_by_role("button", name="Entscheidung erfassen").click()
    flash(agency, "Entscheidung erfasst.")
    expect(current_stage(agency)).to_have_text("Übernommen")
    expect(agency.get_by_role("heading", name="Entscheidung: Go – Übernahme")).to_be_visible()
    snap(agency, "case-adopted")

    unit.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Lotsenstelle").click()
    check_a11y(unit)
    expect(unit.get_by_role("main")).to_contain_text("Übernahmequote")
    snap(unit, "unit-dashboard")
