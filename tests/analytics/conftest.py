"""A small pipeline with known dates for the analytics tests.

Needs: the market's need (explored, three cases: one adopted, one stopped, one not selected), a second
accepted need with an open market exploration, a submitted need never explored, a draft (not counted),
and a published need. Every step of every case is then moved to a fixed date, so that days in each stage
are known:

    case      shortlisted  pitch  selected  pilot  evaluation  end
    adopted   0            10     14        30     120         130 adopted
    stopped   0            10     16        40     100         110 stopped
    declined  0            10     12 not selected
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from govlotse.challenges import service as challenges
from govlotse.challenges.models import Challenge, ChallengeStatus
from govlotse.core.actor import SYSTEM
from govlotse.exploration import service as exploration
from govlotse.exploration.models import CandidateStatus
from govlotse.pipeline import service as pipeline
from govlotse.pipeline.models import Case, CaseTransition, Stage
from tests.factories import make_challenge
from tests.pipeline.conftest import Market, market  # noqa: F401 - the shared pipeline fixture

KPIS = [
    {"name": "Erkennungsdauer", "unit": "Tage", "baseline": 180, "target": 14},
    {"name": "Erkannte Schäden", "unit": "Anzahl/Monat", "baseline": 40, "target": 120},
    {"name": "Kosten je Kilometer", "unit": "€", "baseline": 25, "target": 10},
]
START_2026 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
START_2027 = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
DAYS = {
    "adopted": [0, 10, 14, 30, 120, 130],
    "stopped": [0, 10, 16, 40, 100, 110],
    "declined": [0, 10, 12],
}
INTERNAL_TITLE = "Vertraulich: Personalakten der Feuerwehr digitalisieren"
PUBLISHED_TITLE = "Öffentlich: Parkplatzsuche in der Innenstadt erleichtern"


@dataclass
class Built:
    market: Market
    cases: dict[str, Case]
    internal: Challenge
    published: Challenge


def _pilot(session: Session, world: Market, case: Case, *, price: int, start: date, outcome: str) -> None:
    agency = world.actor("agency")
    pilot = pipeline.save_pilot(
        session=session,
        actor=agency,
        case=case,
        scope="Pilot",
        price=price,
        start=start,
        end=start + timedelta(days=180),
        go_no_go=start + timedelta(days=180),
        kpis=KPIS,
        milestones=[],
    )
    pipeline.transition(session=session, actor=agency, case=case, to=Stage.pilot)
    pipeline.transition(session=session, actor=agency, case=case, to=Stage.evaluation)
    pipeline.decide(
        session=session,
        actor=agency,
        case=case,
        outcome=outcome,
        reason="Ziele erreicht" if outcome == "go" else "Ziele verfehlt",
        lessons="Kameras an Müllfahrzeugen decken das Netz ab.",
        results={k.id: 10.0 for k in pilot.kpis},
    )


def _move_to(session: Session, case: Case, start: datetime, days: list[int]) -> None:
    steps = list(
        session.scalars(select(CaseTransition).where(CaseTransition.case_id == case.id).order_by(CaseTransition.id))
    )
    assert len(steps) == len(days), [s.to_stage for s in steps]
    for step, day in zip(steps, days, strict=True):
        session.execute(
            update(CaseTransition).where(CaseTransition.id == step.id).values(at=start + timedelta(days=day))
        )
    session.execute(update(Case).where(Case.id == case.id).values(created_at=start))


@pytest.fixture
def built(session: Session, market: Market) -> Built:  # noqa: F811 - the fixture imported above
    unit = market.actor("unit")
    run = exploration.start_run(
        session=session, actor=unit, challenge=market.challenge, filters=exploration.RunFilters()
    )
    for candidate in run.candidates[:3]:
        exploration.set_status(
            session=session, actor=unit, run=run, candidate_id=candidate.id, status=CandidateStatus.shortlist
        )
    ids = exploration.close_run(session=session, actor=unit, run=run)
    adopted, stopped, declined = (pipeline.get_case(session=session, actor=unit, case_id=i) for i in ids)
    crits = pipeline.set_criteria(
        session=session,
        actor=unit,
        challenge=market.challenge,
        items=[{"name": "Wirkung", "weight": 60}, {"name": "Preis", "weight": 40}],
    )
    for case in (adopted, stopped, declined):
        pipeline.transition(session=session, actor=unit, case=case, to=Stage.pitch)
        pipeline.submit_scores(session=session, actor=unit, case=case, scores={c.id: (7, "") for c in crits})
    pipeline.transition(session=session, actor=unit, case=adopted, to=Stage.selected)
    pipeline.transition(session=session, actor=unit, case=stopped, to=Stage.selected)
    pipeline.transition(session=session, actor=unit, case=declined, to=Stage.not_selected, reason="Knapp unterlegen")
    _pilot(session, market, adopted, price=40_000, start=date(2026, 2, 4), outcome="go")
    _pilot(session, market, stopped, price=25_000, start=date(2027, 2, 13), outcome="stop")
    _move_to(session, adopted, START_2026, DAYS["adopted"])
    _move_to(session, stopped, START_2027, DAYS["stopped"])
    _move_to(session, declined, START_2026, DAYS["declined"])

    second = make_challenge(session, org=market.agency, title=INTERNAL_TITLE)
    challenges.transition(session=session, actor=SYSTEM, challenge=second, to=ChallengeStatus.accepted)
    exploration.start_run(session=session, actor=unit, challenge=second, filters=exploration.RunFilters(), limit=2)
    make_challenge(session, org=market.agency, title="Eingereicht, nie erkundet")
    make_challenge(session, org=market.agency, title="Nur ein Entwurf", status="draft")
    published = make_challenge(session, org=market.agency, title=PUBLISHED_TITLE, visibility="published")
    session.flush()
    return Built(
        market=market,
        cases={"adopted": adopted, "stopped": stopped, "declined": declined},
        internal=second,
        published=published,
    )
