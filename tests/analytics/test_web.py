"""The analytics page (unit only), the public statistics page (everyone), their downloads and the API."""

from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from tests.analytics.conftest import INTERNAL_TITLE, PUBLISHED_TITLE, Built
from tests.factories import login, make_user


def _as(client: TestClient, built: Built, who: str | None) -> TestClient:
    client.cookies.clear()
    if who:
        login(client, built.market.users[who])
    return client


def _svgs(html: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", html, re.S)


def test_the_unit_sees_every_figure_as_chart_table_and_downloads(client: TestClient, built: Built) -> None:
    response = _as(client, built, "unit").get("/lotsenstelle/auswertung")
    assert response.status_code == 200
    html = response.text
    for title in ["Trichter", "Tage in jeder Phase", "Übernahmequote", "Erstlieferanten", "Ausgaben bei Start-ups"]:
        assert title in html
    svgs = _svgs(html)
    assert len(svgs) == 8  # funnel, stages, decisions, start-ups, spend and three usage charts
    for svg in svgs:
        assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg and "aria-labelledby=" in svg
    # values written on the charts and in the tables, in German number formats
    assert "40.000 €" in html and "65.000 €" in html and "50,0 %" in html and "Median 4,0 Tage (n = 3)" in html
    assert (
        '<caption id="phasen-caption">Tabelle: Tage in jeder Phase</caption>' in html
        and '<th scope="row">Pitch</th>' in html
    )
    assert html.count('scope="col"') >= 20
    for key in ["trichter", "phasen", "entscheidungen", "startups", "ausgaben", "nutzung"]:
        assert f'href="/lotsenstelle/auswertung/{key}.csv"' in html and f'/lotsenstelle/auswertung/{key}.xlsx"' in html
    assert "style=" not in html and "<script>" not in html  # the CSP allows neither
    assert "Erstlieferanten: Start-ups, die über GovLotse ihren ersten" in html  # the definition is on the page
    assert INTERNAL_TITLE not in html  # aggregates only, even for the unit


def test_the_dashboard_links_to_the_analytics(client: TestClient, built: Built) -> None:
    assert 'href="/lotsenstelle/auswertung"' in _as(client, built, "unit").get("/lotsenstelle").text


@pytest.mark.parametrize("who", ["agency", "startup", "expert"])
def test_only_the_unit_and_admins_see_the_analytics(client: TestClient, built: Built, who: str) -> None:
    _as(client, built, who)
    for path in [
        "/lotsenstelle/auswertung",
        "/lotsenstelle/auswertung/trichter.csv",
        "/lotsenstelle/auswertung/ausgaben.xlsx",
    ]:
        assert client.get(path).status_code == 403, path
    assert client.get("/api/analytics").status_code == 403


def test_anonymous_visitors_are_sent_to_the_login(client: TestClient, built: Built) -> None:
    _as(client, built, None)
    for path in ["/lotsenstelle/auswertung", "/lotsenstelle/auswertung/trichter.csv"]:
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/anmelden"), path
    assert client.get("/api/analytics").status_code == 401


def test_the_api_gives_the_same_figures(client: TestClient, built: Built) -> None:
    data = _as(client, built, "unit").get("/api/analytics?weeks=4").json()
    assert [s["needs"] for s in data["funnel"]] == [4, 2, 1, 1, 1]
    pitch = next(s for s in data["stage_times"] if s["stage"] == "pitch")
    assert (pitch["median_days"], pitch["q1_days"], pitch["q3_days"], pitch["completed"]) == (4, 3, 5, 3)
    assert data["decisions"] == {"adopted": 1, "stopped": 1, "decided": 2, "adoption_rate": 0.5}
    assert data["startups"]["engaged"] == 3 and data["startups"]["first_time_suppliers"] == 2
    assert data["spend_total_eur"] == 65_000 and len(data["usage"]) == 4
    assert re.fullmatch(r"\d{4}-W\d{2}", data["usage"][-1]["week"])
    assert client.get("/api/analytics?weeks=0").status_code == 422


def test_csv_and_xlsx_downloads_hold_the_table(client: TestClient, built: Built) -> None:
    _as(client, built, "unit")
    response = client.get("/lotsenstelle/auswertung/phasen.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    assert rows[0][:3] == ["Phase", "Abgeschlossene Aufenthalte", "Median (Tage)"]
    pitch = next(r for r in rows if r[0] == "Pitch")
    assert pitch[1:7] == ["3", "4.0", "3.0", "5.0", "2.0", "6.0"]

    response = client.get("/lotsenstelle/auswertung/ausgaben.xlsx")
    assert response.status_code == 200 and "spreadsheetml" in response.headers["content-type"]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("Jahr", "Piloten", "Summe (netto)")
    assert values[1:] == [(2026, 1, 40_000), (2027, 1, 25_000)]
    assert sheet.cell(row=2, column=3).number_format == '#,##0 "€"'

    funnel = load_workbook(io.BytesIO(client.get("/lotsenstelle/auswertung/trichter.xlsx").content)).worksheets[0]
    assert [r[1] for r in funnel.iter_rows(min_row=2, values_only=True)] == [4, 2, 1, 1, 1]
    assert client.get("/lotsenstelle/auswertung/gibtsnicht.csv").status_code == 404


def test_everyone_sees_the_statistics_without_internal_needs(
    client: TestClient, built: Built, session: Session
) -> None:
    for who in [None, "startup", "agency", "unit"]:
        assert _as(client, built, who).get("/statistik").status_code == 200, who
    _as(client, built, None)
    html = client.get("/statistik").text
    assert len(_svgs(html)) == 3 and "Veröffentlichte Bedarfe" in html and "Piloten und ihre Ergebnisse" in html
    assert 'href="/statistik"' in html  # linked in the footer
    # the internal need is counted in the funnel but never named — nor is any case, start-up or price
    assert INTERNAL_TITLE not in html and built.market.challenge.title not in html
    assert PUBLISHED_TITLE not in html  # counts only, the list of needs names published ones
    for solution in built.market.solutions:
        assert solution.title not in html
    assert "40.000" not in html
    downloads = [client.get(f"/statistik/{key}.csv") for key in ["bedarfe", "piloten", "trichter"]]
    assert all(r.status_code == 200 for r in downloads)
    assert all(INTERNAL_TITLE not in r.text for r in downloads)
    rows = list(csv.reader(io.StringIO(downloads[1].text)))
    assert rows == [["Stand", "Piloten"], ["Laufend", "0"], ["Übernommen", "1"], ["Gestoppt", "1"]]
    sheet = load_workbook(io.BytesIO(client.get("/statistik/bedarfe.xlsx").content)).worksheets[0]
    assert list(sheet.iter_rows(values_only=True))[1] == ("Eingereicht", 1)


def test_english_pages_use_english_number_formats(client: TestClient, built: Built) -> None:
    html = _as(client, built, "unit").get("/lotsenstelle/auswertung?lang=en").text
    assert "40,000 €" in html and "50.0%" in html


def test_the_pages_work_before_there_is_any_pipeline(client: TestClient, session: Session) -> None:
    login(client, make_user(session, role="admin"))
    html = client.get("/lotsenstelle/auswertung").text
    assert "noch kein abgeschlossener Aufenthalt" in html and "Noch keine Daten." in html
    assert client.get("/lotsenstelle/auswertung/startups.xlsx").status_code == 200
    assert client.get("/statistik").status_code == 200
