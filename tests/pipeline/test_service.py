"""The venture-client pipeline through its services: exploration, pitch, pilot, decision, refusals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from govlotse.core import audit
from govlotse.errors import Conflict, Forbidden, IllegalTransition, Invalid
from govlotse.exploration import service as exploration
from govlotse.exploration.models import CandidateStatus, RunStatus
from govlotse.knowledge import service as knowledge
from govlotse.knowledge.models import Article
from govlotse.matching import service as matching
from govlotse.pipeline import service as pipeline
from govlotse.pipeline.models import Case, Stage
from tests.pipeline.conftest import Market

KPIS = [
    {"name": "Erkennungsdauer", "unit": "Tage", "baseline": 180, "target": 14},
    {"name": "Erkannte Schäden", "unit": "Anzahl/Monat", "baseline": 40, "target": 120},
    {"name": "Kosten je Kilometer", "unit": "€", "baseline": 25, "target": 10},
]


def _run(session: Session, market: Market) -> exploration.ExplorationRun:
    return exploration.start_run(
        session=session, actor=market.actor("unit"), challenge=market.challenge, filters=exploration.RunFilters()
    )


def _shortlisted_cases(session: Session, market: Market, n: int = 2) -> list[Case]:
    run = _run(session, market)
    unit = market.actor("unit")
    for c in run.candidates[:n]:
        exploration.set_status(
            session=session, actor=unit, run=run, candidate_id=c.id, status=CandidateStatus.shortlist
        )
    ids = exploration.close_run(session=session, actor=unit, run=run)
    return [pipeline.get_case(session=session, actor=unit, case_id=i) for i in ids]


def test_a_run_freezes_query_versions_and_ranked_long_list(session: Session, market: Market) -> None:
    run = _run(session, market)
    assert run.number == 1 and run.status == RunStatus.open
    assert run.query == matching.challenge_query(market.challenge)
    assert run.model == matching.get_embedder().name and run.rules_version
    titles = [c.solution.title for c in run.candidates]
    assert titles[0] in {"RoadScan", "StreetEye", "CrackMap"}, titles
    assert titles.index("ChatDesk") > titles.index("RoadScan") if "ChatDesk" in titles else True
    first = run.candidates[0]
    assert first.rank == 1 and first.score is not None and first.explanation["criteria"]
    assert exploration.market_map(run)  # grouped into segments with labels


def test_exclusion_needs_a_reason_and_manual_additions_are_marked(session: Session, market: Market) -> None:
    run = exploration.start_run(
        session=session,
        actor=market.actor("unit"),
        challenge=market.challenge,
        filters=exploration.RunFilters(),
        limit=2,
    )
    unit = market.actor("unit")
    with pytest.raises(Invalid) as err:
        exploration.set_status(
            session=session, actor=unit, run=run, candidate_id=run.candidates[0].id, status=CandidateStatus.excluded
        )
    assert err.value.errors[0].field == "reason"
    missing = next(s for s in market.solutions if s.id not in {c.solution_id for c in run.candidates})
    added = exploration.add_manually(
        session=session, actor=unit, run=run, solution_id=missing.id, reason="Bei einer Messe kennengelernt"
    )
    assert added.added_manually and added.rank is None
    assert added.explanation["added_because"] == "Bei einer Messe kennengelernt"
    with pytest.raises(Invalid):
        exploration.add_manually(session=session, actor=unit, run=run, solution_id=missing.id, reason="nochmal")


def test_a_closed_run_is_immutable_and_a_new_run_compares(session: Session, market: Market) -> None:
    unit = market.actor("unit")
    run = _run(session, market)
    exploration.set_status(
        session=session, actor=unit, run=run, candidate_id=run.candidates[0].id, status=CandidateStatus.shortlist
    )
    exploration.set_status(
        session=session,
        actor=unit,
        run=run,
        candidate_id=run.candidates[-1].id,
        status=CandidateStatus.excluded,
        reason="Kein Bezug zum Straßenzustand",
    )
    exploration.close_run(session=session, actor=unit, run=run)
    with pytest.raises(Conflict):
        exploration.set_status(
            session=session, actor=unit, run=run, candidate_id=run.candidates[1].id, status=CandidateStatus.shortlist
        )
    second = exploration.start_run(
        session=session,
        actor=unit,
        challenge=market.challenge,
        filters=exploration.RunFilters(),
        limit=2,
    )
    assert second.number == 2
    diff = exploration.compare(run, second)
    assert len(diff.dropped) == len(run.candidates) - 2 and not diff.new


def test_runs_are_for_the_unit_and_need_an_accepted_need(session: Session, market: Market) -> None:
    with pytest.raises(Forbidden):
        exploration.start_run(
            session=session,
            actor=market.actor("agency"),
            challenge=market.challenge,
            filters=exploration.RunFilters(),
        )
    from tests.factories import make_challenge

    draft = make_challenge(session, org=market.agency, status="draft")
    with pytest.raises(IllegalTransition) as err:
        exploration.start_run(
            session=session, actor=market.actor("unit"), challenge=draft, filters=exploration.RunFilters()
        )
    assert "Entwurf" in err.value.message() and "angenommenen Bedarf" in err.value.message()


def _criteria(session: Session, market: Market) -> list[int]:
    crits = pipeline.set_criteria(
        session=session,
        actor=market.actor("unit"),
        challenge=market.challenge,
        items=[
            {"name": "Wirkung", "weight": 50},
            {"name": "Datenschutz", "weight": 30},
            {"name": "Preis", "weight": 20},
        ],
    )
    return [c.id for c in crits]


def test_weights_must_sum_to_100(session: Session, market: Market) -> None:
    with pytest.raises(Invalid) as err:
        pipeline.set_criteria(
            session=session,
            actor=market.actor("unit"),
            challenge=market.challenge,
            items=[{"name": "Wirkung", "weight": 50}, {"name": "Preis", "weight": 30}],
        )
    assert "80 %" in err.value.errors[0].as_dict()["msg"]


def test_blind_scoring_mean_spread_ties_and_debrief(session: Session, market: Market) -> None:
    a, b = _shortlisted_cases(session, market)
    unit, unit2, agency = market.actor("unit"), market.actor("unit2"), market.actor("agency")
    crit = _criteria(session, market)
    with pytest.raises(IllegalTransition):  # not yet at the pitch
        pipeline.submit_scores(session=session, actor=unit, case=a, scores=dict.fromkeys(crit, (5, "")))
    for case in (a, b):
        pipeline.transition(session=session, actor=unit, case=case, to=Stage.pitch)
    with pytest.raises(IllegalTransition) as err:  # nobody has scored yet
        pipeline.transition(session=session, actor=unit, case=a, to=Stage.selected)
    assert "Bewertung" in err.value.message()

    pipeline.submit_scores(session=session, actor=agency, case=a, scores=dict.fromkeys(crit, (8, "stark")))
    pipeline.submit_scores(session=session, actor=agency, case=b, scores=dict.fromkeys(crit, (8, "")))
    # Another evaluator sees nothing of the agency's scores before submitting their own.
    _, rows = pipeline.matrix(session=session, actor=unit2, challenge=market.challenge)
    assert all(r.evaluators == 0 and r.mean is None for r in rows)
    with pytest.raises(Invalid):  # 11 is out of range
        pipeline.submit_scores(session=session, actor=unit2, case=a, scores=dict.fromkeys(crit, (11, "")))
    pipeline.submit_scores(
        session=session, actor=unit2, case=a, scores={crit[0]: (6, ""), crit[1]: (4, ""), crit[2]: (10, "")}
    )
    pipeline.submit_scores(
        session=session, actor=unit2, case=b, scores={crit[0]: (6, ""), crit[1]: (4, ""), crit[2]: (10, "")}
    )
    with pytest.raises(Conflict):  # once submitted, a scorecard is final (a conflict, not bad input)
        pipeline.submit_scores(session=session, actor=unit2, case=a, scores=dict.fromkeys(crit, (1, "")))
    _, rows = pipeline.matrix(session=session, actor=unit2, challenge=market.challenge)
    by_case = {r.case.id: r for r in rows}
    # agency: 8.0; unit2: 0.5*6 + 0.3*4 + 0.2*10 = 6.2 → mean 7.1, spread 1.8 for both: a tie
    assert by_case[a.id].mean == 7.1 and by_case[a.id].spread == 1.8 and by_case[a.id].evaluators == 2
    assert by_case[a.id].tied and by_case[b.id].tied and by_case[a.id].rank == by_case[b.id].rank == 1

    pipeline.transition(session=session, actor=unit, case=a, to=Stage.selected)
    with pytest.raises(Invalid):
        pipeline.transition(session=session, actor=unit, case=b, to=Stage.not_selected)  # reason required
    pipeline.transition(session=session, actor=unit, case=b, to=Stage.not_selected, reason="Knapp unterlegen")
    startup_view = pipeline.debrief(session=session, actor=unit, case=b)
    assert startup_view["mean"] == 7.1 and startup_view["reason"] == "Knapp unterlegen"
    assert [c["name"] for c in startup_view["criteria"]] == ["Wirkung", "Datenschutz", "Preis"]


def test_illegal_transitions_name_from_to_and_why(session: Session, market: Market) -> None:
    (case,) = _shortlisted_cases(session, market, n=1)
    with pytest.raises(IllegalTransition) as err:
        pipeline.transition(session=session, actor=market.actor("unit"), case=case, to=Stage.adopted)
    message = err.value.message()
    assert "Shortlist" in message and "Übernommen" in message and "gibt es in der Pipeline nicht" in message
    assert "Shortlist" in err.value.message("en") and "Adopted" in err.value.message("en")
    with pytest.raises(IllegalTransition) as err:
        pipeline.transition(session=session, actor=market.actor("agency"), case=case, to=Stage.pitch)
    assert "Lotsenstelle" in err.value.message()
    with pytest.raises(Forbidden):
        pipeline.transition(session=session, actor=market.actor("other_agency"), case=case, to=Stage.pitch)


def test_stale_version_is_refused(session: Session, market: Market) -> None:
    (case,) = _shortlisted_cases(session, market, n=1)
    seen = case.version
    pipeline.transition(session=session, actor=market.actor("unit"), case=case, to=Stage.pitch, version=seen)
    with pytest.raises(Conflict):
        pipeline.transition(
            session=session, actor=market.actor("unit2"), case=case, to=Stage.withdrawn, reason="x", version=seen
        )


def _to_pilot(session: Session, market: Market) -> Case:
    (case,) = _shortlisted_cases(session, market, n=1)
    unit = market.actor("unit")
    crit = _criteria(session, market)
    pipeline.transition(session=session, actor=unit, case=case, to=Stage.pitch)
    pipeline.submit_scores(session=session, actor=unit, case=case, scores=dict.fromkeys(crit, (7, "")))
    pipeline.transition(session=session, actor=unit, case=case, to=Stage.selected)
    return case


def test_pilot_needs_agreement_with_3_to_5_kpis_and_a_maximum_duration(session: Session, market: Market) -> None:
    case = _to_pilot(session, market)
    agency = market.actor("agency")
    with pytest.raises(IllegalTransition) as err:
        pipeline.transition(session=session, actor=agency, case=case, to=Stage.pilot)
    assert "Pilotvereinbarung" in err.value.message()
    start = date(2027, 1, 1)
    with pytest.raises(Invalid) as bad:
        pipeline.save_pilot(
            session=session,
            actor=agency,
            case=case,
            scope="Test",
            price=40_000,
            start=start,
            end=start + timedelta(days=365 * 3),
            go_no_go=start + timedelta(days=200),
            kpis=KPIS[:2],
            milestones=[],
        )
    assert {e.field for e in bad.value.errors} == {"end", "kpis"}
    pipeline.save_pilot(
        session=session,
        actor=agency,
        case=case,
        scope="Zwei Müllfahrzeuge mit Kameras, 6 Monate",
        price=40_000,
        start=start,
        end=start + timedelta(days=180),
        go_no_go=start + timedelta(days=190),
        kpis=KPIS,
        milestones=[{"title": "Kameras montiert", "due": start + timedelta(days=14)}],
    )
    pipeline.transition(session=session, actor=agency, case=case, to=Stage.pilot)
    stalled = pipeline.stalled_pilots(session=session, actor=market.actor("unit"), today=start + timedelta(days=200))
    assert [(c.id, why) for c, _, why in stalled] == [(case.id, "Go/No-Go-Termin überschritten")]


def test_decision_go_creates_follow_up_and_searchable_lessons(session: Session, market: Market, index_now) -> None:
    case = _to_pilot(session, market)
    agency = market.actor("agency")
    start = date.today()
    pilot = pipeline.save_pilot(
        session=session,
        actor=agency,
        case=case,
        scope="Pilot",
        price=40_000,
        start=start,
        end=start + timedelta(days=180),
        go_no_go=start + timedelta(days=180),
        kpis=KPIS,
        milestones=[],
    )
    pipeline.transition(session=session, actor=agency, case=case, to=Stage.pilot)
    pipeline.transition(session=session, actor=agency, case=case, to=Stage.evaluation)
    with pytest.raises(IllegalTransition) as err:
        pipeline.transition(session=session, actor=agency, case=case, to=Stage.adopted)
    assert "Go/No-Go-Entscheidung" in err.value.message()
    results = {k.id: v for k, v in zip(pilot.kpis, [12, 130, 9], strict=True)}
    with pytest.raises(Invalid):
        pipeline.decide(
            session=session, actor=agency, case=case, outcome="go", reason="Ziele erreicht", lessons="", results=results
        )
    decision = pipeline.decide(
        session=session,
        actor=agency,
        case=case,
        outcome="go",
        reason="Alle Ziele erreicht",
        lessons="Kameras an Müllfahrzeugen decken das Netz in zwei Wochen ab.",
        results=results,
        follow_up={"procedure": "negotiated_award", "value": 150_000},
    )
    assert case.stage == Stage.adopted and decision.follow_up["value"] == 150_000
    article = session.get(Article, decision.article_id)
    assert (
        article is not None
        and article.case_id == case.id
        and "| Erkennungsdauer | Tage | 180 | 14 | 12 |" in article.body
    )
    index_now()
    hits = matching.search(
        session=session, actor=market.actor("unit"), query="Müllfahrzeuge Kameras Erfahrungen", types=("article",)
    ).groups["article"]
    assert [h.entity_id for h in hits] == [article.id]
    # A draft is the agency's and the unit's; published, it is everyone's.
    assert knowledge.list_articles(session=session, actor=market.actor("other_agency")) == []
    knowledge.publish_article(session=session, actor=market.actor("unit"), article=article)
    assert [a.id for a in knowledge.list_articles(session=session, actor=market.actor("other_agency"))] == [article.id]


def test_every_step_is_in_the_audit_chain_and_dashboard_counts(session: Session, market: Market) -> None:
    cases = _shortlisted_cases(session, market)
    pipeline.transition(session=session, actor=market.actor("unit"), case=cases[0], to=Stage.pitch)
    actions = set(session.scalars(select(audit.AuditEvent.action)))
    assert {
        "exploration.start",
        "exploration.candidate",
        "exploration.close",
        "case.open",
        "case.transition",
    } <= actions
    assert audit.verify(session).ok
    board = pipeline.dashboard(session=session, actor=market.actor("unit"))
    assert board.cases_by_stage["pitch"] == 1 and board.cases_by_stage["shortlisted"] == 1
    assert "shortlisted" in board.median_days_in_stage
    session.execute(update(Case).where(Case.id == cases[0].id).values(stage="adopted"))
    with pytest.raises(Forbidden):
        pipeline.dashboard(session=session, actor=market.actor("agency"))
