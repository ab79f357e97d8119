"""Challenges through the JSON API: create, validate, list, edit with optimistic locking, transitions."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from govlotse.core.audit import AuditEvent
from tests.factories import login, make_challenge, make_org, make_user


@pytest.fixture
def agency(session: Session):
    return make_org(session, kind="agency", name="Bezirksamt Mitte")


@pytest.fixture
def agency_client(client: TestClient, session: Session, agency) -> TestClient:
    login(client, make_user(session, role="agency", org=agency))
    return client


def _payload(agency, **kw) -> dict:
    return {
        "organisation_id": agency.id,
        "title": "Bürgeranfragen schneller beantworten",
        "problem": "Wir erhalten 4.000 E-Mails im Monat und antworten im Schnitt nach 12 Tagen.",
        "desired_outcome": "Antwortzeit unter 3 Tagen",
        "budget_min": 20000,
        "budget_max": 80000,
        "tags": ["chatbot", "citizen-services"],
        **kw,
    }


def test_agency_files_a_need_for_itself(agency_client: TestClient, agency, session: Session) -> None:
    response = agency_client.post("/api/challenges", json=_payload(agency))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["organisation"]["name"] == "Bezirksamt Mitte"
    assert body["status"] == "submitted"
    assert body["tags"] == ["chatbot", "citizen-services"]
    assert body["version"] == 1
    event = session.scalar(
        select(AuditEvent).where(AuditEvent.action == "challenge.create", AuditEvent.entity_id == body["id"])
    )
    assert event is not None and event.actor_id is not None


def test_validation_errors_name_the_field(agency_client: TestClient, agency) -> None:
    response = agency_client.post(
        "/api/challenges",
        json=_payload(agency, title="", budget_min=90000, budget_max=10000, duration_months=0),
    )
    assert response.status_code == 422
    errors = {e["field"]: e["msg"] for e in response.json()["detail"]}
    assert set(errors) >= {"title", "budget_max", "duration_months"}
    assert "Minimum" in errors["budget_max"]


def test_validation_messages_in_english_on_request(agency_client: TestClient, agency) -> None:
    response = agency_client.post(
        "/api/challenges",
        json=_payload(agency, budget_min=9, budget_max=1),
        headers={"Accept-Language": "en"},
    )
    errors = {e["field"]: e["msg"] for e in response.json()["detail"]}
    assert errors["budget_max"] == "The maximum budget must be at least the minimum."


def test_unknown_tag_is_a_field_error(agency_client: TestClient, agency) -> None:
    response = agency_client.post("/api/challenges", json=_payload(agency, tags=["chatbot", "no-such-tag"]))
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["field"] == "tags" and "no-such-tag" in detail["msg"]


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        '{"organisation_id": "abc"}',
        '{"title": null}',
        '{"organisation_id": 1, "title": "' + "x" * 5000 + '", "problem": "p"}',
    ],
)
def test_bad_input_never_500(agency_client: TestClient, body: str) -> None:
    response = agency_client.post("/api/challenges", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["error"] == "invalid"


def test_unknown_ids_are_404(agency_client: TestClient) -> None:
    assert agency_client.get("/api/challenges/424242").status_code == 404
    assert agency_client.patch("/api/challenges/424242", json={"version": 1}).status_code == 404
    assert agency_client.get("/api/challenges/not-a-number").status_code == 422


def test_agency_cannot_file_for_another_agency(agency_client: TestClient, session: Session) -> None:
    other = make_org(session, kind="agency")
    response = agency_client.post("/api/challenges", json=_payload(other))
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "organisation_id"


def test_second_save_with_old_version_is_refused(agency_client: TestClient, agency, session: Session) -> None:
    challenge = make_challenge(session, org=agency)
    first = agency_client.patch(f"/api/challenges/{challenge.id}", json={"title": "Erste Fassung", "version": 1})
    assert first.status_code == 200 and first.json()["version"] == 2
    second = agency_client.patch(f"/api/challenges/{challenge.id}", json={"title": "Zweite Fassung", "version": 1})
    assert second.status_code == 409
    assert second.json()["current_version"] == 2
    assert agency_client.get(f"/api/challenges/{challenge.id}").json()["title"] == "Erste Fassung"


def test_partial_update_cannot_break_budget_rule(agency_client: TestClient, agency, session: Session) -> None:
    challenge = make_challenge(session, org=agency, budget_min=50000, budget_max=60000)
    response = agency_client.patch(f"/api/challenges/{challenge.id}", json={"budget_max": 1000, "version": 1})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "budget_max"


def test_an_explicit_null_for_a_required_field_names_the_field(
    agency_client: TestClient, agency, session: Session
) -> None:
    challenge = make_challenge(session, org=agency, title="Bleibt so")
    response = agency_client.patch(f"/api/challenges/{challenge.id}", json={"title": None, "version": 1})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "title"
    assert agency_client.get(f"/api/challenges/{challenge.id}").json()["title"] == "Bleibt so"
    # a field that may be empty is cleared by null
    cleared = agency_client.patch(f"/api/challenges/{challenge.id}", json={"budget_max": None, "version": 1})
    assert cleared.status_code == 200 and cleared.json()["budget_max"] is None


def test_list_filters_sorts_and_pages(agency_client: TestClient, agency, session: Session) -> None:
    for i in range(5):
        make_challenge(
            session,
            org=agency,
            title=f"Bedarf Nummer {i}",
            budget_max=10000 * (i + 1),
            tags=["gis"] if i % 2 else [],
        )
    page1 = agency_client.get("/api/challenges", params={"per_page": 2, "sort": "-budget_max", "q": "Nummer"}).json()
    assert page1["total"] == 5 and page1["pages"] == 3
    assert [c["title"] for c in page1["items"]] == ["Bedarf Nummer 4", "Bedarf Nummer 3"]
    page3 = agency_client.get(
        "/api/challenges", params={"per_page": 2, "page": 3, "sort": "-budget_max", "q": "Nummer"}
    ).json()
    assert [c["title"] for c in page3["items"]] == ["Bedarf Nummer 0"]
    tagged = agency_client.get("/api/challenges", params={"tag": "gis", "q": "Nummer"}).json()
    assert {c["title"] for c in tagged["items"]} == {"Bedarf Nummer 1", "Bedarf Nummer 3"}
    bad_sort = agency_client.get("/api/challenges", params={"sort": "password"})
    assert bad_sort.status_code == 422 and bad_sort.json()["detail"][0]["field"] == "sort"
    assert agency_client.get("/api/challenges", params={"per_page": 100000}).status_code == 422


def test_transitions_follow_the_table(client: TestClient, agency, session: Session) -> None:
    challenge = make_challenge(session, org=agency)
    unit = make_user(session, role="unit", org=make_org(session, kind="agency"))
    login(client, unit)
    declined = client.post(f"/api/challenges/{challenge.id}/transition", json={"to": "declined", "version": 1})
    assert declined.status_code == 422 and declined.json()["detail"][0]["field"] == "status_reason"
    illegal = client.post(f"/api/challenges/{challenge.id}/transition", json={"to": "closed", "version": 1})
    assert illegal.status_code == 409
    body = illegal.json()
    assert body["error"] == "illegal_transition" and (body["from"], body["to"]) == ("submitted", "closed")
    assert "„Eingereicht“ zu „Abgeschlossen“" in body["detail"] and body["reason"]
    ok = client.post(
        f"/api/challenges/{challenge.id}/transition",
        json={"to": "declined", "reason": "Doppelt gemeldet", "version": 1},
    )
    assert ok.status_code == 200
    assert ok.json()["status"] == "declined" and ok.json()["status_reason"] == "Doppelt gemeldet"


def test_agency_cannot_accept_its_own_need(agency_client: TestClient, agency, session: Session) -> None:
    challenge = make_challenge(session, org=agency)
    response = agency_client.post(f"/api/challenges/{challenge.id}/transition", json={"to": "accepted", "version": 1})
    assert response.status_code == 409
    assert "Lotsenstelle" in response.json()["detail"]
