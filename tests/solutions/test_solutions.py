"""Solutions: a start-up maintains its offerings through API and form; filters work on both databases."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import csrf, login, make_org, make_solution, make_user


@pytest.fixture
def startup(session: Session):
    return make_org(session, kind="startup", name="Lesbar GmbH")


def test_startup_adds_a_solution_through_the_form(client: TestClient, session: Session, startup) -> None:
    login(client, make_user(session, role="startup", org=startup))
    form = client.get("/loesungen/neu")
    assert form.status_code == 200 and "Lesbar GmbH" in form.text
    response = client.post(
        "/loesungen/neu",
        data={
            "csrf_token": csrf(client),
            "title": "Leichte Sprache KI",
            "description": "Übersetzt Bescheide in Leichte Sprache und prüft Verständlichkeit.",
            "maturity": "market",
            "hosting_options": ["saas_germany", "on_premise"],
            "certifications": ["iso_27001"],
            "languages": ["de", "en", "ar"],
            "tags": ["plain-language"],
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    page = client.get(response.headers["location"]).text
    assert "Leichte Sprache KI" in page and "On-Premises" in page and "Arabisch" in page


def test_solution_form_errors(client: TestClient, session: Session, startup) -> None:
    login(client, make_user(session, role="startup", org=startup))
    response = client.post(
        "/loesungen/neu",
        data={"csrf_token": csrf(client), "title": "X", "description": "kurz", "maturity": "vaporware"},
    )
    assert response.status_code == 422
    for field in ("title", "description", "maturity"):
        assert f'href="#f-{field}"' in response.text


def test_api_validates_codes(client: TestClient, session: Session, startup) -> None:
    login(client, make_user(session, role="startup", org=startup))
    response = client.post(
        "/api/solutions",
        json={
            "organisation_id": startup.id,
            "title": "Scanner",
            "description": "Scans documents very well indeed.",
            "maturity": "market",
            "hosting_options": ["moon_base"],
            "languages": ["xx"],
        },
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["detail"]}
    assert fields == {"hosting_options", "languages"}


def test_filters_on_json_lists(client: TestClient, session: Session, startup) -> None:
    make_solution(
        session,
        org=startup,
        title="Alpha",
        hosting_options=["on_premise"],
        certifications=["bsi_c5"],
        languages=["de"],
    )
    make_solution(session, org=startup, title="Beta", hosting_options=["saas_eu"], languages=["en", "uk"])

    def titles(**params: str) -> set[str]:
        items = client.get("/api/solutions", params={"organisation_id": startup.id, **params}).json()["items"]
        return {s["title"] for s in items}

    assert titles(hosting="on_premise") == {"Alpha"}
    assert titles(certification="bsi_c5") == {"Alpha"}
    assert titles(language="uk") == {"Beta"}
    assert titles() == {"Alpha", "Beta"}


def test_organisation_profile_edit(client: TestClient, session: Session, startup) -> None:
    login(client, make_user(session, role="startup", org=startup))
    form = client.get(f"/organisationen/{startup.id}/bearbeiten")
    assert form.status_code == 200
    bad = client.post(
        f"/organisationen/{startup.id}/bearbeiten",
        data={
            "csrf_token": csrf(client),
            "name": "Lesbar GmbH",
            "website": "lesbar",
            "founded_year": "1700",
            "version": str(startup.version),
        },
    )
    assert bad.status_code == 422 and 'href="#f-website"' in bad.text and 'href="#f-founded_year"' in bad.text
    ok = client.post(
        f"/organisationen/{startup.id}/bearbeiten",
        data={
            "csrf_token": csrf(client),
            "name": "Lesbar GmbH",
            "website": "https://lesbar.example",
            "location": "Lübeck",
            "founded_year": "2022",
            "size": "1-10",
            "tags": ["plain-language"],
            "version": str(startup.version),
        },
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert "Lübeck" in client.get(f"/organisationen/{startup.id}").text


def test_solution_and_profile_forms_as_a_browser_submits_them(client: TestClient, session: Session, startup) -> None:
    from tests.browser import submit

    login(client, make_user(session, role="startup", org=startup))
    created = submit(
        client,
        "/loesungen/neu",
        "/loesungen/neu",
        {
            "title": "Formularlotse",
            "description": "Füllt Antragsformulare mit Bürgerinnen und Bürgern aus.",
            "tags": ["e-government-forms"],
        },
    )
    assert created.status_code == 200 and "Formularlotse" in created.text
    solution_id = created.url.path.rsplit("/", 1)[1]
    edited = submit(
        client,
        f"/loesungen/{solution_id}/bearbeiten",
        f"/loesungen/{solution_id}/bearbeiten",
        {"references": "Pilot 2025"},
    )
    assert "Pilot 2025" in edited.text
    profile = submit(
        client,
        f"/organisationen/{startup.id}/bearbeiten",
        f"/organisationen/{startup.id}/bearbeiten",
        {"location": "Rostock"},
    )
    assert "Rostock" in profile.text and "Änderungen gespeichert." in profile.text


def test_english_pages_translate_macros_too(client: TestClient, session: Session, startup) -> None:
    make_solution(session, org=startup, is_fictional=True)
    page = client.get("/loesungen", params={"lang": "en"}).text
    assert "Fictional (demo)" in page and "Fiktiv" not in page
    form = client.get("/anmelden").text
    assert "(required)" in form
