"""The venture-client pipeline through the JSON API: exploration, pitch, pilot, decision, refusals, permissions."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from govlotse.core.audit import AuditEvent
from tests.factories import login, make_challenge
from tests.pipeline.conftest import Market

KPIS = [
    {"name": "Erkennungsdauer", "unit": "Tage", "baseline": 180, "target": 14},
    {"name": "Erkannte Schäden", "unit": "Anzahl/Monat", "baseline": 40, "target": 120},
    {"name": "Kosten je Kilometer", "unit": "€", "baseline": 25, "target": 10},
]
CRITERIA = [
    {"name": "Wirkung", "description": "Schäden früher erkennen", "weight": 50},
    {"name": "Datenschutz", "weight": 30},
    {"name": "Preis", "weight": 20},
]


def as_(client: TestClient, market: Market, name: str) -> TestClient:
    login(client, market.users[name])
    return client


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def start_run(client: TestClient, market: Market, **filters: Any) -> dict[str, Any]:
    return ok(client.post(f"/api/challenges/{market.challenge.id}/explorations", json=filters), 201)


def by_title(run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["solution"]["title"]: c for c in run["candidates"]}


def shortlist_and_close(client: TestClient, market: Market, titles: list[str]) -> dict[str, int]:
    """As the unit: a run, the given solutions shortlisted, closed. Returns case ids by solution title."""
    run = start_run(client, market)
    for title in titles:
        cand = by_title(run)[title]
        ok(
            client.patch(
                f"/api/explorations/{run['id']}/candidates/{cand['id']}",
                json={"status": "shortlist", "version": cand["version"]},
            )
        )
    closed = ok(client.post(f"/api/explorations/{run['id']}/close"))
    assert len(closed["case_ids"]) == len(titles)
    cases = ok(client.get("/api/cases", params={"challenge_id": market.challenge.id}))["items"]
    return {c["solution"]["title"]: c["id"] for c in cases}


def step(client: TestClient, case_id: int, to: str, reason: str = "", **kw: Any) -> Any:
    version = kw.pop("version", None) or ok(client.get(f"/api/cases/{case_id}"))["version"]
    return client.post(f"/api/cases/{case_id}/transitions", json={"to": to, "reason": reason, "version": version})


def test_the_whole_journey_through_the_api(client: TestClient, session: Session, market: Market) -> None:
    unit = as_(client, market, "unit")
    run = start_run(unit, market)
    assert run["number"] == 1 and run["status"] == "open"
    assert run["query"] and run["model"] and run["rules_version"]  # frozen with the run
    assert run["challenge"]["organisation"]["name"] == "Bezirksamt Test"
    top = run["candidates"][0]
    assert top["rank"] == 1 and top["score"] is not None and top["solution"]["title"] != "ChatDesk"
    assert top["explanation"]["criteria_total"] == len(top["explanation"]["criteria"])
    candidates = by_title(run)
    assert {"RoadScan", "StreetEye"} <= set(candidates)

    # Shortlist two, exclude another one with its reason, judge one.
    for title in ("StreetEye", "RoadScan"):
        moved = ok(
            unit.patch(
                f"/api/explorations/{run['id']}/candidates/{candidates[title]['id']}",
                json={"status": "shortlist", "version": candidates[title]["version"]},
            )
        )
        assert moved["status"] == "shortlist" and moved["version"] == candidates[title]["version"] + 1
    other = next(c for t, c in candidates.items() if t not in ("StreetEye", "RoadScan"))
    excluded = ok(
        unit.patch(
            f"/api/explorations/{run['id']}/candidates/{other['id']}",
            json={"status": "excluded", "reason": "Kein Bezug zum Straßenzustand", "version": other["version"]},
        )
    )
    assert excluded["reason"] == "Kein Bezug zum Straßenzustand"
    judged = ok(unit.post(f"/api/explorations/{run['id']}/candidates/{top['id']}/judgment", json={"grade": 2}))
    assert judged["judgment"] == 2

    segments = ok(unit.get(f"/api/explorations/{run['id']}/market-map"))["segments"]
    assert sum(s["count"] for s in segments) == len(run["candidates"])
    assert ok(unit.get(f"/api/explorations/{run['id']}/comparison"))["previous"] is None
    runs = ok(unit.get(f"/api/challenges/{market.challenge.id}/explorations"))
    assert [r["id"] for r in runs] == [run["id"]]

    closed = ok(unit.post(f"/api/explorations/{run['id']}/close"))
    assert closed["run"]["status"] == "closed"
    assert closed["run"]["closed_by_label"].startswith(market.users["unit"].name)
    assert closed["run"]["counts"]["shortlist"] == 2 and closed["run"]["counts"]["excluded"] == 1
    report = unit.get(f"/api/explorations/{run['id']}/report")
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/markdown")
    assert "Markterkundungsbericht" in report.text and "Kein Bezug zum Straßenzustand" in report.text
    export = ok(unit.get("/api/explorations/judgments"))
    mine = next(q for q in export if q["id"] == f"run:{run['id']}")
    assert mine["set"] == "govlotse_runs" and mine["relevant"] == {f"solution:{top['solution']['id']}": 2}

    cases = ok(unit.get("/api/cases", params={"challenge_id": market.challenge.id}))
    assert cases["total"] == 2 and {c["stage"] for c in cases["items"]} == {"shortlisted"}
    ids = {c["solution"]["title"]: c["id"] for c in cases["items"]}
    a, b = ids["StreetEye"], ids["RoadScan"]

    # The unit sets the weighted criteria and invites both to pitch.
    crits = ok(unit.put(f"/api/challenges/{market.challenge.id}/criteria", json={"criteria": CRITERIA}))
    assert [(c["name"], c["weight"]) for c in crits] == [("Wirkung", 50), ("Datenschutz", 30), ("Preis", 20)]
    for case_id in (a, b):
        detail = ok(step(unit, case_id, "pitch"))
        assert detail["stage"] == "pitch" and set(detail["allowed_steps"]) == {"selected", "not_selected", "withdrawn"}

    # Two evaluators score blind: the agency first, then a second colleague of the unit.
    agency = as_(client, market, "agency")
    for case_id, value in ((a, 8), (b, 6)):
        scores = [{"criterion_id": c["id"], "value": value, "comment": "überzeugend"} for c in crits]
        card = ok(agency.post(f"/api/cases/{case_id}/scores", json={"scores": scores}), 201)
        assert len(card["scores"]) == 3
    unit2 = as_(client, market, "unit2")
    blind = ok(unit2.get(f"/api/challenges/{market.challenge.id}/matrix"))
    assert all(r["evaluators"] == 0 and r["mean"] is None for r in blind["rows"])
    for case_id in (a, b):
        scores = [{"criterion_id": c["id"], "value": 7, "comment": ""} for c in crits]
        ok(unit2.post(f"/api/cases/{case_id}/scores", json={"scores": scores}), 201)
    again = unit2.post(f"/api/cases/{a}/scores", json={"scores": scores})
    assert again.status_code == 409 and "bereits abgegeben" in again.json()["detail"]
    matrix = {r["case"]["id"]: r for r in ok(unit2.get(f"/api/challenges/{market.challenge.id}/matrix"))["rows"]}
    assert matrix[a]["evaluators"] == 2 and matrix[a]["mean"] == 7.5 and matrix[a]["spread"] == 1.0
    assert matrix[a]["rank"] == 1 and matrix[b]["rank"] == 2 and matrix[a]["you_submitted"]

    ok(step(unit2, a, "selected"))
    ok(step(unit2, b, "not_selected", "Knapp unterlegen"))

    # The start-up that was not chosen gets its debrief.
    startup = as_(client, market, "startup")
    debrief = ok(startup.get(f"/api/cases/{b}/debrief"))
    assert debrief["reason"] == "Knapp unterlegen" and debrief["mean"] == 6.5 and debrief["rank"] == 2
    assert [c["name"] for c in debrief["criteria"]] == ["Wirkung", "Datenschutz", "Preis"]
    assert "überzeugend" in debrief["comments"] and not any("User" in c for c in debrief["comments"])

    # The agency agrees the pilot and runs it.
    agency = as_(client, market, "agency")
    start = date.today()
    pilot = ok(
        agency.put(
            f"/api/cases/{a}/pilot",
            json={
                "scope": "Zwei Müllfahrzeuge mit Kameras, sechs Monate",
                "price": 40_000,
                "start": start.isoformat(),
                "end": (start + timedelta(days=180)).isoformat(),
                "go_no_go": (start + timedelta(days=185)).isoformat(),
                "kpis": KPIS,
                "milestones": [{"title": "Kameras montiert", "due": (start + timedelta(days=14)).isoformat()}],
            },
        )
    )
    assert [k["name"] for k in pilot["kpis"]] == [k["name"] for k in KPIS]
    ok(step(agency, a, "pilot"))
    kpi = {k["name"]: k["id"] for k in pilot["kpis"]}
    progress = ok(
        agency.post(
            f"/api/cases/{a}/progress",
            json={
                "note": "Kameras laufen",
                "results": [{"kpi_id": kpi["Erkennungsdauer"], "value": 20}],
                "milestones_done": [pilot["milestones"][0]["id"]],
            },
        )
    )
    assert progress["status_note"] == "Kameras laufen" and progress["milestones"][0]["done_on"] == start.isoformat()
    assert next(k for k in progress["kpis"] if k["name"] == "Erkennungsdauer")["result"] == 20
    ok(step(agency, a, "evaluation"))
    decision = ok(
        agency.post(
            f"/api/cases/{a}/decision",
            json={
                "outcome": "go",
                "reason": "Alle Ziele erreicht",
                "lessons": "Kameras an Müllfahrzeugen decken das Netz in zwei Wochen ab.",
                "results": [{"kpi_id": i, "value": v} for i, v in zip(kpi.values(), [12, 130, 9], strict=True)],
                "follow_up": {"procedure": "negotiated_award", "value": 150_000},
            },
        ),
        201,
    )
    assert decision["outcome"] == "go" and decision["article_id"] and decision["follow_up"]["value"] == 150_000

    detail = ok(agency.get(f"/api/cases/{a}"))
    assert detail["stage"] == "adopted" and detail["allowed_steps"] == []
    assert [(h["from_stage"], h["to_stage"]) for h in detail["history"]] == [
        (None, "shortlisted"),
        ("shortlisted", "pitch"),
        ("pitch", "selected"),
        ("selected", "pilot"),
        ("pilot", "evaluation"),
        ("evaluation", "adopted"),
    ]
    assert detail["history"][0]["reason"] == "Shortlist der Markterkundung"

    dossier = agency.get(f"/api/cases/{a}/dossier")
    assert dossier.status_code == 200 and dossier.headers["content-type"].startswith("text/markdown")
    text = dossier.text
    for expected in (
        "# Falldossier",
        "StreetEye",
        "Übernommen",
        "Bewertungsmatrix",
        "Zwei Müllfahrzeuge mit Kameras, sechs Monate",
        "| Erkennungsdauer | Tage | 180 | 14 | 12 |",
        "Alle Ziele erreicht",
        "Kameras an Müllfahrzeugen decken das Netz in zwei Wochen ab.",
        "150.000 €",
        "case.transition",
    ):
        assert expected in text, expected
    pdf = agency.get(f"/api/cases/{a}/dossier", params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    board = ok(as_(client, market, "unit").get("/api/pipeline/dashboard"))
    assert board["cases_by_stage"]["adopted"] == 1 and board["cases_by_stage"]["not_selected"] == 1
    assert board["adoption_rate"] == 1.0 and board["decided"] == 1
    actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "case")))
    assert {"case.open", "case.transition", "pitch.score", "pilot.save", "pilot.update", "pilot.decision"} <= actions


def test_an_illegal_step_is_409_naming_from_and_to(client: TestClient, session: Session, market: Market) -> None:
    unit = as_(client, market, "unit")
    case_id = shortlist_and_close(unit, market, ["RoadScan"])["RoadScan"]
    response = step(unit, case_id, "adopted")
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "illegal_transition" and body["from"] == "shortlisted" and body["to"] == "adopted"
    assert "Shortlist" in body["detail"] and "Übernommen" in body["detail"]
    assert "gibt es in der Pipeline nicht" in body["reason"]
    english = unit.post(
        f"/api/cases/{case_id}/transitions",
        json={"to": "adopted", "version": ok(unit.get(f"/api/cases/{case_id}"))["version"]},
        headers={"Accept-Language": "en"},
    ).json()
    assert "Adopted" in english["detail"] and english["from"] == "shortlisted"
    # A precondition that is missing is named too: nobody has scored the pitch yet.
    ok(step(unit, case_id, "pitch"))
    unscored = step(unit, case_id, "selected").json()
    assert unscored["from"] == "pitch" and unscored["to"] == "selected" and "Bewertung" in unscored["reason"]
    # The agency may not take the unit's steps.
    agency_step = step(as_(client, market, "agency"), case_id, "withdrawn", "zu teuer")
    assert agency_step.status_code == 409 and "Lotsenstelle" in agency_step.json()["reason"]
    # A run needs an accepted need.
    draft = make_challenge(session, org=market.agency, status="draft")
    refused = as_(client, market, "unit").post(f"/api/challenges/{draft.id}/explorations", json={})
    assert refused.status_code == 409 and refused.json()["from"] == "draft"
    assert "angenommenen Bedarf" in refused.json()["reason"]


def test_a_stale_version_is_409(client: TestClient, market: Market) -> None:
    unit = as_(client, market, "unit")
    run = start_run(unit, market)
    cand = run["candidates"][0]
    url = f"/api/explorations/{run['id']}/candidates/{cand['id']}"
    ok(unit.patch(url, json={"status": "shortlist", "version": cand["version"]}))
    stale = unit.patch(url, json={"status": "excluded", "reason": "doch nicht", "version": cand["version"]})
    assert stale.status_code == 409
    assert stale.json()["error"] == "conflict" and stale.json()["current_version"] == cand["version"] + 1
    ok(unit.post(f"/api/explorations/{run['id']}/close"))

    case_id = ok(unit.get("/api/cases"))["items"][0]["id"]
    seen = ok(unit.get(f"/api/cases/{case_id}"))["version"]
    ok(step(unit, case_id, "pitch", version=seen))
    stale = step(as_(client, market, "unit2"), case_id, "withdrawn", "zurückgezogen", version=seen)
    assert stale.status_code == 409 and stale.json()["error"] == "conflict"
    assert ok(unit.get(f"/api/cases/{case_id}"))["stage"] == "pitch"
    # A closed run is frozen.
    frozen = unit.patch(url, json={"status": "longlist", "version": cand["version"] + 1})
    assert frozen.status_code == 409 and "abgeschlossen" in frozen.json()["detail"]


def test_validation_errors_name_the_field(client: TestClient, market: Market) -> None:
    unit = as_(client, market, "unit")
    run = start_run(unit, market, limit=3)
    cand = run["candidates"][0]
    url = f"/api/explorations/{run['id']}/candidates/{cand['id']}"
    response = unit.patch(url, json={"status": "excluded", "reason": "  ", "version": cand["version"]})
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["field"] == "reason" and "Grund für den Ausschluss" in error["msg"]
    english = unit.patch(
        url, json={"status": "excluded", "version": cand["version"]}, headers={"Accept-Language": "en"}
    ).json()
    assert english["detail"][0]["field"] == "reason" and "Grund" not in english["detail"][0]["msg"]
    assert ok(unit.get(f"/api/explorations/{run['id']}"))["candidates"][0]["status"] == "longlist"  # nothing saved

    bad = unit.patch(url, json={"status": "maybe", "version": 0, "colour": "red"}).json()["detail"]
    assert {e["field"] for e in bad} == {"status", "version", "colour"}
    bad = unit.post(f"/api/explorations/{run['id']}/candidates/{cand['id']}/judgment", json={"grade": 3})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "grade"
    missing = next(s for s in market.solutions if s.id not in {c["solution"]["id"] for c in run["candidates"]})
    bad = unit.post(f"/api/explorations/{run['id']}/candidates", json={"solution_id": missing.id, "reason": ""})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "reason"
    added = ok(
        unit.post(
            f"/api/explorations/{run['id']}/candidates",
            json={"solution_id": missing.id, "reason": "Bei einer Messe kennengelernt"},
        ),
        201,
    )
    assert added["added_manually"] and added["rank"] is None
    assert added["explanation"]["added_because"] == "Bei einer Messe kennengelernt"
    bad = unit.post(f"/api/explorations/{run['id']}/candidates", json={"solution_id": missing.id, "reason": "x"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "solution_id"
    bad = unit.post(f"/api/explorations/{run['id']}/close")
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "shortlist"
    bad = unit.get(f"/api/explorations/{run['id']}/report", params={"format": "docx"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "format"

    bad = unit.put(
        f"/api/challenges/{market.challenge.id}/criteria",
        json={"criteria": [{"name": "Wirkung", "weight": 50}, {"name": "Preis", "weight": 30}]},
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "criteria" and "80 %" in bad.json()["detail"][0]["msg"]
    bad = unit.put(f"/api/challenges/{market.challenge.id}/criteria", json={"criteria": [{"name": "", "weight": 0}]})
    assert {e["field"] for e in bad.json()["detail"]} == {"criteria.0.name", "criteria.0.weight"}


def test_pilot_and_decision_rules_answer_with_fields(client: TestClient, market: Market) -> None:
    unit = as_(client, market, "unit")
    case_id = shortlist_and_close(unit, market, ["RoadScan"])["RoadScan"]
    crits = ok(unit.put(f"/api/challenges/{market.challenge.id}/criteria", json={"criteria": CRITERIA}))
    ok(step(unit, case_id, "pitch"))
    early = unit.put(
        f"/api/cases/{case_id}/pilot",
        json={
            "scope": "x",
            "price": 1,
            "start": "2027-01-01",
            "end": "2027-02-01",
            "go_no_go": "2027-02-01",
            "kpis": KPIS,
        },
    )
    assert early.status_code == 409 and early.json()["error"] == "illegal_transition"
    out_of_range = unit.post(
        f"/api/cases/{case_id}/scores", json={"scores": [{"criterion_id": c["id"], "value": 11} for c in crits]}
    )
    assert out_of_range.status_code == 422 and out_of_range.json()["detail"][0]["field"] == "scores.0.value"
    incomplete = unit.post(
        f"/api/cases/{case_id}/scores", json={"scores": [{"criterion_id": crits[0]["id"], "value": 5}]}
    )
    assert incomplete.status_code == 422 and "Datenschutz" in incomplete.json()["detail"][0]["msg"]
    ok(
        unit.post(
            f"/api/cases/{case_id}/scores", json={"scores": [{"criterion_id": c["id"], "value": 7} for c in crits]}
        ),
        201,
    )
    ok(step(unit, case_id, "selected"))
    no_pilot = step(unit, case_id, "pilot").json()
    assert no_pilot["to"] == "pilot" and "Pilotvereinbarung" in no_pilot["reason"]

    start = date(2027, 1, 1)
    body = {
        "scope": "Pilot",
        "price": 40_000,
        "start": start.isoformat(),
        "end": (start + timedelta(days=365 * 3)).isoformat(),
        "go_no_go": (start + timedelta(days=200)).isoformat(),
        "kpis": KPIS[:2],
    }
    bad = unit.put(f"/api/cases/{case_id}/pilot", json=body)
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["detail"]} == {"end", "kpis"}
    body.update(end=(start + timedelta(days=180)).isoformat(), kpis=KPIS)
    pilot = ok(unit.put(f"/api/cases/{case_id}/pilot", json=body))
    changed = ok(unit.put(f"/api/cases/{case_id}/pilot", json={**body, "price": 45_000, "version": pilot["version"]}))
    assert changed["price"] == 45_000
    stale = unit.put(f"/api/cases/{case_id}/pilot", json={**body, "price": 1, "version": pilot["version"]})
    assert stale.status_code == 409 and stale.json()["current_version"] == changed["version"]

    ok(step(unit, case_id, "pilot"))
    too_early = unit.post(
        f"/api/cases/{case_id}/decision", json={"outcome": "go", "reason": "gut", "lessons": "viel gelernt"}
    )
    assert too_early.status_code == 409 and too_early.json()["to"] == "Entscheidung"
    ok(step(unit, case_id, "evaluation"))
    bad = unit.post(f"/api/cases/{case_id}/decision", json={"outcome": "maybe", "reason": "", "lessons": ""})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "outcome"
    bad = unit.post(f"/api/cases/{case_id}/decision", json={"outcome": "stop", "reason": "zu teuer", "lessons": "x"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "results"
    assert "Erkennungsdauer" in bad.json()["detail"][0]["msg"]
    kpis = ok(unit.get(f"/api/cases/{case_id}"))["pilot"]["kpis"]
    decision = ok(
        unit.post(
            f"/api/cases/{case_id}/decision",
            json={
                "outcome": "stop",
                "reason": "Ziele verfehlt",
                "lessons": "Die Kameras brauchen bessere Beleuchtung.",
                "results": [{"kpi_id": k["id"], "value": 1} for k in kpis],
            },
        ),
        201,
    )
    assert decision["outcome"] == "stop" and decision["follow_up"] == {"procedure": None, "value": None, "note": ""}
    assert ok(unit.get(f"/api/cases/{case_id}"))["stage"] == "stopped"
    # The start-up follows its case: pilot and decision, but not the internal lessons learned.
    seen = ok(as_(client, market, "startup").get(f"/api/cases/{case_id}"))
    assert seen["stage"] == "stopped" and seen["pilot"]["price"] == 45_000
    assert seen["decision"]["reason"] == "Ziele verfehlt" and seen["decision"]["lessons"] is None
    assert seen["decision"]["article_id"] is None


def test_who_may_do_what(client: TestClient, market: Market) -> None:
    cid = market.challenge.id
    assert client.get(f"/api/challenges/{cid}/explorations").status_code == 401  # anonymous

    agency = as_(client, market, "agency")
    refused = agency.post(f"/api/challenges/{cid}/explorations", json={})
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"

    unit = as_(client, market, "unit")
    run = start_run(unit, market)
    cand = by_title(run)["RoadScan"]
    url = f"/api/explorations/{run['id']}/candidates/{cand['id']}"
    change = {"status": "shortlist", "version": cand["version"]}

    agency = as_(client, market, "agency")
    assert ok(agency.get(f"/api/explorations/{run['id']}"))["id"] == run["id"]  # the owning agency reads the run
    assert agency.patch(url, json=change).status_code == 403
    assert agency.post(f"/api/explorations/{run['id']}/close").status_code == 403
    assert agency.get("/api/explorations/judgments").status_code == 403

    other = as_(client, market, "other_agency")
    assert other.get(f"/api/explorations/{run['id']}").status_code == 404
    startup = as_(client, market, "startup")
    assert startup.get(f"/api/explorations/{run['id']}").status_code == 404
    assert startup.patch(url, json=change).status_code == 404
    assert startup.get(f"/api/explorations/{run['id']}/report").status_code == 404

    unit = as_(client, market, "unit")
    ids = shortlist_and_close(unit, market, ["RoadScan", "StreetEye"])
    own, foreign = ids["RoadScan"], ids["StreetEye"]  # the start-up user works for RoadScan GmbH

    startup = as_(client, market, "startup")
    listed = ok(startup.get("/api/cases"))
    assert [c["id"] for c in listed["items"]] == [own] and listed["total"] == 1
    mine = ok(startup.get(f"/api/cases/{own}"))
    assert mine["allowed_steps"] == [] and mine["history"][0]["to_stage"] == "shortlisted"
    assert startup.get(f"/api/cases/{foreign}").status_code == 404
    assert step(startup, own, "pitch").status_code == 403
    assert startup.get(f"/api/cases/{own}/dossier").status_code == 403
    assert startup.get(f"/api/challenges/{cid}/criteria").status_code == 404  # an internal need
    assert startup.get("/api/pipeline/dashboard").status_code == 403
    assert ok(startup.get("/api/pipeline/stalled-pilots")) == []
    debrief = startup.get(f"/api/cases/{own}/debrief")
    assert debrief.status_code == 422 and debrief.json()["detail"][0]["field"] == "stage"

    agency = as_(client, market, "agency")
    assert ok(agency.get("/api/cases", params={"stage": ["shortlisted", "pitch"]}))["total"] == 2
    assert ok(agency.get("/api/cases", params={"stage": "adopted"}))["total"] == 0
    assert ok(agency.get(f"/api/cases/{own}"))["allowed_steps"] == []  # shortlisted → pitch is the unit's step
    assert agency.get("/api/pipeline/dashboard").status_code == 403
    assert agency.put(f"/api/challenges/{cid}/criteria", json={"criteria": CRITERIA}).status_code == 403
    assert as_(client, market, "other_agency").get(f"/api/cases/{own}").status_code == 404
    assert ok(as_(client, market, "other_agency").get("/api/cases"))["total"] == 0


@pytest.mark.parametrize("path", ["/api/explorations/999999", "/api/cases/999999", "/api/cases/999999/dossier"])
def test_unknown_ids_are_404_as_json(client: TestClient, market: Market, path: str) -> None:
    response = as_(client, market, "unit").get(path)
    assert response.status_code == 404 and response.json()["error"] == "not_found"
