"""Small keyword-argument factories that build data through the real services."""

from __future__ import annotations

import itertools
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from govlotse.accounts import service as accounts
from govlotse.accounts.models import User
from govlotse.accounts.schemas import UserCreate
from govlotse.challenges import service as challenges
from govlotse.challenges.models import Challenge
from govlotse.challenges.schemas import ChallengeCreate
from govlotse.core.actor import SYSTEM, Role
from govlotse.knowledge import service as knowledge
from govlotse.knowledge.models import UseCase
from govlotse.knowledge.schemas import UseCaseCreate
from govlotse.organisations import service as organisations
from govlotse.organisations.models import Organisation
from govlotse.organisations.schemas import OrganisationCreate
from govlotse.solutions import service as solutions
from govlotse.solutions.models import Solution
from govlotse.solutions.schemas import SolutionCreate
from govlotse.web.render import CSRF_COOKIE

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def make_org(session: Session, *, kind: str = "agency", name: str | None = None, **kw: Any) -> Organisation:
    n = next(_seq)
    data: dict[str, Any] = {"kind": kind, "name": name or f"{kind.title()} {n}", **kw}
    if kind == "agency":
        data.setdefault("agency_type", "behoerde")
    return organisations.create_organisation(session=session, actor=SYSTEM, org_in=OrganisationCreate(**data))


def make_user(session: Session, *, role: str, org: Organisation | None = None, email: str | None = None) -> User:
    n = next(_seq)
    user = accounts.create_user(
        session=session,
        actor=SYSTEM,
        user_in=UserCreate(
            email=email or f"user{n}@example.org",
            name=f"User {n}",
            role=Role(role),
            password=PASSWORD,
            organisation_ids=[org.id] if org else [],
        ),
    )
    session.refresh(user, ["memberships"])
    return user


def make_challenge(session: Session, *, org: Organisation, **kw: Any) -> Challenge:
    n = next(_seq)
    data: dict[str, Any] = {
        "organisation_id": org.id,
        "title": f"Bedarf {n}: Straßenschäden früher erkennen",
        "problem": "Schlaglöcher werden erst spät gemeldet; die Kontrolle zu Fuß dauert Monate.",
        "visibility": "internal",
        **kw,
    }
    return challenges.create_challenge(session=session, actor=SYSTEM, challenge_in=ChallengeCreate(**data))


def make_solution(session: Session, *, org: Organisation, **kw: Any) -> Solution:
    n = next(_seq)
    data: dict[str, Any] = {
        "organisation_id": org.id,
        "title": f"RoadScan {n}",
        "description": "Computer vision on municipal vehicles detects potholes and cracks automatically.",
        "maturity": "market",
        **kw,
    }
    return solutions.create_solution(session=session, actor=SYSTEM, solution_in=SolutionCreate(**data))


def make_usecase(session: Session, **kw: Any) -> UseCase:
    n = next(_seq)
    data: dict[str, Any] = {
        "title": f"Chatbot for citizen questions {n}",
        "description": "A chatbot answers questions about permits.",
        "source": "test",
        "licence": "CC0-1.0",
        **kw,
    }
    return knowledge.create_usecase(session=session, actor=SYSTEM, usecase_in=UseCaseCreate(**data))


def login(client: TestClient, user: User, password: str = PASSWORD) -> None:
    """Log in through the JSON API (sets the session cookie on the client)."""
    response = client.post("/api/auth/login", json={"email": user.email, "password": password})
    assert response.status_code == 200, response.text


def csrf(client: TestClient) -> str:
    """The CSRF token a browser would have after loading any page."""
    if CSRF_COOKIE not in client.cookies:
        client.get("/anmelden")
    return client.cookies[CSRF_COOKIE]
