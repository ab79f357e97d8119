"""A small market for pipeline tests: an agency need, start-ups with solutions, staff of each role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.orm import Session

from govlotse.accounts.models import User
from govlotse.challenges.models import Challenge
from govlotse.core.actor import Actor, Role
from govlotse.organisations.models import Organisation
from govlotse.solutions.models import Solution
from tests.factories import make_challenge, make_org, make_solution, make_user


def actor_of(user: User) -> Actor:
    return Actor(
        user_id=user.id,
        role=Role(user.role),
        organisation_ids=frozenset(m.organisation_id for m in user.memberships),
        label=user.name,
    )


@dataclass
class Market:
    agency: Organisation
    challenge: Challenge
    solutions: list[Solution]
    users: dict[str, User]

    def actor(self, name: str) -> Actor:
        return actor_of(self.users[name])


@pytest.fixture
def market(session: Session, index_now: Any) -> Market:
    from govlotse.challenges import service as challenges
    from govlotse.challenges.models import ChallengeStatus
    from govlotse.core.actor import SYSTEM

    agency = make_org(session, kind="agency", name="Bezirksamt Test")
    unit_org = make_org(session, kind="agency", name="Lotsenstelle")
    challenge = make_challenge(
        session,
        org=agency,
        title="Straßenschäden automatisch erkennen",
        problem="Schlaglöcher und Risse werden spät gemeldet; Begehungen dauern Monate.",
        desired_outcome="Schäden innerhalb von 2 Wochen statt 6 Monaten erkennen.",
        budget_min=20_000,
        budget_max=80_000,
    )
    challenges.transition(session=session, actor=SYSTEM, challenge=challenge, to=ChallengeStatus.accepted)
    solutions, startups = [], []
    for name, text in [
        ("RoadScan", "Computer vision on municipal vehicles detects potholes and road cracks automatically."),
        ("StreetEye", "Kameras an Müllfahrzeugen erkennen Straßenschäden und melden sie an die Straßenverwaltung."),
        ("CrackMap", "Drones and AI map cracks in roads and bridges for maintenance planning."),
        ("ChatDesk", "A chatbot answers citizen questions about permits and opening hours."),
    ]:
        startup = make_org(session, kind="startup", name=f"{name} GmbH")
        startups.append(startup)
        solutions.append(make_solution(session, org=startup, title=name, description=text))
    index_now()
    users = {
        "unit": make_user(session, role="unit", org=unit_org),
        "unit2": make_user(session, role="unit", org=unit_org),
        "agency": make_user(session, role="agency", org=agency),
        "other_agency": make_user(session, role="agency", org=make_org(session, kind="agency")),
        "startup": make_user(session, role="startup", org=startups[0]),
        "expert": make_user(session, role="expert"),
    }
    return Market(agency=agency, challenge=challenge, solutions=solutions, users=users)
