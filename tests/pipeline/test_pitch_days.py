"""Pitch days: several needs, an agenda of start-up pitches with attendance, scoring from the cases."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from govlotse.exploration import service as exploration
from govlotse.exploration.models import CandidateStatus
from govlotse.pipeline import service as pipeline
from govlotse.pipeline.models import Case, Stage
from tests.conftest import Mailbox
from tests.factories import csrf, login, make_user
from tests.pipeline.conftest import Market

DAY = date.today() + timedelta(days=30)


def cases_in_pitch(session: Session, market: Market) -> list[Case]:
    unit = market.actor("unit")
    run = exploration.start_run(
        session=session, actor=unit, challenge=market.challenge, filters=exploration.RunFilters()
    )
    for cand in run.candidates[:2]:
        exploration.set_status(
            session=session, actor=unit, run=run, candidate_id=cand.id, status=CandidateStatus.shortlist
        )
    cases = []
    for case_id in exploration.close_run(session=session, actor=unit, run=run):
        case = pipeline.get_case(session=session, actor=unit, case_id=case_id)
        pipeline.transition(session=session, actor=unit, case=case, to=Stage.pitch)
        cases.append(case)
    pipeline.set_criteria(
        session=session, actor=unit, challenge=market.challenge, items=[{"name": "Wirkung", "weight": 100}]
    )
    return cases


def form(client: TestClient, path: str, **data: Any) -> Any:
    return client.post(path, data={"csrf_token": csrf(client), **data}, follow_redirects=False)


def test_the_unit_plans_a_pitch_day_and_invites_start_ups(
    client: TestClient, session: Session, market: Market, mailbox: Mailbox
) -> None:
    first, second = cases_in_pitch(session, market)
    founder = make_user(session, role="startup", org=first.organisation)
    login(client, market.users["unit"])
    assert "Pitch-Tage planen und durchführen" in client.get("/lotsenstelle").text
    assert client.get("/pitchtage/neu").status_code == 200
    missing = form(client, "/pitchtage/neu", title="Pitch-Tag Straße", day=DAY.isoformat())
    assert missing.status_code == 422 and 'id="e-challenge_ids"' in missing.text
    made = client.post(
        "/pitchtage/neu",
        data={
            "csrf_token": csrf(client),
            "title": "Pitch-Tag Straße",
            "day": DAY.isoformat(),
            "location": "Rathaus, Raum 101",
            "challenge_ids": [str(market.challenge.id)],
        },
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    day_url = made.headers["location"].split("?")[0]
    page = client.get(day_url)
    assert page.status_code == 200 and first.organisation.name in page.text  # offered for the agenda

    added = form(client, f"{day_url}/slots", case_id=str(first.id), starts_at="10:00", minutes="20")
    assert added.status_code == 303 and "flash=slot_added" in added.headers["location"]
    mail = mailbox.last(founder.email)
    assert "Einladung zum Pitch" in mail["Subject"] and "10:00" in mail.get_content()
    overlap = form(client, f"{day_url}/slots", case_id=str(second.id), starts_at="10:10", minutes="20")
    assert overlap.status_code == 422 and "Überschneidet sich mit dem Pitch um 10:00" in overlap.text
    bad_time = form(client, f"{day_url}/slots", case_id=str(second.id), starts_at="25:00", minutes="20")
    assert bad_time.status_code == 422 and 'id="e-starts_at"' in bad_time.text
    assert form(client, f"{day_url}/slots", case_id=str(second.id), starts_at="10:30", minutes="20").status_code == 303
    again = form(client, f"{day_url}/slots", case_id=str(first.id), starts_at="11:00", minutes="20")
    assert again.status_code == 422

    day_id = int(day_url.rsplit("/", 1)[1])
    agenda = client.get(f"/api/pitch-days/{day_id}").json()["slots"]
    assert [(s["starts_at"], s["attendance"]) for s in agenda] == [("10:00", "invited"), ("10:30", "invited")]
    first_slot = agenda[0]["id"]
    assert form(client, f"{day_url}/slots/{first_slot}", attendance="attended").status_code == 303
    # The pitch is scored in its case; the agenda shows the result.
    crits = pipeline.criteria(session=session, challenge=market.challenge)
    unit_actor = market.actor("unit")
    pipeline.submit_scores(session=session, actor=unit_actor, case=first, scores={crits[0].id: (8, "")})
    agenda = client.get(f"/api/pitch-days/{day_id}").json()["slots"]
    assert agenda[0]["attendance"] == "attended" and agenda[0]["evaluators"] == 1 and agenda[0]["mean_score"] == 8
    assert "1 Bewertungen, Mittel 8" in client.get(day_url).text

    # The start-up sees its own slot (on its case and the day), not the other start-up's.
    client.cookies.clear()
    login(client, founder)
    assert "Pitch-Termin: Pitch-Tag Straße" in client.get(f"/faelle/{first.id}").text
    own_view = client.get(f"/api/pitch-days/{day_id}").json()["slots"]
    assert [s["case_id"] for s in own_view] == [first.id]
    assert form(client, f"{day_url}/slots/{first_slot}", attendance="no_show").status_code == 403

    client.cookies.clear()
    login(client, market.users["other_agency"])
    assert client.get(day_url).status_code == 404
    client.cookies.clear()
    login(client, market.users["unit"])
    assert form(client, f"{day_url}/slots/{first_slot}/entfernen").status_code == 303
    assert len(client.get(f"/api/pitch-days/{day_id}").json()["slots"]) == 1


def test_only_accepted_needs_and_only_the_unit(client: TestClient, session: Session, market: Market) -> None:
    login(client, market.users["agency"])
    body = {"title": "Pitch-Tag", "day": DAY.isoformat(), "challenge_ids": [market.challenge.id]}
    assert client.post("/api/pitch-days", json=body).status_code == 403
    client.cookies.clear()
    login(client, market.users["unit"])
    assert client.post("/api/pitch-days", json=body).status_code == 201
    refused = client.post("/api/pitch-days", json=body | {"challenge_ids": [2**31 - 1]})
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "challenge_ids"
