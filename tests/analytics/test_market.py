"""Market knowledge per capability and a start-up's history with the administration."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from govlotse.accounts import service as accounts
from govlotse.analytics import market
from govlotse.core.actor import ANONYMOUS, SYSTEM
from govlotse.organisations import service as organisations
from govlotse.organisations.schemas import OrganisationUpdate
from tests.factories import login, make_challenge, make_org, make_solution, make_user
from tests.world import _case_in_pilot


def _market(session: Session) -> dict[str, Any]:
    agency = make_org(session, name="Bezirksamt Markt")
    vision_a = make_org(session, kind="startup", name="Sehwerk GmbH")
    vision_b = make_org(session, kind="startup", name="Blickfang GmbH")
    pending = make_org(session, kind="startup", name="Wartend Vision GmbH")
    solution_a = make_solution(session, org=vision_a, title="Sehwerk Straße", tags=["computer-vision"])
    make_solution(session, org=vision_b, title="Blickfang Brücke", tags=["computer-vision"])
    make_solution(session, org=pending, title="Wartend", tags=["computer-vision"])
    organisations.update_organisation(
        session=session, actor=SYSTEM, org=pending, org_in=OrganisationUpdate(version=pending.version, status="pending")
    )
    internal = make_challenge(
        session, org=agency, title="Interner Bedarf Kamerabilder", status="accepted", tags=["computer-vision"]
    )
    make_challenge(
        session,
        org=agency,
        title="Öffentlicher Bedarf Kamerabilder",
        status="accepted",
        visibility="published",
        tags=["computer-vision"],
    )
    unit_user = make_user(session, role="unit", org=make_org(session))
    _run, _candidate, case = _case_in_pilot(session, accounts.actor_for(unit_user), internal, solution_a)
    return {"vision_a": vision_a, "vision_b": vision_b, "case": case, "unit": unit_user}


def test_the_market_view_counts_for_everybody_and_names_pilots_for_the_unit(
    client: TestClient, session: Session
) -> None:
    world = _market(session)
    view = market.market_view(session=session, actor=ANONYMOUS, slug="computer-vision")
    assert {o.name for o in view.startups} >= {"Sehwerk GmbH", "Blickfang GmbH"}
    assert "Wartend Vision GmbH" not in {o.name for o in view.startups}  # not approved yet
    assert [c.title for c in view.needs if "Kamerabilder" in c.title] == ["Öffentlicher Bedarf Kamerabilder"]
    assert view.needs_total >= 2 and view.pilot_stages["pilot"] >= 1 and view.pilots == []
    assert view.explored >= 1

    page = client.get("/markt/computer-vision")
    assert page.status_code == 200
    assert "Öffentlicher Bedarf Kamerabilder" in page.text and "Interner Bedarf Kamerabilder" not in page.text
    assert "werden nur gezählt" in page.text and "Sehwerk Straße" not in page.text
    overview = client.get("/markt").text
    assert "/markt/computer-vision" in overview
    api = client.get("/api/market/computer-vision").json()
    assert api["pilots"] == [] and api["pilot_stages"]["pilot"] >= 1
    assert client.get("/markt/gibt-es-nicht").status_code == 404

    login(client, world["unit"])
    named = client.get("/api/market/computer-vision").json()["pilots"]
    assert {p["solution"] for p in named} >= {"Sehwerk Straße"}
    assert "Interner Bedarf Kamerabilder" in client.get("/markt/computer-vision").text


def test_a_start_up_sees_its_own_history(client: TestClient, session: Session) -> None:
    world = _market(session)
    vision_a, vision_b = world["vision_a"], world["vision_b"]
    founder = make_user(session, role="startup", org=vision_a)
    login(client, founder)
    page = client.get(f"/organisationen/{vision_a.id}")
    assert "Geschichte mit der Verwaltung" in page.text and "Sehwerk Straße" in page.text
    history = client.get(f"/api/organisations/{vision_a.id}/history").json()
    assert [c["stage"] for c in history["cases"]] == ["pilot"]
    assert history["explorations"] and history["explorations"][0]["status"] == "shortlist"
    # Another start-up's history is not shown.
    assert "Geschichte mit der Verwaltung" not in client.get(f"/organisationen/{vision_b.id}").text
    assert client.get(f"/api/organisations/{vision_b.id}/history").status_code == 404
