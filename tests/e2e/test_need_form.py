"""The need form in a real browser: keyboard only, visible focus, announced errors, and robustness
(double submit, back button, a session that expires while the form is being written)."""

from __future__ import annotations

import hashlib
import re
import sqlite3
import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from tests.e2e.support import Server, check_a11y, fill_login, login

pytestmark = pytest.mark.e2e

PROBLEM = "Die Ausleihe von Lastenrädern wird per E-Mail und Excel verwaltet; Anfragen bleiben tagelang liegen."

# What the focused element shows: an outline or a ring (box-shadow), as :focus-visible in app.css draws it.
FOCUS_STYLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) { return null; }
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
  const ring = s.boxShadow && s.boxShadow !== 'none';
  return {id: el.id, tag: el.tagName, text: (el.innerText || el.value || '').slice(0, 40), visible: outline || ring};
}"""


def tab_to(page: Page, element_id: str, *, limit: int = 250, backwards: bool = False) -> None:
    """Press Tab until the element with ``element_id`` has focus; every stop on the way must show its focus."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        focused = page.evaluate(FOCUS_STYLE)
        assert focused is not None, "Tab left the page"
        assert focused["visible"], f"no visible focus on {focused}"
        if focused["id"] == element_id:
            return
    raise AssertionError(f"#{element_id} not reached with {limit} Tab presses")


def count_needs(page: Page, title: str) -> int:
    """How many needs with this exact title exist (the JSON API, with the browser's login)."""
    response = page.request.get("/api/challenges", params={"q": title, "per_page": 100})
    assert response.ok, response.text()
    return sum(1 for item in response.json()["items"] if item["title"] == title)


def test_keyboard_only_with_announced_errors(open_page: Callable[..., Page]) -> None:
    page = open_page()
    login(page, "behoerde")
    page.goto("/bedarfe/neu")
    check_a11y(page)

    # The first Tab reaches the skip link, which becomes visible; Enter jumps to the content.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Zum Inhalt springen")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, "the skip link stays off screen when focused"
    assert page.evaluate(FOCUS_STYLE)["visible"]
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    # Enter in the title field sends the empty form: the errors are announced and linked to their fields.
    tab_to(page, "f-title")
    page.keyboard.press("Enter")
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Bitte prüfen Sie Ihre Eingaben")
    check_a11y(page, where="(need form with errors)")
    title = page.get_by_role("textbox", name=re.compile("^Titel"))
    expect(title).to_have_attribute("aria-invalid", "true")
    error_text = page.locator("#e-title").inner_text().replace("Fehler:", "").strip()
    expect(title).to_have_accessible_description(re.compile(re.escape(error_text)))
    page.keyboard.press("Tab")
    expect(summary.get_by_role("link").first).to_be_focused()
    page.keyboard.press("Enter")  # the summary's link leads to the field
    expect(title).to_be_focused()

    # Typing only: title, problem, outcome; then on to the submit button.
    name = f"Lastenrad-Verleih digital verwalten ({uuid.uuid4().hex[:6]})"
    page.keyboard.type(name)
    tab_to(page, "f-problem")
    page.keyboard.type(PROBLEM)
    tab_to(page, "f-desired_outcome")
    page.keyboard.type("Jede Anfrage innerhalb eines Tages beantworten.")
    tab_to(page, "f-personal_data")
    page.keyboard.press("Space")
    expect(page.get_by_label("Es werden personenbezogene Daten verarbeitet")).to_be_checked()
    submit = page.get_by_role("button", name="Einreichen")
    for _ in range(400):
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUS_STYLE)["visible"], f"no visible focus on {page.evaluate(FOCUS_STYLE)}"
        if submit.evaluate("el => el === document.activeElement"):
            break
    else:
        raise AssertionError("the submit button was not reached with Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Angelegt.")).to_be_visible()
    check_a11y(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_role("main")).to_contain_text("Jede Anfrage innerhalb eines Tages beantworten.")


def test_double_submit_and_back_button_create_one_need(open_page: Callable[..., Page]) -> None:
    page = open_page()
    login(page, "behoerde")
    page.goto("/bedarfe/neu")
    check_a11y(page)
    name = f"Doppelt gesendet? ({uuid.uuid4().hex[:6]})"
    page.get_by_label("Titel").fill(name)
    page.get_by_label(re.compile("^Problem")).fill(PROBLEM)
    page.get_by_role("button", name="Einreichen").dblclick()
    expect(page.get_by_role("status").filter(has_text="Angelegt.")).to_be_visible()
    check_a11y(page)
    detail = page.url
    assert count_needs(page, name) == 1

    # Post/Redirect/Get: back shows the form again without sending anything; forward shows the need.
    page.go_back(wait_until="domcontentloaded")
    expect(page).to_have_url(re.compile(r"/bedarfe/neu$"))
    check_a11y(page)
    expect(page.get_by_role("button", name="Einreichen")).to_be_enabled()  # usable again, also from bfcache
    page.go_forward(wait_until="domcontentloaded")
    expect(page).to_have_url(detail)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    assert count_needs(page, name) == 1


def _expire_login(server: Server, page: Page) -> None:
    """Let the browser's login session run out on the server (as after GOVLOTSE_SESSION_DAYS)."""
    cookie = next(c for c in page.context.cookies() if c["name"] == "govlotse_session")
    digest = hashlib.sha256(cookie["value"].encode()).hexdigest()
    with sqlite3.connect(server.db_path, timeout=30) as db:
        changed = db.execute(
            "UPDATE login_sessions SET expires_at = '2000-01-01 00:00:00.000000' WHERE token_hash = ?", (digest,)
        ).rowcount
    assert changed == 1


def test_expired_session_keeps_the_typed_text(open_page: Callable[..., Page], server: Server) -> None:
    page = open_page()
    login(page, "behoerde")
    page.goto("/bedarfe/neu")
    check_a11y(page)
    name = f"Sitzung abgelaufen ({uuid.uuid4().hex[:6]})"
    page.get_by_label("Titel").fill(name)
    page.get_by_label(re.compile("^Problem")).fill(PROBLEM)
    page.get_by_label("Gewünschtes Ergebnis").fill("Anfragen am selben Tag beantworten.")
    page.get_by_label("Es werden personenbezogene Daten verarbeitet").check()

    _expire_login(server, page)
    page.get_by_role("button", name="Einreichen").click()
    expect(page).to_have_url(re.compile(r"/anmelden\?next="))
    check_a11y(page)
    fill_login(page, "behoerde")  # back to the form, with what was typed
    expect(page).to_have_url(re.compile(r"/bedarfe/neu"))
    expect(page.get_by_label("Titel")).to_have_value(name)
    expect(page.get_by_label(re.compile("^Problem"))).to_have_value(PROBLEM)
    expect(page.get_by_label("Gewünschtes Ergebnis")).to_have_value("Anfragen am selben Tag beantworten.")
    expect(page.get_by_label("Es werden personenbezogene Daten verarbeitet")).to_be_checked()
    expect(page.get_by_role("status").filter(has_text="wiederhergestellt")).to_be_visible()
    check_a11y(page, where="(draft restored)")
    assert count_needs(page, name) == 0

    page.get_by_role("button", name="Einreichen").click()
    expect(page.get_by_role("status").filter(has_text="Angelegt.")).to_be_visible()
    check_a11y(page)
    assert count_needs(page, name) == 1
    page.goto("/bedarfe/neu")  # the kept text is gone once the need is saved
    check_a11y(page)
    expect(page.get_by_label("Titel")).to_have_value("")
