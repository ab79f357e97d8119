"""Browser tests: the real server on a fresh demo database, driven by Debian's Chromium through Playwright.

One server for the whole session: a temporary SQLite database is migrated and filled with the demo data
by the real CLI (`govlotse db upgrade`, `govlotse demo load`), then `govlotse serve` runs as a subprocess
on a free port. Without a Chromium the tests are skipped locally and fail in CI (CI=true).
"""

from __future__ import annotations

import json
import os
import shutil
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright
from tests.e2e.support import AXE_JS, DESKTOP, SCREENSHOTS, Server, track, visits_of
from tests.serving import environment, free_port, load_demo, serving

expect.set_options(timeout=15_000)

# Headless as root in a container without outside network: no sandbox, no background connections.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests must run in CI, but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """The system Chromium (GOVLOTSE_E2E_CHROMIUM, or chromium on PATH); never a downloaded browser."""
    candidates = [os.environ.get("GOVLOTSE_E2E_CHROMIUM", "")]
    candidates += [shutil.which(name) or "" for name in ("chromium", "chromium-browser", "google-chrome")]
    found = next((c for c in candidates if c and Path(c).exists()), None)
    if found is None:
        _unavailable("no Chromium found (apt-get install chromium, or set GOVLOTSE_E2E_CHROMIUM)")
    if not AXE_JS.exists():
        _unavailable(f"axe-core is missing ({AXE_JS}); run `make install-dev` (npm ci in tests/e2e)")
    assert found is not None
    return found


@pytest.fixture(scope="session")
def server(chromium_path: str, tmp_path_factory: pytest.TempPathFactory, smtp_server: Any) -> Iterator[Server]:
    """`govlotse serve` on a fresh demo database (migrated and loaded by the real CLI), mailing to the test SMTP."""
    folder = tmp_path_factory.mktemp("e2e")
    db_path = folder / "e2e.sqlite3"
    port = free_port()
    env = environment(folder, database_url=f"sqlite:///{db_path}", port=port, smtp_port=smtp_server.port)
    load_demo(folder, env)
    base_url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as r:
                return bool(r.status == 200)
        except OSError:
            return False

    with serving(folder, env, ready=healthy, timeout=60) as log_path:
        for old in SCREENSHOTS.glob("*.png"):
            old.unlink()
        yield Server(base_url=base_url, db_url=env["GOVLOTSE_DATABASE_URL"], db_path=db_path, log_path=log_path)


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Browser]:
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def _no_server_errors(server: Server) -> Iterator[None]:
    """A test fails if the server answered with a 500 or logged an unhandled error while it ran.

    (Errors the app handles and logs as warnings, e.g. a usage count lost to a busy SQLite, do not count.)
    """
    offset = server.log_size()
    yield
    bad = []
    for line in server.log_since(offset).splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:  # not from the logging set-up: a crash printed to the terminal
            bad.append(line)
            continue
        if entry.get("level") in ("ERROR", "CRITICAL") or int(entry.get("status", 0)) >= 500:
            bad.append(line)
    if bad:
        pytest.fail("the server logged errors:\n" + "\n".join(bad[:20]), pytrace=False)


@pytest.fixture
def open_page(browser: Browser, server: Server) -> Iterator[Callable[..., Page]]:
    """Open a page in a new browser context (its own cookies: one person at one computer).

    After the test: every page it loaded must have been checked with axe, and no page may have shown
    a script error or a Content-Security-Policy refusal.
    """
    contexts: list[Any] = []
    pages: list[Page] = []

    def make(viewport: ViewportSize | None = None) -> Page:
        context = browser.new_context(
            viewport=viewport or DESKTOP, base_url=server.base_url, accept_downloads=True, locale="de-DE"
        )
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        track(page)
        pages.append(page)
        return page

    yield make
    problems: list[str] = []
    for page in pages:
        visits = visits_of(page)
        problems += [f"loaded but never checked with check_a11y(): {p}" for p in visits.unchecked()]
        problems += visits.errors
    for context in contexts:
        context.close()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
