"""Core mechanisms: after-commit side effects, audit trail."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from govlotse.core.audit import AuditEvent
from govlotse.db import WRITE_INTENT, after_commit, unit_of_work
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


def test_a_writing_unit_of_work_declares_its_intent_only_for_itself(fresh_db: str) -> None:
    seen = []
    with unit_of_work(writes=True):
        seen.append(WRITE_INTENT.get())
        with unit_of_work():  # nested in the same context: still the writer's
            seen.append(WRITE_INTENT.get())
    seen.append(WRITE_INTENT.get())
    try:
        with unit_of_work(writes=True):
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    assert [*seen, WRITE_INTENT.get()] == [True, True, False, False]
