"""Challenges in the browser (through the HTTP client): forms, inline errors, conflicts, status."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import csrf, login, make_challenge, make_org, make_user


@pytest.fixture
def agency(session: Session):
    return make_org(session, kind="agency", name="Bezirksamt Süd")


@pytest.fixture
def agency_client(client: TestClient, session: Session, agency) -> TestClient:
    login(client, make_user(session, role="agency", org=agency))
    return client


def _form(client: TestClient, **fields: str) -> dict:
    return {"csrf_token": csrf(client), **fields}


def test_new_need_form_is_labelled_and_german(agency_client: TestClient) -> None:
    page = agency_client.get("/bedarfe/neu")
    assert page.status_code == 200
    html = page.text
    assert '<html lang="de">' in html and "Bedarf melden" in html
    for field in ("title", "problem", "desired_outcome", "budget_min", "budget_max", "desired_start"):
        assert f'<label for="f-{field}">' in html, field
    assert "Bezirksamt Süd" in html  # the only agency the user may file for is preset
    assert '<main id="main"' in html and "<nav" in html and "<header" in html and "<footer" in html


def test_submit_need_through_the_form(agency_client: TestClient) -> None:
    response = agency_client.post(
        "/bedarfe/neu",
        data=_form(
            agency_client,
            title="Parkraum besser nutzen",
            problem="Parkplätze sind unklar belegt.",
            budget_min="10000",
            budget_max="30000",
            tags=["iot-sensors", "mobility"],
            personal_data="1",
            action="submit",
        ),
        follow_redirects=False,
    )
    assert response.status_code == 303
    detail = agency_client.get(response.headers["location"])
    assert "Parkraum besser nutzen" in detail.text
    assert "Eingereicht" in detail.text and "Angelegt." in detail.text
    assert "Sensorik &amp; IoT" in detail.text


def test_save_as_draft(agency_client: TestClient) -> None:
    response = agency_client.post(
        "/bedarfe/neu",
        data=_form(agency_client, title="Entwurf Parkraum", problem="Noch unklar.", action="draft"),
    )
    assert response.status_code == 200 and "Entwurf" in response.text


def test_inline_errors_keep_the_input(agency_client: TestClient) -> None:
    response = agency_client.post(
        "/bedarfe/neu",
        data=_form(
            agency_client,
            title="ab",
            problem="Ein Problem",
            budget_min="50000",
            budget_max="100",
            desired_start="2027-02-30",
            action="submit",
        ),
    )
    assert response.status_code == 422
    html = response.text
    assert 'id="error-summary"' in html and 'role="alert"' in html
    assert 'href="#f-title"' in html and 'href="#f-budget_max"' in html and 'href="#f-desired_start"' in html
    assert re.search(r'id="f-budget_max"[^>]*aria-invalid="true"', html, re.S) or re.search(
        r'aria-describedby="e-budget_max"', html
    )
    assert 'value="50000"' in html and "Ein Problem" in html  # nothing typed is lost


def test_post_without_csrf_token_is_refused(agency_client: TestClient) -> None:
    response = agency_client.post("/bedarfe/neu", data={"title": "X", "problem": "Y"})
    assert response.status_code == 403
    assert "Formular ist abgelaufen" in response.text


def test_concurrent_edit_is_refused_and_input_kept(agency_client: TestClient, agency, session: Session) -> None:
    challenge = make_challenge(session, org=agency, title="Ursprünglicher Titel")
    form = agency_client.get(f"/bedarfe/{challenge.id}/bearbeiten").text
    assert 'name="version" value="1"' in form
    # someone else saves first
    first = agency_client.post(
        f"/bedarfe/{challenge.id}/bearbeiten",
        data=_form(agency_client, title="Titel von Kollegin", problem=challenge.problem, version="1"),
        follow_redirects=False,
    )
    assert first.status_code == 303
    second = agency_client.post(
        f"/bedarfe/{challenge.id}/bearbeiten",
        data=_form(agency_client, title="Mein Titel", problem=challenge.problem, version="1"),
    )
    assert second.status_code == 409
    assert "Mein Titel" in second.text  # my input is still on the form
    assert "Titel von Kollegin" in second.text  # and I see what is stored
    assert 'name="version" value="2"' in second.text
    assert agency_client.get(f"/api/challenges/{challenge.id}").json()["title"] == "Titel von Kollegin"


def test_unit_declines_with_reason_the_agency_sees(client: TestClient, agency, session: Session) -> None:
    challenge = make_challenge(session, org=agency)
    login(client, make_user(session, role="unit", org=make_org(session, kind="agency")))
    missing_reason = client.post(f"/bedarfe/{challenge.id}/status", data=_form(client, to="declined", version="1"))
    assert missing_reason.status_code == 422 and "Begründung" in missing_reason.text
    done = client.post(
        f"/bedarfe/{challenge.id}/status",
        data=_form(client, to="declined", reason="Bereits durch Rahmenvertrag abgedeckt", version="1"),
        follow_redirects=False,
    )
    assert done.status_code == 303
    login(client, make_user(session, role="agency", org=agency))
    page = client.get(f"/bedarfe/{challenge.id}")
    assert "Abgelehnt" in page.text and "Bereits durch Rahmenvertrag abgedeckt" in page.text


def test_list_page_filters_and_pages(client: TestClient, agency, session: Session) -> None:
    for i in range(25):
        make_challenge(session, org=agency, title=f"Öffentlich {i:02d}", visibility="published")
    page1 = client.get("/bedarfe", params={"q": "Öffentlich"})
    assert "25 Bedarfe gefunden" in page1.text
    assert "Seite 1 von 2" in page1.text
    page2 = client.get("/bedarfe", params={"q": "Öffentlich", "page": 2})
    assert page2.text.count('class="card"') == 5


def test_english_ui_on_request(client: TestClient) -> None:
    page = client.get("/bedarfe", params={"lang": "en"})
    assert '<html lang="en">' in page.text and ">Needs<" in page.text
    again = client.get("/bedarfe")  # the choice is remembered
    assert '<html lang="en">' in again.text
    back = client.get("/bedarfe", params={"lang": "de"})
    assert '<html lang="de">' in back.text and ">Bedarfe<" in back.text


def test_forms_work_as_a_browser_submits_them(client: TestClient, session: Session, agency) -> None:
    from tests.browser import submit
    from tests.factories import PASSWORD

    user = make_user(session, role="agency", org=agency)
    logged_in = submit(client, "/anmelden", "/anmelden", {"email": user.email, "password": PASSWORD})
    assert logged_in.status_code == 200 and "Sie sind angemeldet." in logged_in.text
    created = submit(
        client,
        "/bedarfe/neu",
        "/bedarfe/neu",
        {"title": "Graffiti schneller entfernen", "problem": "Meldungen bleiben liegen."},
        button=("action", "submit"),
    )
    assert created.status_code == 200 and "Graffiti schneller entfernen" in created.text
    challenge_id = created.url.path.rsplit("/", 1)[1]
    edited = submit(
        client,
        f"/bedarfe/{challenge_id}/bearbeiten",
        f"/bedarfe/{challenge_id}/bearbeiten",
        {"title": "Graffiti und Sperrmüll schneller entfernen"},
    )
    assert "Graffiti und Sperrmüll schneller entfernen" in edited.text and "Änderungen gespeichert." in edited.text
    back_to_draft = submit(
        client, f"/bedarfe/{challenge_id}", f"/bedarfe/{challenge_id}/status", button=("to", "draft")
    )
    assert "Status geändert." in back_to_draft.text and "Entwurf" in back_to_draft.text
    logged_out = submit(client, "/", "/abmelden")
    assert "Sie sind abgemeldet." in logged_out.text
