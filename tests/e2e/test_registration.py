"""A start-up registers in the browser, confirms its address from the mail, completes its profile, offers a
solution that fits a published need; the unit approves the registration; a forgotten password is reset."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from tests.conftest import Mailbox
from tests.e2e.support import DEMO_PASSWORDS, MOBILE, check_a11y, login, snap

pytestmark = pytest.mark.e2e

EMAIL = "greta@strassenblick.example"
PASSWORD = "Strassenblick-2026!"


def status(page: Page, text: str) -> None:
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()
    check_a11y(page)


def test_startup_registers_and_is_approved(open_page: Callable[..., Page], mailbox: Mailbox) -> None:
    page = open_page()
    page.goto("/")
    check_a11y(page)
    page.get_by_role("link", name="Registrieren", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start-up registrieren")
    check_a11y(page)

    # A mistake first: the errors are announced, linked to their fields, and the input stays.
    page.get_by_label("Name der Organisation").fill("Straßenblick GmbH")
    page.get_by_label("Website").fill("strassenblick.example")
    page.get_by_label("Ihr Name").fill("Greta Gründerin")
    page.get_by_label("E-Mail-Adresse").fill(EMAIL)
    page.get_by_label("Passwort").fill("kurz")
    page.get_by_role("button", name="Registrieren").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Bitte prüfen Sie Ihre Eingaben")
    check_a11y(page)
    snap(page, "register-errors")
    expect(page.get_by_label("Name der Organisation")).to_have_value("Straßenblick GmbH")
    summary.get_by_role("link").first.click()
    page.get_by_label("Website").fill("https://strassenblick.example")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Registrieren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bitte prüfen Sie Ihr Postfach")
    check_a11y(page)

    # The mail reached the SMTP server; its link opens a confirmation page with a button.
    assert len(mailbox.to(EMAIL)) == 1  # sent after the commit, before the answer
    page.goto(mailbox.link(EMAIL))
    check_a11y(page)
    page.get_by_role("button", name="E-Mail-Adresse bestätigen").click()
    status(page, "E-Mail-Adresse bestätigt.")

    # Log in (the login page came with the confirmation), see the pending notice, complete the profile.
    page.get_by_label("E-Mail-Adresse").fill(EMAIL)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Anmelden").click()
    status(page, "Sie sind angemeldet.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mein Konto")
    expect(page.get_by_role("main")).to_contain_text("wartet auf die Freigabe durch die Lotsenstelle")
    snap(page, "account-pending")
    page.get_by_role("link", name="Profil von Straßenblick GmbH bearbeiten").click()
    check_a11y(page)
    page.get_by_label("Ort").fill("Hamburg")
    page.get_by_label("Beschreibung").fill(
        "Straßenblick erkennt Schäden an Straßen und Radwegen aus Kamerabildern von Dienstfahrzeugen."
    )
    page.get_by_role("button", name="Speichern").click()
    status(page, "Änderungen gespeichert.")
    expect(page.get_by_role("main")).to_contain_text("erst sichtbar, wenn die Lotsenstelle es freigegeben hat")

    # A solution, and the published needs it fits.
    page.goto("/konto")
    check_a11y(page)
    page.get_by_role("link", name="Lösung anlegen").click()
    check_a11y(page)
    page.get_by_label("Name der Lösung").fill("Straßenblick Schadenserkennung")
    page.get_by_label("Beschreibung").fill(
        "Kameras auf Müll- und Dienstfahrzeugen erkennen Schlaglöcher, Risse und Straßenschäden automatisch "
        "und melden sie mit Foto und Position an die Straßenunterhaltung."
    )
    page.get_by_role("button", name="Speichern").click()
    status(page, "Angelegt.")
    fitting = page.get_by_role("region", name="Offene Bedarfe, zu denen diese Lösung passt")
    expect(fitting.get_by_role("link").first).to_be_visible()
    snap(page, "registered-solution")

    # The unit approves the registration.
    unit = open_page()
    login(unit, "lotse")
    unit.get_by_role("link", name="Lotsenstelle", exact=True).click()
    check_a11y(unit)
    unit.get_by_role("link", name="Registrierungen warten auf Freigabe").click()
    check_a11y(unit)
    entry = unit.get_by_role("region", name="Straßenblick GmbH")
    expect(entry).to_contain_text("https://strassenblick.example")
    snap(unit, "approvals")
    entry.get_by_role("button", name="Freigeben").click()
    status(unit, "Organisation freigegeben")
    expect(unit.get_by_role("region", name="Straßenblick GmbH")).to_have_count(0)
    assert "ist freigegeben" in str(mailbox.last(EMAIL)["Subject"])

    # Now everyone finds the company.
    visitor = open_page()
    visitor.goto("/startups?q=Straßenblick")
    check_a11y(visitor)
    expect(visitor.get_by_role("link", name="Straßenblick GmbH")).to_be_visible()


def test_a_forgotten_password_is_reset_by_mail(open_page: Callable[..., Page], mailbox: Mailbox) -> None:
    page = open_page(MOBILE)
    page.goto("/anmelden")
    check_a11y(page)
    page.get_by_role("link", name="Passwort vergessen?").click()
    check_a11y(page)
    page.get_by_label("E-Mail-Adresse").fill("expertin@demo.govlotse.example")
    page.get_by_role("button", name="Link anfordern").click()
    status(page, "Wenn es zu dieser Adresse ein Konto gibt")
    page.goto(mailbox.link("expertin@demo.govlotse.example"))
    check_a11y(page)
    # The demo password again, so that other journeys can still log in as the expert.
    page.get_by_label(re.compile(r"^Neues Passwort \(")).fill(DEMO_PASSWORDS["expertin"])
    page.get_by_label("Neues Passwort wiederholen").fill(DEMO_PASSWORDS["expertin"])
    page.get_by_role("button", name="Passwort speichern").click()
    status(page, "Ihr Passwort ist geändert.")
    page.get_by_label("E-Mail-Adresse").fill("expertin@demo.govlotse.example")
    page.get_by_label("Passwort").fill(DEMO_PASSWORDS["expertin"])
    page.get_by_role("main").get_by_role("button", name="Anmelden").click()
    status(page, "Sie sind angemeldet.")
    expect(page).to_have_url(re.compile(r"/(\?.*)?$"))


def test_account_pages_invitations_tokens_and_my_data(open_page: Callable[..., Page], mailbox: Mailbox) -> None:
    page = open_page()
    login(page, "startup")
    page.goto("/konto")
    check_a11y(page)

    # The owner invites a colleague, who joins from the mail.
    page.get_by_role("main").get_by_role("link", name="Aktenlicht GmbH", exact=True).click()
    check_a11y(page)
    page.get_by_role("link", name="Mitglieder und Einladungen").click()
    check_a11y(page)
    page.get_by_label("E-Mail-Adresse").fill("kollegin@aktenlicht.example")
    page.get_by_role("button", name="Einladung senden").click()
    status(page, "Einladung gesendet.")
    expect(page.get_by_role("table").filter(has_text="kollegin@aktenlicht.example")).to_be_visible()
    snap(page, "members")
    colleague = open_page()
    colleague.goto(mailbox.link("kollegin@aktenlicht.example"))
    check_a11y(colleague)
    colleague.get_by_label("Ihr Name").fill("Kira Kollegin")
    colleague.get_by_label("Passwort").fill("Aktenlicht-Kollegin-1")
    colleague.get_by_role("button", name="Konto anlegen und Einladung annehmen").click()
    status(colleague, "Willkommen!")
    expect(colleague.get_by_role("main")).to_contain_text("Aktenlicht GmbH")

    # An API token, shown once.
    page.goto("/konto")
    check_a11y(page)
    page.get_by_role("link", name="API-Tokens für Programme").click()
    check_a11y(page)
    page.get_by_label("Name").fill("Abgleich CRM")
    page.get_by_role("button", name="Token anlegen").click()
    status(page, "API-Token angelegt.")
    secret = page.get_by_label("Neues API-Token").input_value()
    assert secret.startswith("glt_")
    snap(page, "api-token")
    page.reload()
    check_a11y(page)
    expect(page.get_by_label("Neues API-Token")).to_have_count(0)

    # My data: the download and the (not taken) way to delete the account.
    page.goto("/konto/daten")
    check_a11y(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Meine Daten herunterladen (JSON)").click()
    assert download.value.suggested_filename == "govlotse-meine-daten.json"
    page.get_by_role("button", name="Konto endgültig löschen").click()
    expect(page.get_by_role("alert")).to_contain_text("Bitte prüfen Sie Ihre Eingaben")
    check_a11y(page)
