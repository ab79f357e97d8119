"""Helpers for the browser tests: axe-core checks, screenshots, logging in, the demo accounts.

Every page a journey visits is checked with axe-core (WCAG 2.0/2.1, levels A and AA); the page fixture
fails a test that loaded a page it never checked, so a new step cannot slip past the accessibility check.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, ViewportSize, expect

E2E_DIR = Path(__file__).resolve().parent
ROOT = E2E_DIR.parents[1]
AXE_JS = E2E_DIR / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "var" / "screenshots"

DESKTOP: ViewportSize = {"width": 1280, "height": 800}
MOBILE: ViewportSize = {"width": 390, "height": 844}

# The WCAG 2.1 A/AA rule sets (BITV 2.0 refers to WCAG 2.1 AA).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# No rule is switched off: every rule of these tags applies to our pages. Add an entry only for a rule
# that truly cannot apply, with the reason next to it, e.g. {"rule-id": "why it does not apply"}.
AXE_DISABLED: dict[str, str] = {}

DEMO_PASSWORDS = {
    "lotse": "demo-lotse-2026",
    "behoerde": "demo-behoerde-2026",
    "startup": "demo-startup-2026",
    "expertin": "demo-expertin-2026",
    "admin": "demo-admin-2026",
}

_AXE_RUN = """async ({tags, disabled}) => {
  const rules = {};
  for (const id of disabled) { rules[id] = {enabled: false}; }
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, rules, resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.map(String).join(' '), summary: n.failureSummary || ''})),
  }));
}"""


@dataclass
class Visits:
    """What a page loaded and what of it was checked with axe (paths, without query)."""

    loaded: list[str] = field(default_factory=list)
    checked: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)

    def unchecked(self) -> list[str]:
        return sorted({p for p in self.loaded if p not in self.checked})


_visits: weakref.WeakKeyDictionary[Page, Visits] = weakref.WeakKeyDictionary()


@dataclass
class Server:
    base_url: str
    db_url: str
    db_path: Path
    log_path: Path

    def log_size(self) -> int:
        return self.log_path.stat().st_size

    def log_since(self, offset: int) -> str:
        with self.log_path.open("rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", "replace")


def _path(url: str) -> str:
    return urlsplit(url).path


def track(page: Page) -> Visits:
    """Record every document the page loads, and script errors and CSP refusals in it."""
    visits = Visits()
    _visits[page] = visits
    page.on("load", lambda p: visits.loaded.append(_path(p.url)))
    page.on("pageerror", lambda exc: visits.errors.append(f"script error on {page.url}: {exc}"))

    def console(msg: object) -> None:
        text = getattr(msg, "text", "")
        if getattr(msg, "type", "") == "error" and ("Content Security Policy" in text or "Refused to" in text):
            visits.errors.append(f"CSP refusal on {page.url}: {text}")

    page.on("console", console)
    return visits


def visits_of(page: Page) -> Visits:
    return _visits.setdefault(page, Visits())


def _axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def check_a11y(page: Page, *, where: str = "") -> None:
    """Run axe-core on the page as it is now; any WCAG 2.1 A/AA violation fails with a readable list.

    axe is evaluated through the DevTools protocol (not a <script> tag): the app's Content-Security-Policy
    forbids inline script, and must stay in force while we test.
    """
    for attempt in (1, 2):
        page.wait_for_load_state("domcontentloaded")  # after app.css: the deferred app.js waits for it
        try:
            if not page.evaluate("() => typeof window.axe !== 'undefined'"):
                page.evaluate(_axe_source())
            violations = page.evaluate(_AXE_RUN, {"tags": AXE_TAGS, "disabled": list(AXE_DISABLED)})
            break
        except PlaywrightError as exc:  # a navigation still under way replaced the document: check the new one
            if attempt == 2 or "context was destroyed" not in str(exc):
                raise
    visits_of(page).checked.add(_path(page.url))
    if violations:
        lines = [f"axe found {len(violations)} WCAG 2.1 A/AA violation(s) on {page.url} {where}".rstrip()]
        for v in violations:
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
            for node in v["nodes"][:8]:
                summary = " ".join(node["summary"].split())
                lines.append(f"    at {node['target']}: {summary[:300]}")
            if len(v["nodes"]) > 8:
                lines.append(f"    … and {len(v['nodes']) - 8} more")
        raise AssertionError("\n".join(lines))


def snap(page: Page, name: str) -> None:
    """Screenshots at desktop and mobile width into var/screenshots; the mobile layout is checked with axe too."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size or DESKTOP
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size(MOBILE)
    check_a11y(page, where="(mobile width)")
    page.screenshot(path=str(SCREENSHOTS / f"{name}-mobile.png"), full_page=True)
    page.set_viewport_size(size)


def login(page: Page, who: str, *, next_path: str = "") -> None:
    """Log in through the login form as a demo account (lotse, behoerde, startup, expertin, admin)."""
    page.goto("/anmelden" + (f"?next={next_path}" if next_path else ""))
    check_a11y(page)
    fill_login(page, who)


def fill_login(page: Page, who: str) -> None:
    """Fill and send the login form that is on the page; the page it leads to is checked with axe."""
    page.get_by_label("E-Mail-Adresse").fill(f"{who}@demo.govlotse.example")
    page.get_by_label("Passwort").fill(DEMO_PASSWORDS[who])
    page.get_by_role("main").get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("status").filter(has_text="Sie sind angemeldet.")).to_be_visible()
    check_a11y(page)


def id_from(url: str, prefix: str) -> int:
    """The number after ``prefix`` in a URL, e.g. id_from('/bedarfe/12?x', '/bedarfe/') == 12."""
    match = re.search(re.escape(prefix) + r"(\d+)", url)
    assert match, f"{prefix}<id> not in {url}"
    return int(match.group(1))
