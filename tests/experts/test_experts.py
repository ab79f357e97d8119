"""Expert directory: profiles, search by meaning, assignments that open a need to its advisor."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from govlotse.accounts import service as accounts
from govlotse.core import audit
from govlotse.core.actor import SYSTEM
from govlotse.experts import service as experts
from govlotse.experts.models import ExpertProfile
from govlotse.experts.schemas import ProfileIn
from govlotse.matching import service as matching
from govlotse.privacy import service as privacy
from tests.factories import PASSWORD, csrf, login, make_challenge, make_org, make_user

VISION = ProfileIn(
    headline="Maschinelles Sehen für Infrastruktur",
    expertise="Kamerabilder von Dienstfahrzeugen auswerten: Risse, Schlaglöcher und Markierungsschäden erkennen.",
    languages=["de", "en"],
    tags=["computer-vision"],
)
LANGUAGE = ProfileIn(
    headline="Sprachtechnologie in der Verwaltung",
    expertise="Chatbots für Bürgeranfragen und die Übertragung von Bescheiden in Leichte Sprache.",
    languages=["de"],
)


def expert_with(session: Session, profile_in: ProfileIn, name: str | None = None) -> tuple[Any, ExpertProfile]:
    user = make_user(session, role="expert", org=make_org(session, kind="research"))
    if name:
        user.name = name
        session.flush()
    profile = experts.create_profile(session=session, actor=accounts.actor_for(user), profile_in=profile_in)
    return user, profile


def form(client: TestClient, path: str, **data: Any) -> Any:
    return client.post(path, data={"csrf_token": csrf(client), **data}, follow_redirects=False)


def test_an_expert_writes_a_profile_that_staff_find(client: TestClient, session: Session) -> None:
    expert = make_user(session, role="expert", org=make_org(session, kind="research", name="KI-Zentrum"))
    login(client, expert)
    assert "Expertenprofil anlegen, damit die Lotsenstelle Sie findet" in client.get("/konto").text
    assert client.get("/experten/neu").status_code == 200
    bad = form(client, "/experten/neu", headline="", availability="available")
    assert bad.status_code == 422 and 'id="e-headline"' in bad.text
    made = client.post(
        "/experten/neu",
        data={
            "csrf_token": csrf(client),
            "headline": "Maschinelles Sehen",
            "expertise": "Risse in Brücken erkennen.",
            "languages": ["de", "en"],
            "availability": "limited",
            "availability_note": "ab März",
            "listed": "1",
            "tags": ["computer-vision"],
        },
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    profile = session.scalar(select(ExpertProfile).where(ExpertProfile.user_id == expert.id))
    assert profile is not None and profile.languages == ["de", "en"] and profile.availability == "limited"
    assert (
        client.get("/experten/neu", follow_redirects=False).headers["location"] == f"/experten/{profile.id}/bearbeiten"
    )

    for role, status in (("agency", 200), ("unit", 200), ("expert", 200), ("startup", 403)):
        client.cookies.clear()
        org = make_org(session, kind="startup" if role == "startup" else "agency")
        login(client, make_user(session, role=role, org=org))
        page = client.get("/experten")
        assert page.status_code == status, role
        if status == 200:
            assert "Maschinelles Sehen" in page.text and "KI-Zentrum" in page.text
            assert client.get(f"/experten/{profile.id}").status_code == 200
        else:
            assert client.get(f"/experten/{profile.id}").status_code == 404
    client.cookies.clear()
    assert client.get("/experten", follow_redirects=False).status_code == 303  # to the login


def test_experts_are_found_by_meaning_and_only_by_staff(session: Session, index_now: Any) -> None:
    _vision_user, vision = expert_with(session, VISION)
    _language_user, language = expert_with(session, LANGUAGE)
    index_now()
    agency = accounts.actor_for(make_user(session, role="agency", org=make_org(session)))
    startup = accounts.actor_for(make_user(session, role="startup", org=make_org(session, kind="startup")))
    # None of these words is in the profile: "Fotos", "Fahrbahn", "automatisch", "begutachten".
    query = "Wer kann beim automatischen Begutachten von Fahrbahnfotos helfen?"
    hits = matching.search(session=session, actor=agency, query=query, types=("expert",)).groups["expert"]
    assert hits and hits[0].entity_id == vision.id
    assert hits[0].url == f"/experten/{vision.id}"
    assert "expert" not in matching.search(session=session, actor=startup, query=query).groups
    plain = matching.search(session=session, actor=agency, query="Texte verständlicher formulieren", types=("expert",))
    assert plain.groups["expert"][0].entity_id == language.id


def test_an_unlisted_profile_leaves_the_directory_and_the_search(
    client: TestClient, session: Session, index_now: Any
) -> None:
    user, profile = expert_with(session, VISION)
    index_now()
    login(client, user)
    values = VISION.model_dump() | {"listed": False, "version": profile.version}
    assert client.put(f"/api/experts/{profile.id}", json=values).status_code == 200
    stale = client.put(f"/api/experts/{profile.id}", json=values)
    assert stale.status_code == 409
    index_now()
    unit = accounts.actor_for(make_user(session, role="unit", org=make_org(session)))
    assert matching.search(session=session, actor=unit, query="Schlaglöcher", types=("expert",)).groups["expert"] == []
    assert profile.id not in [p.id for p in experts.list_profiles(session=session, actor=unit)]
    assert client.get(f"/experten/{profile.id}").status_code == 200  # still their own


def test_the_unit_assigns_an_expert_who_then_sees_the_need(
    client: TestClient, session: Session, index_now: Any
) -> None:
    agency = make_org(session)
    need = make_challenge(
        session,
        org=agency,
        title="Straßenschäden früher erkennen",
        problem="Schlaglöcher und Risse werden erst spät gemeldet.",
        status="accepted",
    )
    expert, profile = expert_with(session, VISION, name="Dr. Vera Vision")
    index_now()
    login(client, expert)
    assert client.get(f"/bedarfe/{need.id}").status_code == 404  # internal need of an agency

    client.cookies.clear()
    unit = make_user(session, role="unit", org=make_org(session))
    login(client, unit)
    page = client.get(f"/bedarfe/{need.id}")
    assert "Passende Expertinnen und Experten" in page.text and "Dr. Vera Vision" in page.text
    assigned = form(client, f"/bedarfe/{need.id}/experten", profile_id=str(profile.id), note="Datenqualität prüfen")
    assert assigned.status_code == 303 and "flash=expert_assigned" in assigned.headers["location"]
    again = form(client, f"/bedarfe/{need.id}/experten", profile_id=str(profile.id))
    assert again.status_code == 422 and "berät hier schon" in again.text
    page = client.get(f"/bedarfe/{need.id}")
    assert "Datenqualität prüfen" in page.text and "Beratung beenden" in page.text

    client.cookies.clear()
    login(client, expert)
    assert client.get(f"/bedarfe/{need.id}").status_code == 200
    assert "Straßenschäden früher erkennen" in client.get("/konto").text
    assert need.id in [c["id"] for c in client.get("/api/challenges").json()["items"]]

    client.cookies.clear()
    login(client, unit)
    assignment = experts.assignments(session=session, challenge_id=need.id)[0]
    ended = form(client, f"/experten/zuweisungen/{assignment.id}/beenden", back=f"/bedarfe/{need.id}")
    assert ended.status_code == 303 and ended.headers["location"].startswith(f"/bedarfe/{need.id}?")
    client.cookies.clear()
    login(client, expert)
    assert client.get(f"/bedarfe/{need.id}").status_code == 404
    actions = [
        e
        for e in session.scalars(select(audit.AuditEvent.action).order_by(audit.AuditEvent.seq))
        if e.startswith("expert.")
    ]
    assert actions[-2:] == ["expert.assign", "expert.unassign"]


def test_only_the_unit_assigns(client: TestClient, session: Session) -> None:
    agency = make_org(session)
    need = make_challenge(session, org=agency, status="accepted")
    _user, profile = expert_with(session, VISION)
    login(client, make_user(session, role="agency", org=agency))
    refused = client.post("/api/expert-assignments", json={"profile_id": profile.id, "challenge_id": need.id})
    assert refused.status_code == 403
    client.cookies.clear()
    login(client, make_user(session, role="unit", org=make_org(session)))
    neither = client.post("/api/expert-assignments", json={"profile_id": profile.id})
    assert neither.status_code == 422
    made = client.post("/api/expert-assignments", json={"profile_id": profile.id, "challenge_id": need.id})
    assert made.status_code == 201 and made.json()["created_by_label"]
    assert [a["id"] for a in client.get(f"/api/experts/{profile.id}/assignments").json()] == [made.json()["id"]]
    assert client.delete(f"/api/expert-assignments/{made.json()['id']}").status_code == 204


def test_deleting_an_experts_account_removes_the_profile_text(
    client: TestClient, session: Session, index_now: Any
) -> None:
    user, profile = expert_with(session, VISION)
    index_now()
    login(client, user)
    response = client.post("/api/auth/me/delete", json={"confirmation": PASSWORD})
    assert response.status_code == 204
    index_now()
    session.refresh(profile)
    assert profile.expertise == "" and not profile.listed
    found = matching.search(session=session, actor=SYSTEM, query="Schlaglöcher Risse", types=("expert",))
    assert found.groups["expert"] == []
    session.refresh(user)
    assert user.name == privacy.pseudonym(user.id)
