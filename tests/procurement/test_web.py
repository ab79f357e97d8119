"""The advisor in the browser: pages, storing on a need, permissions, rule-set upload."""

from __future__ import annotations

import yaml
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from govlotse.procurement import rules
from tests.browser import submit
from tests.factories import csrf, login, make_challenge, make_org, make_user


def test_advisor_page_prefilled_from_a_need_and_stored(client: TestClient, session: Session) -> None:
    agency = make_org(session, kind="agency")
    challenge = make_challenge(session, org=agency, budget_max=90_000, duration_months=12)
    login(client, make_user(session, role="unit", org=make_org(session)))
    form = client.get(f"/vergabe?bedarf={challenge.id}")
    assert form.status_code == 200 and 'value="90000"' in form.text
    result = client.get(
        "/vergabe",
        params={
            "bedarf": challenge.id,
            "value": 90000,
            "kind": "services",
            "authority": "sub-central",
            "land": "hamburg",
            "start_date": "2026-09-01",
            "term_months": 12,
            "innovative": "1",
            "govtech_unit": "1",
        },
    )
    assert "Keine Rechtsberatung" in result.text and "Experimentierklausel GovTech" in result.text
    assert "Nationales Vergaberecht" in result.text and "2026-11-28" in result.text
    saved = client.post(
        "/vergabe/speichern",
        data={
            "csrf_token": csrf(client),
            "challenge_id": challenge.id,
            "value": 90000,
            "kind": "services",
            "authority": "sub-central",
            "land": "hamburg",
            "start_date": "2026-09-01",
            "term_months": 12,
            "innovative": "1",
            "govtech_unit": "1",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    stored = client.get(saved.headers["location"])
    assert "Experimentierklausel GovTech" in stored.text and "Regelwerk 2026-11-28" in stored.text
    page = client.get(f"/bedarfe/{challenge.id}")
    assert "Gespeicherte Ergebnisse" in page.text and "Experimentierklausel GovTech (Hamburg)" in page.text


def test_advisor_form_errors(client: TestClient, session: Session) -> None:
    login(client, make_user(session, role="agency", org=make_org(session)))
    page = client.get(
        "/vergabe",
        params={
            "value": "-5",
            "kind": "services",
            "authority": "sub-central",
            "land": "hamburg",
            "start_date": "2026-02-30",
        },
    )
    assert page.status_code == 422
    assert 'href="#f-value"' in page.text and 'href="#f-start_date"' in page.text


def test_startups_and_anonymous_do_not_use_the_advisor(client: TestClient, session: Session) -> None:
    assert client.get("/vergabe", follow_redirects=False).status_code == 303
    login(client, make_user(session, role="startup", org=make_org(session, kind="startup")))
    assert client.get("/vergabe").status_code == 403
    assert (
        client.post(
            "/api/procurement/advice",
            json={"value": 1, "kind": "services", "authority": "central", "start_date": "2026-09-01"},
        ).status_code
        == 403
    )


def test_api_advice_and_ai_act(client: TestClient, session: Session) -> None:
    login(client, make_user(session, role="agency", org=make_org(session)))
    advice = client.post(
        "/api/procurement/advice",
        json={"value": 216000, "kind": "services", "authority": "sub-central", "start_date": "2026-09-01"},
    )
    assert advice.status_code == 200 and advice.json()["regime"] == "eu"
    bad = client.post(
        "/api/procurement/advice", json={"value": -1, "kind": "x", "authority": "central", "start_date": "2026-13-01"}
    )
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["detail"]} == {"value", "kind", "start_date"}
    check = client.post("/api/procurement/ai-act", json={"annex_iii_point": 5, "use_date": "2027-12-02"})
    assert check.json()["risk_class"] == "high_risk"
    assert (
        client.get("/api/procurement/evb-it", params={"service_kind": "cloud_service"}).json()["contract"]
        == "EVB-IT Cloud"
    )


def test_ai_act_page_with_suggestion_and_storing(client: TestClient, session: Session) -> None:
    agency = make_org(session, kind="agency")
    challenge = make_challenge(
        session,
        org=agency,
        title="Wohngeldanträge automatisch vorprüfen",
        problem="Anspruch auf Wohngeld und Sozialleistungen prüfen, Leistungen gewähren.",
    )
    login(client, make_user(session, role="agency", org=agency))
    page = client.get(f"/vergabe/ki-verordnung?bedarf={challenge.id}")
    assert page.status_code == 200 and "Anhang III Nr. 5" in page.text
    result = submit(
        client,
        f"/vergabe/ki-verordnung?bedarf={challenge.id}",
        "/vergabe/ki-verordnung",
        {"annex_iii_point": "5", "interacts_with_people": "1", "use_date": "2027-01-15"},
    )
    assert "Hochrisiko-KI-System" in result.text and "2027-12-02" in result.text
    params = {"bedarf": challenge.id, "annex_iii_point": "5", "use_date": "2027-01-15"}
    saved = submit(
        client,
        "/vergabe/ki-verordnung?" + "&".join(f"{k}={v}" for k, v in params.items()),
        "/vergabe/ki-verordnung/speichern",
    )
    assert "Prüfung nach KI-Verordnung vom" in saved.text


def test_admin_uploads_a_rule_set_and_a_bad_one_is_refused(client: TestClient, session: Session) -> None:
    login(client, make_user(session, role="admin"))
    page = client.get("/vergabe/regeln")
    assert page.status_code == 200 and "Neue Version laden" in page.text
    data = yaml.safe_load(rules.shipped_files()[-1].read_text(encoding="utf-8"))
    data["rules"][0]["amount"] = "viel"
    bad = client.post(
        "/vergabe/regeln",
        data={"csrf_token": csrf(client)},
        files={"file": ("bad.yaml", yaml.safe_dump(data, allow_unicode=True).encode(), "text/yaml")},
    )
    assert bad.status_code == 422 and "threshold.works_classic.2026" in bad.text
    data["rules"][0]["amount"] = 5_404_000
    data["version"] = "2026-12-01"
    good = client.post(
        "/vergabe/regeln",
        data={"csrf_token": csrf(client)},
        files={"file": ("good.yaml", yaml.safe_dump(data, allow_unicode=True).encode(), "text/yaml")},
        follow_redirects=False,
    )
    assert good.status_code == 303
    assert "<strong>2026-12-01</strong>" in client.get("/vergabe/regeln").text


def test_evb_it_in_the_advisor_page(client: TestClient, session: Session) -> None:
    login(client, make_user(session, role="agency", org=make_org(session)))
    page = client.get("/vergabe", params={"evb": "custom_development"})
    assert "EVB-IT Erstellung" in page.text and 'value="custom_development" selected' in page.text
