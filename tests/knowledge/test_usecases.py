"""The use-case library: public, filterable, with source and licence; written by unit and experts only."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import login, make_org, make_usecase, make_user


def test_usecases_are_public_and_show_source(client: TestClient, session: Session) -> None:
    uc = make_usecase(
        session,
        title="Pothole detection",
        country="US",
        source="US inventory",
        licence="public-domain-us-gov",
        source_url="https://example.org/x",
    )
    data = client.get(f"/api/usecases/{uc.id}").json()
    assert data["source"] == "US inventory" and data["licence"] == "public-domain-us-gov"
    page = client.get(f"/wissen/{uc.id}").text
    assert "US inventory" in page and "public-domain-us-gov" in page
    listed = client.get("/api/usecases", params={"country": "us", "q": "Pothole"}).json()
    assert [u["title"] for u in listed["items"]] == ["Pothole detection"]


def test_usecase_needs_source_and_licence(client: TestClient, session: Session) -> None:
    login(client, make_user(session, role="expert", org=make_org(session, kind="research")))
    response = client.post("/api/usecases", json={"title": "Traffic forecasting", "description": "Forecasts."})
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["detail"]} == {"source", "licence"}
    ok = client.post(
        "/api/usecases",
        json={
            "title": "Traffic forecasting",
            "description": "Forecasts.",
            "source": "own pilot",
            "licence": "CC-BY-4.0",
            "country": "de",
        },
    )
    assert ok.status_code == 201 and ok.json()["country"] == "DE"


def test_startup_cannot_write_usecases(client: TestClient, session: Session) -> None:
    login(client, make_user(session, role="startup", org=make_org(session, kind="startup")))
    response = client.post("/api/usecases", json={"title": "Mine", "description": "x", "source": "s", "licence": "l"})
    assert response.status_code == 403
