"""The unit finds an expert for a need by its text and assigns her; the expert then sees the need."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from tests.e2e.support import check_a11y, id_from, login, snap

pytestmark = pytest.mark.e2e


def test_unit_assigns_an_expert_found_by_the_needs_text(open_page: Callable[..., Page]) -> None:
    page = open_page()
    login(page, "lotse")
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Expertise").click()
    check_a11y(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Expertinnen und Experten")
    expect(page.get_by_role("link", name="Dr. Eva Experte")).to_be_visible()
    page.get_by_label("Verfügbarkeit").select_option("available")
    page.get_by_role("button", name="Filtern").click()
    check_a11y(page)
    expect(page.get_by_role("link", name="Tobias Lindqvist")).to_have_count(0)  # not available now
    snap(page, "experts")

    # The demo need about road damage: the demo expert advises on it already; the unit adds a second expert
    # from the suggestions, which the directory finds by the need's text.
    page.goto("/suche?q=Stra%C3%9Fensch%C3%A4den+fr%C3%BChzeitig+erkennen")
    check_a11y(page)
    page.get_by_role("region", name=re.compile("Bedarfe")).get_by_role("link").first.click()
    check_a11y(page)
    need_id = id_from(page.url, "/bedarfe/")
    advice = page.get_by_role("region", name="Beratung durch Expertinnen und Experten")
    expect(advice.get_by_role("list").first).to_contain_text("Dr. Eva Experte")
    first = advice.get_by_role("listitem").filter(has=page.get_by_role("heading", level=4)).first
    name = first.get_by_role("heading", level=4).inner_text().split(" – ")[0]
    first.get_by_label("Wofür (optional)").fill("Datenschutz der Kamerabilder prüfen")
    first.get_by_role("button", name=re.compile("Als Beratung zuweisen")).click()
    expect(page.get_by_role("status").filter(has_text="Expertin oder Experte zugewiesen")).to_be_visible()
    check_a11y(page)
    advisors = page.get_by_role("region", name="Beratung durch Expertinnen und Experten").get_by_role("list").first
    expect(advisors).to_contain_text("Datenschutz der Kamerabilder prüfen")
    expect(advisors).to_contain_text(name)
    snap(page, "need-advisors")

    expert = open_page()
    login(expert, "expertin")
    expert.goto("/konto")
    check_a11y(expert)
    advising = expert.get_by_role("main").get_by_role("link", name=re.compile("Straßenschäden frühzeitig erkennen"))
    advising.click()
    check_a11y(expert)
    assert id_from(expert.url, "/bedarfe/") == need_id
    expert.goto("/konto")
    check_a11y(expert)
    expert.get_by_role("link", name="Mein Expertenprofil").click()
    check_a11y(expert)
    expert.get_by_role("link", name="Profil bearbeiten").click()
    check_a11y(expert)
    expert.get_by_label("Hinweis zur Verfügbarkeit").fill("ab Januar 2027 drei Tage im Monat")
    expert.get_by_role("button", name="Speichern").click()
    expect(expert.get_by_role("status").filter(has_text="Änderungen gespeichert.")).to_be_visible()
    check_a11y(expert)
    expect(expert.get_by_role("main")).to_contain_text("ab Januar 2027 drei Tage im Monat")


def test_market_overview_and_a_capability(open_page: Callable[..., Page]) -> None:
    page = open_page()
    page.goto("/wissen")
    check_a11y(page)
    page.get_by_role("link", name=re.compile("Marktüberblick")).click()
    check_a11y(page)
    page.get_by_role("link", name="Bildverarbeitung", exact=True).click()
    check_a11y(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Markt: Bildverarbeitung")
    expect(page.get_by_role("region", name="Anbieter").get_by_role("link").first).to_be_visible()
    snap(page, "market")


def test_the_unit_plans_a_pitch_day(open_page: Callable[..., Page]) -> None:
    page = open_page()
    login(page, "lotse")
    page.goto("/lotsenstelle")
    check_a11y(page)
    page.get_by_role("link", name="Pitch-Tage planen und durchführen").click()
    check_a11y(page)
    page.get_by_role("link", name="Pitch-Tag planen").click()
    check_a11y(page)
    page.get_by_label("Titel").fill("Pitch-Tag Stadtreinigung")
    page.get_by_label("Datum").fill("2027-03-04")
    page.get_by_label("Ort").fill("Rathaus Lotsenhafen, Raum 2")
    page.get_by_role("group", name="Bedarfe (angenommen)").get_by_role("checkbox").first.check()
    page.get_by_role("button", name="Pitch-Tag anlegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pitch-Tag Stadtreinigung")
    check_a11y(page)
    expect(page.get_by_role("region", name="Agenda", exact=True)).to_contain_text("Noch keine Pitches auf der Agenda.")
    snap(page, "pitch-day")
