"""The pipeline in the browser (through the HTTP client): one need through every stage, refusals, documents."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from govlotse.challenges.models import Challenge
from govlotse.exploration.models import Candidate, ExplorationRun
from govlotse.knowledge.models import Article
from govlotse.pipeline.models import Case, PitchCriterion
from govlotse.web.render import CSRF_FIELD
from tests.browser import form_fields, submit
from tests.factories import csrf, login, make_challenge
from tests.pipeline.conftest import Market


def _as(client: TestClient, market: Market, who: str) -> TestClient:
    client.cookies.clear()
    login(client, market.users[who])
    return client


def _start_run(client: TestClient, market: Market) -> ExplorationRun:
    page = f"/bedarfe/{market.challenge.id}"
    response = submit(client, page, f"/bedarfe/{market.challenge.id}/markterkundung")
    assert response.status_code == 200, response.text
    assert "Markterkundung durchgeführt" in response.text
    match = re.search(r"/markterkundung/(\d+)", str(response.url))
    assert match
    return ExplorationRun(id=int(match.group(1)))


def _candidates(session: Session, run_id: int) -> list[Candidate]:
    return list(session.scalars(select(Candidate).where(Candidate.run_id == run_id).order_by(Candidate.position)))


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_one_need_through_every_stage_in_the_browser(client: TestClient, session: Session, market: Market) -> None:
    # ---- market exploration: the unit runs it, shortlists two, excludes one with a reason, adds one by hand
    _as(client, market, "unit")
    run = _start_run(client, market)
    page = f"/markterkundung/{run.id}"
    html = client.get(page).text
    assert "Marktübersicht" in html and "Longlist" in html and market.challenge.title in html
    cands = {c.solution_id: c for c in _candidates(session, run.id)}
    by_title = {s.title: s.id for s in market.solutions}
    road = next(c for c in cands.values() if c.solution_id == by_title["RoadScan"])
    street = next(c for c in cands.values() if c.solution_id == by_title["StreetEye"])
    chat = next((c for c in cands.values() if c.solution_id == by_title["ChatDesk"]), None)
    for cand in (road, street):
        r = submit(client, page, f"{page}/kandidaten/{cand.id}", {"status": "shortlist"})
        assert r.status_code == 200, r.text
    if chat is not None:
        refused = submit(client, page, f"{page}/kandidaten/{chat.id}", {"status": "excluded"})
        assert refused.status_code == 422 and "Grund für den Ausschluss" in refused.text
        ok = submit(client, page, f"{page}/kandidaten/{chat.id}", {"status": "excluded", "reason": "Kein Bezug"})
        assert ok.status_code == 200
    else:
        missing = submit(
            client, page, f"{page}/hinzufuegen", {"solution_id": str(by_title["ChatDesk"]), "reason": "Von Messe"}
        )
        assert "von Hand aufgenommen" in missing.text
    graded = submit(client, page, f"{page}/kandidaten/{road.id}/urteil", {"grade": "2"})
    assert graded.status_code == 200
    export = client.get("/markterkundung/urteile.json")
    assert export.status_code == 200
    (judged,) = [q for q in export.json() if q["id"] == f"run:{run.id}"]
    assert judged["relevant"] == {f"solution:{by_title['RoadScan']}": 2} and judged["query"]

    report = client.get(f"{page}/bericht.pdf")
    assert report.status_code == 200 and report.headers["content-type"] == "application/pdf"
    text = _pdf_text(report.content)
    assert "Markterkundungsbericht" in text and "RoadScan" in text
    assert chat is None or "Kein Bezug" in text
    md = client.get(f"{page}/bericht.md").text
    assert "RoadScan" in md and "Shortlist" in md

    closed = submit(client, page, f"{page}/abschliessen")
    assert closed.status_code == 200 and "abgeschlossen" in closed.text
    frozen = client.get(page).text  # a closed run is read-only (judgments for quality measurement stay possible)
    assert f'action="{page}/kandidaten/{road.id}"' not in frozen and f'action="{page}/hinzufuegen"' not in frozen
    late = client.post(
        f"{page}/kandidaten/{road.id}", data={CSRF_FIELD: csrf(client), "status": "excluded", "reason": "zu spät"}
    )
    assert late.status_code == 409 and "eingefroren" in late.text and "Jemand anderes" not in late.text

    cases = list(session.scalars(select(Case).where(Case.run_id == run.id).order_by(Case.id)))
    assert len(cases) == 2
    case = next(c for c in cases if c.solution_id == by_title["RoadScan"])
    other = next(c for c in cases if c.solution_id == by_title["StreetEye"])

    # ---- pitch: criteria must add up to 100 %, then two evaluators score blind
    crit_page = f"/bedarfe/{market.challenge.id}/pitch"
    wrong = submit(
        client, crit_page, crit_page, {"name_0": "Wirkung", "weight_0": "60", "name_1": "Preis", "weight_1": "30"}
    )
    assert wrong.status_code == 422 and "90 %" in wrong.text and 'value="Wirkung"' in wrong.text
    saved = submit(
        client, crit_page, crit_page, {"name_0": "Wirkung", "weight_0": "60", "name_1": "Preis", "weight_1": "40"}
    )
    assert saved.status_code == 200 and "Bewertungskriterien gespeichert" in saved.text
    crits = list(session.scalars(select(PitchCriterion).where(PitchCriterion.challenge_id == market.challenge.id)))
    assert sorted(c.weight for c in crits) == [40, 60]

    for c in (case, other):
        moved = submit(client, f"/faelle/{c.id}", f"/faelle/{c.id}/schritt", button=("to", "pitch"))
        assert moved.status_code == 200 and "Schritt ausgeführt" in moved.text

    early = submit(client, f"/faelle/{case.id}", f"/faelle/{case.id}/schritt", button=("to", "selected"))
    assert early.status_code == 409
    assert "Pitch" in early.text and "Ausgewählt" in early.text and "noch niemand eine Bewertung" in early.text

    def score(c: Case, values: tuple[int, int]) -> None:
        typed = {}
        for crit, value in zip(sorted(crits, key=lambda x: x.position), values, strict=True):
            typed[f"score_{crit.id}"] = str(value)
            typed[f"comment_{crit.id}"] = f"Kommentar {value}"
        r = submit(client, f"/faelle/{c.id}", f"/faelle/{c.id}/bewertung", typed)
        assert r.status_code == 200, r.text

    # the agency scores first: it does not see the unit's scores before, and sees the matrix after
    _as(client, market, "agency")
    before = client.get(f"/faelle/{case.id}").text
    assert "Ihre Bewertung des Pitches" in before and "Spannweite" not in before
    bad = submit(client, f"/faelle/{case.id}", f"/faelle/{case.id}/bewertung", {f"score_{crits[0].id}": "11"})
    assert bad.status_code == 422 and "0 bis 10" in bad.text
    # a second tab still shows the scorecard form; its later submission is refused, the first one stands
    second_tab = dict(form_fields(client.get(f"/faelle/{case.id}").text, f"/faelle/{case.id}/bewertung")[1])
    score(case, (8, 6))
    score(other, (5, 5))
    again = client.post(f"/faelle/{case.id}/bewertung", data={**second_tab, **{f"score_{c.id}": "9" for c in crits}})
    assert again.status_code == 409 and "bereits abgegeben" in again.text
    _as(client, market, "unit")
    score(case, (6, 8))
    score(other, (5, 5))
    matrix = client.get(crit_page).text
    assert "Wertungsmatrix" in matrix and "Spannweite" in matrix and "RoadScan" in matrix

    selected = submit(client, f"/faelle/{case.id}", f"/faelle/{case.id}/schritt", button=("to", "selected"))
    assert selected.status_code == 200
    # before the pilot the case page offers the procurement advisor; a stored result lands in the dossier
    assert f'href="/vergabe?bedarf={market.challenge.id}"' in selected.text
    advice = submit(
        client,
        f"/vergabe?bedarf={market.challenge.id}&value=45000&kind=services&authority=sub-central&land=hamburg"
        f"&start_date={date.today().isoformat()}",
        "/vergabe/speichern",
    )
    assert advice.status_code == 200, advice.text
    assert "Noch kein gespeichertes Ergebnis" not in client.get(f"/faelle/{case.id}").text
    no_reason = submit(client, f"/faelle/{other.id}", f"/faelle/{other.id}/schritt", button=("to", "not_selected"))
    assert no_reason.status_code == 422 and "Begründung" in no_reason.text
    submit(
        client,
        f"/faelle/{other.id}",
        f"/faelle/{other.id}/schritt",
        {"step_reason": "Geringere Wirkung"},
        button=("to", "not_selected"),
    )

    # ---- pilot: agreement with 3 KPIs; a pilot longer than allowed is refused with the input kept
    today = date.today()
    pilot = {
        "scope": "Befahrung von 50 km Straße",
        "price": "45.000",
        "start": today.isoformat(),
        "end": (today + timedelta(days=180)).isoformat(),
        "go_no_go": (today + timedelta(days=170)).isoformat(),
        "kpi_name_0": "Erkennungsdauer",
        "kpi_unit_0": "Tage",
        "kpi_baseline_0": "180",
        "kpi_target_0": "14",
        "kpi_name_1": "Erkannte Schäden",
        "kpi_unit_1": "Anzahl",
        "kpi_baseline_1": "40",
        "kpi_target_1": "120",
        "kpi_name_2": "Kosten je km",
        "kpi_unit_2": "€",
        "kpi_baseline_2": "25,5",
        "kpi_target_2": "10",
        "ms_title_0": "Erste Befahrung",
        "ms_due_0": (today + timedelta(days=30)).isoformat(),
    }
    too_long = submit(
        client, f"/faelle/{case.id}", f"/faelle/{case.id}/pilot", {**pilot, "end": "2099-01-01", "go_no_go": ""}
    )
    assert too_long.status_code == 422 and "Befahrung von 50 km" in too_long.text
    ok = submit(client, f"/faelle/{case.id}", f"/faelle/{case.id}/pilot", pilot)
    assert ok.status_code == 200 and "Pilotvereinbarung gespeichert" in ok.text and "25,5" in ok.text
    assert "45.000 €" in ok.text  # German thousands grouping is read as such
    submit(client, f"/faelle/{case.id}", f"/faelle/{case.id}/schritt", button=("to", "pilot"))
    kpi_ids = [int(x) for x in re.findall(r'name="result_(\d+)"', client.get(f"/faelle/{case.id}").text)]
    assert len(kpi_ids) == 3
    progress = submit(
        client, f"/faelle/{case.id}", f"/faelle/{case.id}/zwischenstand", {f"result_{kpi_ids[0]}": "30", "note": "ok"}
    )
    assert progress.status_code == 200 and "Zwischenstand gespeichert" in progress.text

    # ---- evaluation and adoption: the agency decides go; lessons become a draft article
    _as(client, market, "agency")
    submit(client, f"/faelle/{case.id}", f"/faelle/{case.id}/schritt", button=("to", "evaluation"))
    typed = {
        "outcome": "go",
        "decision_reason": "Ziele erreicht",
        "lessons": "Früh die Straßenmeisterei einbinden.",
        f"result_{kpi_ids[0]}": "12",
        f"result_{kpi_ids[1]}": "130",
    }
    incomplete = submit(client, f"/faelle/{case.id}", f"/faelle/{case.id}/entscheidung", typed)
    assert incomplete.status_code == 422 and "Kosten je km" in incomplete.text
    assert "Früh die Straßenmeisterei einbinden." in incomplete.text  # input kept
    typed[f"result_{kpi_ids[2]}"] = "9"
    typed.update(follow_procedure="negotiated_without_competition", follow_value="120000")
    done = submit(client, f"/faelle/{case.id}", f"/faelle/{case.id}/entscheidung", typed)
    assert done.status_code == 200 and "Entscheidung erfasst" in done.text
    assert "Übernommen" in done.text and "Erfahrungsbericht" in done.text
    article = session.scalar(select(Article).where(Article.case_id == case.id))
    assert article is not None and article.status == "draft"

    # ---- documents: the dossier shows what happened
    dossier = client.get(f"/faelle/{case.id}/dossier.pdf")
    assert dossier.status_code == 200
    text = _pdf_text(dossier.content)
    for expected in ("RoadScan", "Ziele erreicht", "Erkennungsdauer", "Wirkung"):
        assert expected in text, expected
    md = client.get(f"/faelle/{case.id}/dossier.md").text
    assert "Geringere Wirkung" not in md  # the other case's reasons are not in this dossier
    assert "Ziele erreicht" in md and "Früh die Straßenmeisterei" in md
    assert "Vergabe und Recht" in md and "Vergabeberatung" in md  # the advice stored before the pilot
    assert "120.000" in md  # the follow-up procurement's estimated value

    _as(client, market, "unit")
    board = client.get("/lotsenstelle")
    assert board.status_code == 200 and "Übernahmequote" in board.text and "100 %" in board.text


def test_debrief_for_the_startup_not_selected(client: TestClient, session: Session, market: Market) -> None:
    from govlotse.exploration import service as exploration
    from govlotse.exploration.models import CandidateStatus
    from govlotse.pipeline import service as pipeline
    from govlotse.pipeline.models import Stage

    unit, agency = market.actor("unit"), market.actor("agency")
    run = exploration.start_run(
        session=session, actor=unit, challenge=market.challenge, filters=exploration.RunFilters()
    )
    road = next(c for c in run.candidates if c.solution.title == "RoadScan")
    exploration.set_status(session=session, actor=unit, run=run, candidate_id=road.id, status=CandidateStatus.shortlist)
    (case_id,) = exploration.close_run(session=session, actor=unit, run=run)
    case = pipeline.get_case(session=session, actor=unit, case_id=case_id)
    crits = pipeline.set_criteria(
        session=session, actor=unit, challenge=market.challenge, items=[{"name": "Wirkung", "weight": 100}]
    )
    pipeline.transition(session=session, actor=unit, case=case, to=Stage.pitch)
    pipeline.submit_scores(session=session, actor=agency, case=case, scores={crits[0].id: (3, "zu teuer")})
    pipeline.transition(session=session, actor=unit, case=case, to=Stage.not_selected, reason="Zu teuer")
    session.flush()

    _as(client, market, "startup")  # the start-up of RoadScan
    page = client.get(f"/faelle/{case_id}")
    assert page.status_code == 200
    assert "Rückmeldung zum Pitch" in page.text and "zu teuer" in page.text and "Zu teuer" in page.text
    assert market.users["agency"].name not in page.text  # evaluators stay anonymous to the start-up
    assert client.get(f"/faelle/{case_id}/dossier.pdf").status_code == 403
    _as(client, market, "other_agency")
    assert client.get(f"/faelle/{case_id}").status_code == 404


def test_concurrent_step_is_refused_and_keeps_the_reason(client: TestClient, session: Session, market: Market) -> None:
    from govlotse.exploration import service as exploration
    from govlotse.exploration.models import CandidateStatus
    from govlotse.pipeline import service as pipeline
    from govlotse.pipeline.models import Stage

    unit = market.actor("unit")
    run = exploration.start_run(
        session=session, actor=unit, challenge=market.challenge, filters=exploration.RunFilters()
    )
    first = run.candidates[0]
    exploration.set_status(
        session=session, actor=unit, run=run, candidate_id=first.id, status=CandidateStatus.shortlist
    )
    (case_id,) = exploration.close_run(session=session, actor=unit, run=run)
    session.flush()

    _as(client, market, "unit")
    page = client.get(f"/faelle/{case_id}").text  # read version 1 ...
    case = pipeline.get_case(session=session, actor=market.actor("unit2"), case_id=case_id)
    pipeline.transition(session=session, actor=market.actor("unit2"), case=case, to=Stage.pitch)  # ... someone moves it
    session.flush()
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version
    response = client.post(
        f"/faelle/{case_id}/schritt",
        data={
            CSRF_FIELD: csrf(client),
            "version": version.group(1),
            "to": "withdrawn",
            "step_reason": "Start-up hat abgesagt",
        },
    )
    assert response.status_code == 409
    assert "inzwischen geändert" in response.text and "Start-up hat abgesagt" in response.text


def test_exploration_needs_an_accepted_need_and_the_unit(client: TestClient, session: Session, market: Market) -> None:
    draft = make_challenge(session, org=market.agency, title="Noch ein Entwurf")
    session.flush()
    _as(client, market, "unit")
    refused = client.post(f"/bedarfe/{draft.id}/markterkundung", data={CSRF_FIELD: csrf(client)})
    assert refused.status_code == 409 and "angenommenen Bedarf" in refused.text
    _as(client, market, "agency")
    client.get("/bedarfe")
    assert "Neue Markterkundung" not in client.get(f"/bedarfe/{market.challenge.id}").text
    denied = client.post(f"/bedarfe/{market.challenge.id}/markterkundung", data={CSRF_FIELD: csrf(client)})
    assert denied.status_code == 403


def test_merge_a_duplicate_need_across_agencies(client: TestClient, session: Session, market: Market) -> None:
    from govlotse.challenges.models import ChallengeStatus
    from tests.factories import make_org

    other_agency = make_org(session, kind="agency", name="Bezirksamt Nord")
    duplicate = make_challenge(session, org=other_agency, title="Schlaglöcher schneller finden")
    assert duplicate.status == ChallengeStatus.submitted
    session.flush()
    _as(client, market, "unit")
    page = f"/bedarfe/{duplicate.id}"
    missing = submit(client, page, f"{page}/zusammenfuehren", {"merge_reason": "Doppelt"})
    assert missing.status_code == 422 and "Bedarf wählen" in missing.text and "Doppelt" in missing.text
    merged = submit(
        client, page, f"{page}/zusammenfuehren", {"merged_into_id": str(market.challenge.id), "merge_reason": "Doppelt"}
    )
    assert merged.status_code == 200 and "Zusammengeführt in" in merged.text
    assert market.challenge.title in merged.text
    target = client.get(f"/bedarfe/{market.challenge.id}").text
    assert "Zusammengeführte Bedarfe" in target and "Schlaglöcher schneller finden" in target
    assert session.get(Challenge, duplicate.id) is not None  # kept with its history


def test_english_case_pages(client: TestClient, session: Session, market: Market) -> None:
    _as(client, market, "unit")
    board = client.get("/lotsenstelle?lang=en")
    assert board.status_code == 200 and "Adoption rate" in board.text
    assert client.get("/faelle?lang=en").status_code == 200


def test_concurrent_criteria_edits_are_refused(client: TestClient, session: Session, market: Market) -> None:
    _as(client, market, "unit")
    page = f"/bedarfe/{market.challenge.id}/pitch"
    html = client.get(page).text  # the first editor reads the (empty) criteria ...
    first = submit(client, page, page, {"name_0": "Wirkung", "weight_0": "100"})  # ... a second editor saves
    assert first.status_code == 200
    version = re.search(r'name="criteria_version" value="([0-9a-f]*)"', html)
    assert version
    stale = client.post(
        page,
        data={
            CSRF_FIELD: csrf(client),
            "criteria_version": version.group(1),
            "name_0": "Preis",
            "weight_0": "100",
        },
    )
    assert stale.status_code == 409 and "inzwischen geändert" in stale.text and 'value="Preis"' in stale.text
    assert "Gespeicherter Stand" in stale.text and "<strong>Wirkung</strong>" in stale.text
    again = submit(client, page, page, {"name_0": "Preis", "weight_0": "100"})
    assert again.status_code == 200 and "Bewertungskriterien gespeichert" in again.text
