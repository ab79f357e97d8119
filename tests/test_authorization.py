"""The authorization rules of the foundation, by API and by page.

- the unit sees everything;
- an agency sees its own internal challenges and everything published;
- a start-up sees published challenges and edits only its own organisation and solutions;
- anonymous visitors see published content only; hidden content answers 404, not 403.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import csrf, login, make_challenge, make_org, make_solution, make_user


@pytest.fixture
def world(session: Session) -> dict:
    agency = make_org(session, kind="agency", name="Bezirksamt Nord")
    other_agency = make_org(session, kind="agency", name="Finanzbehörde")
    startup = make_org(session, kind="startup", name="PotholeAI")
    other_startup = make_org(session, kind="startup", name="Rival GmbH")
    unit_org = make_org(session, kind="agency", name="Lotsenstelle")
    internal = make_challenge(session, org=agency, title="Interner Bedarf Nord", visibility="internal")
    published = make_challenge(session, org=agency, title="Öffentlicher Bedarf Nord", visibility="published")
    draft = make_challenge(session, org=agency, title="Entwurf Nord", visibility="published", status="draft")
    foreign_internal = make_challenge(session, org=other_agency, title="Interner Bedarf Finanzen")
    session.flush()
    return {
        "internal": internal,
        "published": published,
        "draft": draft,
        "foreign_internal": foreign_internal,
        "own_solution": make_solution(session, org=startup),
        "other_solution": make_solution(session, org=other_startup),
        "startup": startup,
        "other_startup": other_startup,
        "agency_user": make_user(session, role="agency", org=agency),
        "startup_user": make_user(session, role="startup", org=startup),
        "unit_user": make_user(session, role="unit", org=unit_org),
    }


def _titles(client: TestClient) -> set[str]:
    response = client.get("/api/challenges", params={"per_page": 200})
    assert response.status_code == 200
    return {c["title"] for c in response.json()["items"]}


def test_startup_gets_404_for_internal_challenge_by_api_and_page(client: TestClient, world: dict) -> None:
    login(client, world["startup_user"])
    internal = world["internal"]
    api = client.get(f"/api/challenges/{internal.id}")
    assert api.status_code == 404
    assert api.json()["error"] == "not_found"
    page = client.get(f"/bedarfe/{internal.id}")
    assert page.status_code == 404
    assert internal.title not in page.text
    # the same answer as for an id that does not exist: existence does not leak
    assert client.get("/api/challenges/999999").status_code == 404


def test_startup_sees_published_but_not_internal_or_draft(client: TestClient, world: dict) -> None:
    login(client, world["startup_user"])
    titles = _titles(client)
    assert "Öffentlicher Bedarf Nord" in titles
    assert not titles & {"Interner Bedarf Nord", "Entwurf Nord", "Interner Bedarf Finanzen"}
    assert client.get(f"/bedarfe/{world['published'].id}").status_code == 200


def test_anonymous_sees_published_only(client: TestClient, world: dict) -> None:
    titles = _titles(client)
    assert "Öffentlicher Bedarf Nord" in titles
    assert "Interner Bedarf Nord" not in titles
    assert client.get(f"/api/challenges/{world['internal'].id}").status_code == 404
    listing = client.get("/bedarfe")
    assert "Öffentlicher Bedarf Nord" in listing.text and "Interner Bedarf Nord" not in listing.text


def test_agency_sees_own_internal_but_not_other_agencies_internal(client: TestClient, world: dict) -> None:
    login(client, world["agency_user"])
    titles = _titles(client)
    assert {"Interner Bedarf Nord", "Öffentlicher Bedarf Nord", "Entwurf Nord"} <= titles
    assert "Interner Bedarf Finanzen" not in titles
    assert client.get(f"/api/challenges/{world['foreign_internal'].id}").status_code == 404


def test_unit_sees_everything(client: TestClient, world: dict) -> None:
    login(client, world["unit_user"])
    assert {"Interner Bedarf Nord", "Entwurf Nord", "Interner Bedarf Finanzen"} <= _titles(client)


def test_startup_edits_only_its_own_solutions(client: TestClient, world: dict) -> None:
    login(client, world["startup_user"])
    own, other = world["own_solution"], world["other_solution"]
    ok = client.patch(f"/api/solutions/{own.id}", json={"title": "RoadScan Pro", "version": own.version})
    assert ok.status_code == 200 and ok.json()["title"] == "RoadScan Pro"
    refused = client.patch(f"/api/solutions/{other.id}", json={"title": "Hijacked", "version": other.version})
    assert refused.status_code == 403
    assert client.get(f"/api/solutions/{other.id}").json()["title"] != "Hijacked"
    assert client.get(f"/loesungen/{other.id}/bearbeiten").status_code == 403


def test_startup_cannot_file_solution_for_another_company(client: TestClient, world: dict) -> None:
    login(client, world["startup_user"])
    response = client.post(
        "/api/solutions",
        json={
            "organisation_id": world["other_startup"].id,
            "title": "Fake offer",
            "description": "An offer filed in someone else's name.",
            "maturity": "market",
        },
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "organisation_id"


def test_startup_edits_only_its_own_organisation(client: TestClient, world: dict) -> None:
    login(client, world["startup_user"])
    own, other = world["startup"], world["other_startup"]
    assert (
        client.patch(f"/api/organisations/{own.id}", json={"location": "Kiel", "version": own.version}).status_code
        == 200
    )
    assert (
        client.patch(f"/api/organisations/{other.id}", json={"location": "X", "version": other.version}).status_code
        == 403
    )


def test_startup_cannot_edit_or_create_challenges(client: TestClient, world: dict) -> None:
    login(client, world["startup_user"])
    published = world["published"]
    assert (
        client.patch(f"/api/challenges/{published.id}", json={"title": "Neu", "version": published.version}).status_code
        == 403
    )
    assert client.get("/bedarfe/neu").status_code == 403


def test_anonymous_write_needs_login(client: TestClient, world: dict) -> None:
    published = world["published"]
    response = client.patch(f"/api/challenges/{published.id}", json={"title": "Neu", "version": 1})
    assert response.status_code == 401
    page = client.get("/bedarfe/neu", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/anmelden?next=")


def test_agency_cannot_edit_other_agencies_challenge_in_browser(client: TestClient, world: dict) -> None:
    login(client, world["agency_user"])
    token = csrf(client)
    target = world["foreign_internal"]
    response = client.post(f"/bedarfe/{target.id}/bearbeiten", data={"csrf_token": token, "title": "X", "version": "1"})
    assert response.status_code == 404
