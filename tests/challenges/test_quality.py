"""Brief-quality check of a need: the rules (German and English), the live partial, the form page and the API."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from govlotse.challenges import quality
from govlotse.challenges.quality import MIN_PROBLEM_WORDS, TEXTS, Finding, check, check_form, named_product
from govlotse.i18n import translate
from govlotse.organisations.models import Organisation
from tests.factories import csrf, login, make_challenge, make_org, make_user

GOOD_PROBLEM = (
    "Das Bürgeramt erhält jeden Monat rund 4.000 Anfragen per E-Mail. Die Beschäftigten sortieren sie von Hand, "
    "Antworten dauern im Schnitt zwölf Tage, und viele Bürgerinnen und Bürger fragen deshalb mehrfach nach."
)
GOOD_PROBLEM_EN = (
    "The citizens' office receives about 4,000 e-mails every month. Staff sort them by hand, replies take "
    "twelve days on average, and many residents therefore ask the same question again by phone."
)
GOOD: dict[str, Any] = {
    "title": "Bürgeranfragen schneller beantworten",
    "problem": GOOD_PROBLEM,
    "desired_outcome": "Antwortzeit von 12 auf 3 Tage senken",
    "budget_min": 20_000,
    "budget_max": 80_000,
}


def _codes(**changes: Any) -> list[tuple[str, str]]:
    """(code, field) of the findings for the good need with some fields changed."""
    return [(f.code, f.field) for f in check(**{**GOOD, **changes})]


def test_a_good_need_has_no_findings() -> None:
    assert check(**GOOD) == []
    english = {**GOOD, "title": "Answer citizens faster", "problem": GOOD_PROBLEM_EN}
    assert check(**{**english, "desired_outcome": "Cut the reply time from 12 to 3 days"}) == []


# --- (1) problem statement ----------------------------------------------------------------------------


@pytest.mark.parametrize("problem", ["", "   \n ", None])
def test_missing_problem(problem: str | None) -> None:
    assert _codes(problem=problem) == [("problem_missing", "problem")]


@pytest.mark.parametrize(
    "problem",
    [
        "Parkplätze sind unklar belegt.",
        "Schlaglöcher werden erst spät gemeldet; die Kontrolle zu Fuß dauert Monate.",
        "Parking spaces are hard to find.",
        "4.000 12 30 2025 100 % 1.000 €",  # figures alone are no description
    ],
)
def test_thin_problem(problem: str) -> None:
    assert _codes(problem=problem) == [("problem_thin", "problem")]


@pytest.mark.parametrize("problem", [GOOD_PROBLEM, GOOD_PROBLEM_EN, " ".join(["Wort"] * MIN_PROBLEM_WORDS)])
def test_a_problem_of_enough_words_is_not_thin(problem: str) -> None:
    assert _codes(problem=problem) == []


def test_thin_problem_names_the_minimum() -> None:
    (finding,) = check(**{**GOOD, "problem": "Zu kurz."})
    assert finding.message == f"Die Problembeschreibung ist sehr knapp (weniger als {MIN_PROBLEM_WORDS} Wörter)."
    assert "Fallzahlen" in finding.hint


# --- (2) measurable outcome ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "outcome",
    [
        "Bearbeitungszeit von 30 auf 10 Tage senken",
        "80 % der Anträge online",
        "Fehlerquote unter fünf Prozent",
        "Die Wartezeit halbieren",
        "Rückstand um die Hälfte reduzieren",
        "Antwort innerhalb von zwei Wochen",
        "Bescheid binnen einer Woche",
        "Weniger als zehn Beschwerden pro Monat",
        "Jeden Antrag am selben Werktag bearbeiten",
        "Höchstens eine Rückfrage je Antrag",
        "Kosten reduzieren um ein Drittel",
        "Cut processing time by half",
        "Reply within three days",
        "No more than twenty complaints per month",
        "Reduce errors by 30%",
        "Answer every request in two working days",
    ],
)
def test_measurable_outcomes(outcome: str) -> None:
    assert _codes(desired_outcome=outcome) == []


@pytest.mark.parametrize(
    "outcome",
    [
        "Kosten senken",
        "Schnellere Bearbeitung",
        "Weniger Fehler bei der Erfassung",
        "Die Bürgerzufriedenheit verbessern",
        "Reduce errors",
        "Faster processing and better service",
    ],
)
def test_direction_without_target(outcome: str) -> None:
    assert _codes(desired_outcome=outcome) == [("outcome_no_target", "desired_outcome")]


@pytest.mark.parametrize(
    "outcome",
    [
        "Zufriedene Bürgerinnen und Bürger",
        "Eine moderne, digitale Verwaltung",
        "Anträge per E-Mail statt auf Papier",
        "Den Alltag der Beschäftigten erleichtern",
        "Happy citizens",
        "A modern digital administration",
    ],
)
def test_outcome_that_cannot_be_measured(outcome: str) -> None:
    assert _codes(desired_outcome=outcome) == [("outcome_not_measurable", "desired_outcome")]


@pytest.mark.parametrize("outcome", ["", "  ", None])
def test_missing_outcome(outcome: str | None) -> None:
    assert _codes(desired_outcome=outcome) == [("outcome_missing", "desired_outcome")]


# --- (3) budget range ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("budget_min", "budget_max", "expected"),
    [
        (None, None, [("budget_missing", "budget_min")]),
        (10_000, None, [("budget_max_missing", "budget_max")]),
        (None, 50_000, [("budget_min_missing", "budget_min")]),
        (10_000, 50_000, []),
        (0, 0, []),  # zero is an answer, not a gap
    ],
)
def test_budget_range(budget_min: int | None, budget_max: int | None, expected: list[tuple[str, str]]) -> None:
    assert _codes(budget_min=budget_min, budget_max=budget_max) == expected


@pytest.mark.parametrize(
    ("typed", "amount"),
    [("50000", 50_000), ("50.000", 50_000), ("50.000 €", 50_000), (" 7 500 ", 7_500), ("", None), ("abc", None)],
)
def test_budget_as_typed_in_the_form(typed: str, amount: int | None) -> None:
    assert quality.amount(typed) == amount


# --- (4) product or vendor instead of a problem -------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Wir brauchen Microsoft Teams", "Microsoft Teams"),
        ("ChatGPT für die Verwaltung", "ChatGPT"),
        ("SAP-Modul für Reisekosten", "SAP"),
        ("Lizenzen für Zoom", "Lizenzen für Zoom"),
        ("Eine App von Acme für Bürgeranliegen", "App von Acme für Bürgeranliegen"),
        ("Software der Firma Muster GmbH", "Software der Firma Muster GmbH"),
        ("We need Slack", "Slack"),
        ("Licences for Power BI", "Licences for Power BI"),
        ("Roll out Microsoft 365 in all offices", "Microsoft 365"),
    ],
)
def test_product_in_title(title: str, name: str) -> None:
    findings = [f for f in check(**{**GOOD, "title": title}) if f.code == "product_named"]
    assert [(f.field, f.message) for f in findings] == [
        ("title", f"Der Titel nennt ein Produkt oder eine Beschaffung („{name}“) statt eines Problems.")
    ]
    assert "Schnittstellen" in findings[0].hint


@pytest.mark.parametrize(
    "title",
    [
        "Straßenschäden früher erkennen",
        "Excel-Listen im Bauamt ablösen",
        "SAP R/3 ablösen",
        "Ablösung von Microsoft Access",
        "Teams im Bürgeramt entlasten",  # "Teams" alone is a word, not the product
        "Sap und Harz an Straßenbäumen erkennen",  # brands in capitals match only in capitals
        "Replace SharePoint file shares",
        "Answer citizens faster",
    ],
)
def test_no_product_in_title(title: str) -> None:
    assert named_product(title, strict=True) is None
    assert all(f.code != "product_named" for f in check(**{**GOOD, "title": title}))


@pytest.mark.parametrize(
    ("sentence", "name"),
    [
        ("Wir möchten Microsoft Teams kaufen.", "Wir möchten Microsoft Teams kaufen"),
        ("Wir brauchen dringend ChatGPT für alle Beschäftigten.", "ChatGPT"),
        ("Microsoft Teams soll beschafft werden.", "Microsoft Teams"),
        ("Dafür beschaffen wir Zoom für alle Standorte.", "beschaffen wir Zoom für alle Standorte"),
        ("Es fehlen Lizenzen für Webex.", "Lizenzen für Webex"),
        ("Wir wünschen uns eine App von Acme.", "App von Acme"),
        ("We want to buy a ticketing system.", "We want to buy a ticketing system"),
        ("We need Slack for all staff.", "Slack"),
    ],
)
def test_product_in_problem(sentence: str, name: str) -> None:
    findings = [f for f in check(**{**GOOD, "problem": f"{GOOD_PROBLEM} {sentence}"}) if f.code == "product_named"]
    assert [(f.field, f.message) for f in findings] == [
        ("problem", f"Die Problembeschreibung nennt ein Produkt oder eine Beschaffung („{name}“) statt des Problems.")
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "Die Daten liegen in SAP und werden von Hand in das Fachverfahren übertragen.",
        "Wir brauchen eine Lösung, die Daten aus SAP übernimmt.",  # an integration, not a product wish
        "Die Termine werden heute in Outlook und auf Papier geführt.",
        "Wir wollen SAP R/3 ablösen, weil die Wartung endet.",
        "Case files are stored in SharePoint and nobody finds them.",
        "Die Software zur Lösung von Problemen fehlt.",
    ],
)
def test_systems_in_use_are_context_not_a_product_wish(sentence: str) -> None:
    assert all(f.code != "product_named" for f in check(**{**GOOD, "problem": f"{GOOD_PROBLEM} {sentence}"}))


def test_product_named_in_title_and_problem_gives_one_finding_each() -> None:
    findings = check("Wir brauchen ChatGPT", "Wir brauchen ChatGPT. Wir brauchen auch Microsoft Teams.", "", None, None)
    assert [(f.code, f.field) for f in findings] == [
        ("product_named", "title"),
        ("product_named", "problem"),
        ("problem_thin", "problem"),
        ("outcome_missing", "desired_outcome"),
        ("budget_missing", "budget_min"),
    ]


# --- findings as a whole ------------------------------------------------------------------------------


def test_every_rule_has_german_text_and_fills_its_placeholders() -> None:
    findings = (
        check("Wir brauchen ChatGPT", "Wir brauchen ChatGPT.", "besser", 1, None)
        + check("", "", "", None, 1)
        + check("", "Zu kurz.", "nett", None, None)
    )
    assert {f.code for f in findings} == set(quality.CODES)  # every rule can be reached
    for finding in findings:
        assert isinstance(finding, Finding)
        assert finding.message and finding.hint and "{" not in finding.message + finding.hint
    for message, hint in TEXTS.values():
        assert message.endswith(".") and hint.endswith(".")


def test_findings_are_translated(monkeypatch: pytest.MonkeyPatch) -> None:
    catalog = {
        "Die Problembeschreibung ist sehr knapp (weniger als {minimum} Wörter).": "Very short ({minimum} words).",
        TEXTS["problem_thin"][1]: "Say who is affected.",
    }
    monkeypatch.setattr("govlotse.i18n._catalog", lambda lang: catalog if lang == "en" else {})
    (finding,) = check(**{**GOOD, "problem": "Too short."}, lang="en")
    assert (finding.message, finding.hint) == (f"Very short ({MIN_PROBLEM_WORDS} words).", "Say who is affected.")


def test_check_form_reads_raw_and_stored_values() -> None:
    assert check_form({}).blank and check_form({"title": " ", "budget_min": ""}).blank
    typed = check_form({**GOOD, "budget_min": "20.000", "budget_max": "", "tags": ["x"]})
    assert not typed.blank and [f.code for f in typed.findings] == ["budget_max_missing"]
    assert check_form({**GOOD, "visibility": "internal"}).findings == []


# --- the live partial ---------------------------------------------------------------------------------


def _partial_findings(html: str) -> list[tuple[str, str]]:
    return re.findall(r'data-code="(\w+)">\s*<a href="#f-(\w+)">', html)


def test_partial_lists_findings_linked_to_their_fields(client: TestClient) -> None:
    response = client.post(
        "/bedarfe/pruefung",
        data={
            "csrf_token": csrf(client),
            "title": "Wir brauchen Microsoft Teams",
            "problem": "Kurz.",
            "desired_outcome": "Schneller werden",
            "budget_min": "10000",
            "budget_max": "",
        },
    )
    assert response.status_code == 200
    html = response.text
    assert "<html" not in html and "<form" not in html
    assert _partial_findings(html) == [
        ("product_named", "title"),
        ("problem_thin", "problem"),
        ("outcome_no_target", "desired_outcome"),
        ("budget_max_missing", "budget_max"),
    ]
    assert "4 Hinweise zur Beschreibung:" in html
    assert "(„Microsoft Teams“)" in html and "Die Obergrenze des Budgets fehlt." in html


def test_partial_escapes_what_was_typed(client: TestClient) -> None:
    html = client.get("/bedarfe/pruefung", params={"title": "Lizenzen für <script>x</script>"}).text
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_partial_by_query_and_positive_message(client: TestClient) -> None:
    good = client.get("/bedarfe/pruefung", params={**GOOD, "budget_min": "20000", "budget_max": "80000"})
    assert good.status_code == 200 and _partial_findings(good.text) == []
    assert "Gut beschrieben" in good.text
    one = client.get("/bedarfe/pruefung", params={**GOOD, "budget_max": ""})
    assert _partial_findings(one.text) == [("budget_max_missing", "budget_max")]
    assert "Ein Hinweis zur Beschreibung:" in one.text
    blank = client.get("/bedarfe/pruefung")
    assert _partial_findings(blank.text) == [] and "Während Sie schreiben, prüfen wir hier" in blank.text


def test_partial_post_needs_the_csrf_token(client: TestClient) -> None:
    response = client.post("/bedarfe/pruefung", data={"title": "Wir brauchen SAP"})
    assert response.status_code == 403 and "Formular ist abgelaufen" in response.text


# --- the form page (without JavaScript) ---------------------------------------------------------------


@pytest.fixture
def agency(session: Session) -> Organisation:
    return make_org(session, kind="agency", name="Bezirksamt Nord")


@pytest.fixture
def agency_client(client: TestClient, session: Session, agency: Organisation) -> TestClient:
    login(client, make_user(session, role="agency", org=agency))
    return client


def _panel(html: str) -> str:
    match = re.search(r'<section class="quality-panel".*?</section>', html, re.S)
    assert match, "the quality panel is missing"
    return match.group(0)


def test_new_form_shows_the_panel_with_live_attributes(agency_client: TestClient) -> None:
    html = agency_client.get("/bedarfe/neu").text
    panel = _panel(html)
    assert 'aria-labelledby="quality-title"' in panel and "Ist der Bedarf gut beschrieben?" in panel
    assert re.search(r'<div id="quality-results" aria-live="polite" data-live-source="/bedarfe/pruefung"', panel)
    assert 'data-live-method="post"' in panel
    assert 'data-live-fields="title problem desired_outcome budget_min budget_max"' in panel
    assert "Während Sie schreiben, prüfen wir hier" in panel and _partial_findings(panel) == []  # nothing typed yet
    # the similar-needs panel uses the same mechanism
    assert 'data-live-source="/bedarfe/aehnliche"' in html and 'data-live-join="text"' in html
    for field in ("title", "problem", "desired_outcome", "budget_min", "budget_max"):
        assert f'id="f-{field}"' in html  # every finding's link has a target


def test_edit_form_shows_findings_of_the_stored_need(
    agency_client: TestClient, agency: Organisation, session: Session
) -> None:
    challenge = make_challenge(session, org=agency, title="Wir brauchen ChatGPT", budget_max=40_000)
    html = agency_client.get(f"/bedarfe/{challenge.id}/bearbeiten").text
    assert _partial_findings(_panel(html)) == [
        ("product_named", "title"),
        ("problem_thin", "problem"),
        ("outcome_missing", "desired_outcome"),
        ("budget_min_missing", "budget_min"),
    ]
    assert f'data-live-params="exclude={challenge.id}"' in html


def test_form_shown_again_after_an_error_checks_what_was_typed(agency_client: TestClient) -> None:
    response = agency_client.post(
        "/bedarfe/neu",
        data={
            "csrf_token": csrf(agency_client),
            "title": "ab",
            "problem": "Wir möchten Microsoft Teams kaufen.",
            "desired_outcome": "Antwort innerhalb von drei Tagen",
            "budget_min": "5000",
            "budget_max": "20000",
            "action": "submit",
        },
    )
    assert response.status_code == 422 and 'id="error-summary"' in response.text
    assert _partial_findings(_panel(response.text)) == [("product_named", "problem"), ("problem_thin", "problem")]


def test_findings_never_block_submission(agency_client: TestClient) -> None:
    response = agency_client.post(
        "/bedarfe/neu",
        data={"csrf_token": csrf(agency_client), "title": "Wir brauchen SAP", "problem": "SAP.", "action": "submit"},
        follow_redirects=False,
    )
    assert response.status_code == 303


# --- the JSON API -------------------------------------------------------------------------------------


def test_api_check_returns_findings(client: TestClient) -> None:
    response = client.post(
        "/api/challenges/check",
        json={"title": "Wir brauchen Microsoft Teams", "problem": "Kurz.", "desired_outcome": "", "budget_min": 5},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [(f["code"], f["field"]) for f in body] == [
        ("product_named", "title"),
        ("problem_thin", "problem"),
        ("outcome_missing", "desired_outcome"),
        ("budget_max_missing", "budget_max"),
    ]
    assert set(body[0]) == {"code", "field", "message", "hint"}
    assert body[2]["message"] == "Das gewünschte Ergebnis fehlt."


def test_api_check_accepts_a_whole_draft_and_an_empty_one(client: TestClient, session: Session) -> None:
    draft = {**GOOD, "organisation_id": 1, "tags": ["chatbot"], "personal_data": True}
    assert client.post("/api/challenges/check", json=draft).json() == []
    empty = client.post("/api/challenges/check", json={}).json()
    assert [f["code"] for f in empty] == ["problem_missing", "outcome_missing", "budget_missing"]


def test_api_check_validates_budget(client: TestClient) -> None:
    response = client.post("/api/challenges/check", json={**GOOD, "budget_min": -5})
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "budget_min"


def test_api_check_speaks_the_requested_language(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    english = {"Das gewünschte Ergebnis fehlt.": "The desired outcome is missing."}
    monkeypatch.setattr("govlotse.i18n._catalog", lambda lang: english if lang == "en" else {})
    body = {**GOOD, "desired_outcome": ""}
    german = client.post("/api/challenges/check", json=body, headers={"Accept-Language": "de"}).json()
    assert german[0]["message"] == "Das gewünschte Ergebnis fehlt."
    en = client.post("/api/challenges/check", json=body, headers={"Accept-Language": "en-GB,en;q=0.9"}).json()
    assert en[0]["message"] == "The desired outcome is missing."
    assert en[0]["hint"] == translate(TEXTS["outcome_missing"][1], "en")


def test_api_check_is_not_taken_for_a_challenge_id(client: TestClient, session: Session) -> None:
    agency = make_org(session, kind="agency")
    challenge = make_challenge(session, org=agency, visibility="published")
    assert client.post("/api/challenges/check", json=GOOD).status_code == 200
    assert client.get(f"/api/challenges/{challenge.id}").json()["title"] == challenge.title
    assert "/api/challenges/check" in client.get("/api/openapi.json").json()["paths"]
