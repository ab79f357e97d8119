"""The demo data: real public use cases and fictional start-ups and needs, loaded idempotently."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govlotse.accounts.models import User
from govlotse.challenges.models import Challenge
from govlotse.demo import service as demo
from govlotse.knowledge.models import UseCase
from govlotse.organisations.models import Organisation
from govlotse.solutions.models import Solution


def _counts(session: Session) -> dict[str, int]:
    return {
        m.__name__: session.scalar(select(func.count()).select_from(m)) or 0
        for m in (Organisation, Solution, Challenge, UseCase, User)
    }


def test_demo_load_is_idempotent_logins_work_and_rules_hold(session: Session, client: TestClient) -> None:
    demo.load(session=session)
    first = _counts(session)
    assert first["Organisation"] >= 75 and first["Solution"] >= 60 and first["Challenge"] == 20
    assert first["UseCase"] > 3000 and first["User"] >= 5

    reports = demo.load(session=session)
    assert _counts(session) == first
    assert all(r.created == 0 and r.updated == 0 for r in reports.values())

    # every use case carries its source and licence; demo records are marked fictional
    assert (
        session.scalar(
            select(func.count()).select_from(UseCase).where((UseCase.source.is_(None)) | (UseCase.licence.is_(None)))
        )
        == 0
    )
    licences = set(session.scalars(select(UseCase.licence).distinct()))
    assert licences == {"public-domain-us-gov", "EUPL-1.2"}
    assert (
        session.scalar(
            select(func.count())
            .select_from(Organisation)
            .where(Organisation.kind == "startup", Organisation.is_fictional.is_(False))
        )
        == 0
    )

    session.commit()  # releases the test savepoint so the app's session sees the data
    for login in demo.DEMO_LOGINS:
        response = client.post("/api/auth/login", json={"email": login.email, "password": login.password})
        assert response.status_code == 200, login.email
        assert response.json()["role"] == login.role
    page = client.get("/bedarfe")
    assert "Fiktiv (Demo)" in page.text

    # the done-when check of the foundation: a start-up account gets 404 for an agency's internal need
    internal = session.scalar(select(Challenge).where(Challenge.visibility == "internal").limit(1))
    assert internal is not None
    startup = next(d for d in demo.DEMO_LOGINS if d.role == "startup")
    client.post("/api/auth/login", json={"email": startup.email, "password": startup.password})
    assert client.get(f"/api/challenges/{internal.id}").status_code == 404
    assert client.get(f"/bedarfe/{internal.id}").status_code == 404
