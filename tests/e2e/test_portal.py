"""Journeys in a real browser: a start-up keeps its profile up to date, an anonymous visitor browses the
public portal, and anyone switches the language between German and English."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from tests.e2e.support import check_a11y, login, snap

pytestmark = pytest.mark.e2e


def nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name=re.compile("Hauptnavigation|Main navigation")).get_by_role(
        "link", name=name, exact=True
    ).click()
    check_a11y(page)


def saved(page: Page) -> None:
    expect(page.get_by_role("status").filter(has_text="Änderungen gespeichert.")).to_be_visible()
    check_a11y(page)


def test_startup_edits_its_profile_and_sees_fitting_needs(open_page: Callable[..., Page]) -> None:
    page = open_page()
    login(page, "startup")
    page.get_by_role("link", name=re.compile(r"\(Start-up\)")).click()  # the account link in the header
    expect(page.get_by_role("heading", level=1)).to_have_text("Mein Konto")
    check_a11y(page)
    page.get_by_role("main").get_by_role("link", name="Aktenlicht GmbH", exact=True).click()
    check_a11y(page)

    # the company profile
    page.get_by_role("link", name="Profil bearbeiten").click()
    check_a11y(page)
    page.get_by_label("Ort").fill("Hamburg-Altona")
    page.get_by_label("Beschreibung").fill(
        "Aktenlicht liest Anträge und Nachweise und bereitet sie für die Sachbearbeitung vor."
    )
    snap(page, "startup-profile-form")
    page.get_by_role("button", name="Speichern").click()
    saved(page)
    expect(page.get_by_role("main")).to_contain_text("Hamburg-Altona")

    # a solution, and the published needs it fits (reverse matching)
    page.get_by_role("link", name="Aktenlicht Antragsleser", exact=True).click()
    check_a11y(page)
    page.get_by_role("link", name="Bearbeiten", exact=True).click()
    check_a11y(page)
    description = page.get_by_label("Beschreibung")
    description.fill(
        "Liest Wohngeldanträge und ihre Nachweise (Lohnbescheinigungen, Mietverträge) automatisch aus, "
        "prüft sie auf Vollständigkeit und übergibt die Daten an das Fachverfahren."
    )
    page.get_by_label("On-Premises (eigener Betrieb)").check()
    page.get_by_role("button", name="Speichern").click()
    saved(page)
    fitting = page.get_by_role("region", name="Offene Bedarfe, zu denen diese Lösung passt")
    expect(fitting.get_by_role("link", name=re.compile("Wohngeldanträge schneller bearbeiten"))).to_be_visible()
    expect(fitting.get_by_text("Intern", exact=True)).to_have_count(0)  # start-ups see published needs only
    snap(page, "solution-fitting-needs")
    fitting.get_by_role("link", name=re.compile("Wohngeldanträge schneller bearbeiten")).click()
    check_a11y(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Wohngeldanträge")


def test_anonymous_visitor_browses_the_public_portal(open_page: Callable[..., Page]) -> None:
    page = open_page()
    page.goto("/")
    check_a11y(page)
    snap(page, "home")
    expect(page.get_by_role("link", name="Anmelden")).to_be_visible()

    nav(page, "Bedarfe")
    snap(page, "needs-list")
    needs = page.get_by_role("main").get_by_role("listitem").filter(has=page.get_by_role("heading", level=2))
    assert needs.count() > 0
    expect(needs.get_by_text("Intern", exact=True)).to_have_count(0)  # visitors see published needs only
    first = needs.first.get_by_role("heading", level=2).inner_text()
    needs.first.get_by_role("link", name=first, exact=True).click()
    check_a11y(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(first)
    expect(page.get_by_text("Veröffentlicht", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Passende Lösungen")).to_have_count(0)  # the unit's working material
    snap(page, "need-public")

    nav(page, "Start-ups & Lösungen")
    snap(page, "solutions-list")
    page.get_by_role("main").get_by_role("heading", level=2).get_by_role("link").first.click()
    check_a11y(page)
    expect(page.get_by_role("region", name="Offene Bedarfe, zu denen diese Lösung passt")).to_be_visible()

    nav(page, "Wissen")
    snap(page, "knowledge")
    page.get_by_role("main").get_by_role("heading", level=2).get_by_role("link").first.click()
    check_a11y(page)

    search = page.get_by_role("search")
    search.get_by_label("Suchbegriff").fill("Straßenschäden erkennen")
    search.get_by_label("Suchbegriff").press("Enter")
    expect(page).to_have_url(re.compile(r"/suche\?q=Stra"))
    check_a11y(page)
    expect(page.get_by_role("main").get_by_role("link").filter(has_text=re.compile("Straße"))).not_to_have_count(0)
    snap(page, "search")

    page.goto("/anmelden")
    check_a11y(page)
    snap(page, "login")


def test_language_switch_german_english(open_page: Callable[..., Page]) -> None:
    page = open_page()
    page.goto("/bedarfe")
    check_a11y(page)
    expect(page.locator("html")).to_have_attribute("lang", "de")

    page.get_by_role("link", name="English").click()
    check_a11y(page)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/bedarfe\?lang=en"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Needs")
    # the choice is kept (cookie) on the next page
    nav(page, "Knowledge")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto("/")
    check_a11y(page)
    snap(page, "home-en")

    page.get_by_role("link", name="Deutsch").click()
    check_a11y(page)
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Bedarfe")).to_be_visible()
