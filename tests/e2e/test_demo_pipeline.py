"""The demo ships one need taken through the whole pipeline: a reviewer sees a finished pilot at once."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from tests.e2e.support import check_a11y, login, snap

pytestmark = pytest.mark.e2e


def test_demo_has_a_finished_pilot_with_analytics_and_lessons(open_page: Callable[..., Page]) -> None:
    page = open_page()
    login(page, "lotse")
    page.goto("/lotsenstelle/auswertung")
    check_a11y(page)
    main = page.get_by_role("main")
    expect(main).to_contain_text("Trichter")
    funnel = page.get_by_role("table", name=re.compile("Trichter"))
    expect(funnel).to_contain_text("Übernahme")
    expect(main).to_contain_text(re.compile(r"Median \d+,\d Tage"))  # days in stage from the demo history
    snap(page, "analytics-demo")

    page.goto("/faelle?stage=adopted")
    check_a11y(page)
    page.get_by_role("main").get_by_role("table").get_by_role("link").first.click()
    check_a11y(page)
    expect(page.get_by_role("heading", level=2, name=re.compile("Entscheidung: Go"))).to_be_visible()
    page.get_by_role("link", name="Zum Erfahrungsbericht in der Wissensbasis").click()
    check_a11y(page)
    expect(page.get_by_role("main")).to_contain_text("Entwurf")  # lessons learned became a draft article
    expect(page.get_by_role("main")).to_contain_text("Straßenmeisterei")
    page.get_by_role("link", name=re.compile("Versionen: wer hat was geändert")).click()
    check_a11y(page)
    page.get_by_role("link", name="Version 1").click()
    check_a11y(page)
    expect(page.get_by_role("heading", level=2)).to_have_text("Erste Fassung")
