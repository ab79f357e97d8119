"""Ids that can name no record (beyond PostgreSQL's integer range) are refused, never a server error.

SQLite cannot even bind an integer beyond 2**63; before, such ids in a path, a query or a form field
answered 500. Now the API and the pages refuse them as invalid input (422), or treat them as no record.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from govlotse.core.schemas import MAX_ID, parse_id
from tests.factories import csrf, login, make_challenge, make_org, make_user

HUGE = "9" * 30


IDS = [("17", 17), (" 17 ", 17), ("", None), (None, None), ("0", None), ("-3", None), ("1e3", None), ("²", None)]
IDS += [(str(MAX_ID), MAX_ID), (str(MAX_ID + 1), None), (HUGE, None), ("9" * 5000, None)]


@pytest.mark.parametrize(("value", "expected"), IDS)
def test_parse_id(value: object, expected: int | None) -> None:
    assert parse_id(value) == expected


def test_out_of_range_ids_are_refused_not_server_errors(client: TestClient, session: Session) -> None:
    need = make_challenge(session, org=make_org(session, kind="agency"), status="accepted")
    login(client, make_user(session, role="unit", org=make_org(session, kind="agency")))
    token = csrf(client)
    advice = {"value": "1000", "kind": "services", "authority": "sub-central", "start_date": "2026-01-01"}
    calls: list[tuple[str, str, dict[str, str] | None, int]] = [
        ("GET", f"/api/cases/{HUGE}", None, 422),
        ("GET", f"/api/challenges?organisation_id={HUGE}", None, 422),
        ("GET", f"/faelle/{HUGE}", None, 422),
        ("GET", f"/markterkundung/{HUGE}", None, 422),
        ("GET", f"/vergabe/ergebnis/{HUGE}", None, 422),
        ("GET", f"/bedarfe/aehnliche?text=Schlaglöcher+früher+erkennen+und+melden&exclude={HUGE}", None, 422),
        ("GET", f"/vergabe?bedarf={HUGE}", None, 200),  # no such need: the advisor without one
        ("GET", f"/vergabe/ki-verordnung?bedarf={HUGE}", None, 200),
        ("POST", "/vergabe/speichern", {"csrf_token": token, **advice, "challenge_id": HUGE}, 422),
        ("POST", "/vergabe/ki-verordnung/speichern", {"csrf_token": token, "use_date": "2026-01-01"}, 404),
        ("POST", "/vergabe/ki-verordnung/speichern", {"csrf_token": token, "challenge_id": str(need.id)}, 422),
        ("POST", f"/bedarfe/{need.id}/zusammenfuehren", {"csrf_token": token, "merged_into_id": HUGE}, 422),
    ]
    answers = [
        (m, url, client.request(m, url, data=data, follow_redirects=False).status_code) for m, url, data, _ in calls
    ]
    assert answers == [(m, url, expected) for m, url, _, expected in calls]


def test_the_ai_act_form_checks_its_token_first(client: TestClient, session: Session) -> None:
    login(client, make_user(session, role="unit", org=make_org(session, kind="agency")))
    response = client.post("/vergabe/ki-verordnung/speichern", data={"use_date": "not a date"})
    assert response.status_code == 403
