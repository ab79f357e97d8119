"""Core mechanisms: after-commit side effects, audit trail."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from govlotse.core.audit import AuditEvent
from govlotse.db import after_commit
from tests.factories import make_org


def test_after_commit_runs_only_after_commit(session: Session) -> None:
    ran: list[str] = []
    after_commit(session, lambda: ran.append("committed"))
    session.flush()
    assert ran == []
    session.commit()
    assert ran == ["committed"]


def test_after_commit_is_dropped_on_rollback(session: Session) -> None:
    ran: list[str] = []
    make_org(session, kind="startup")  # a unit of work is under way
    after_commit(session, lambda: ran.append("x"))
    session.rollback()
    session.commit()
    assert ran == []


def test_every_create_and_update_is_audited(session: Session) -> None:
    from govlotse.core.actor import SYSTEM
    from govlotse.organisations import service
    from govlotse.organisations.schemas import OrganisationUpdate

    org = make_org(session, kind="startup", name="Audit GmbH")
    service.update_organisation(
        session=session,
        actor=SYSTEM,
        org=org,
        org_in=OrganisationUpdate(location="Kiel", version=org.version),
    )
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.entity_type == "organisation", AuditEvent.entity_id == org.id)
        .order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == ["organisation.create", "organisation.update"]
    assert events[1].data == {"location": [None, "Kiel"]}
    assert events[1].actor_label == "system (CLI)"
