"""The audit log is an append-only keyed hash chain; verification names the first tampered entry."""

from __future__ import annotations

import itertools
from pathlib import Path

from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from govlotse.cli import app
from govlotse.core import audit
from govlotse.core.actor import SYSTEM
from govlotse.core.audit import AuditEvent
from tests.factories import make_org


def _events(session: Session, n: int = 5) -> list[AuditEvent]:
    for i in range(n):
        make_org(session, kind="startup", name=f"Kette {i}")
    session.flush()
    return list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def test_untouched_log_verifies(session: Session) -> None:
    events = _events(session)
    assert [e.seq for e in events] == list(range(events[0].seq, events[0].seq + len(events)))
    assert all(e.prev_hash == p.hash for p, e in itertools.pairwise(events))
    result = audit.verify(session)
    assert result.ok and result.checked >= 5


def test_modified_entry_is_found(session: Session) -> None:
    events = _events(session)
    target = events[2]
    session.execute(update(AuditEvent).where(AuditEvent.id == target.id).values(data={"name": "Fälschung"}))
    session.expire_all()
    result = audit.verify(session)
    assert not result.ok and result.seq == target.seq and "modified" in result.problem


def test_deleted_entry_is_found(session: Session) -> None:
    events = _events(session)
    session.execute(delete(AuditEvent).where(AuditEvent.id == events[1].id))
    result = audit.verify(session)
    assert not result.ok and result.seq == events[1].seq and "missing" in result.problem


def test_inserted_entry_is_found(session: Session) -> None:
    events = _events(session)
    # shift the tail and insert a forged entry in the gap, as someone with database access could
    session.execute(update(AuditEvent).where(AuditEvent.seq > events[2].seq).values(seq=AuditEvent.seq + 1000))
    session.add(
        AuditEvent(
            seq=events[2].seq + 1,
            at=events[2].at,
            actor_id=None,
            actor_label="x",
            action="forged",
            entity_type="organisation",
            entity_id=1,
            data={},
            prev_hash=events[2].hash,
            hash="0" * 64,
        )
    )
    session.flush()
    result = audit.verify(session)
    assert not result.ok and result.seq == events[2].seq + 1


def test_removed_tail_is_found(session: Session) -> None:
    events = _events(session)
    session.execute(delete(AuditEvent).where(AuditEvent.id == events[-1].id))
    result = audit.verify(session)
    assert not result.ok and "last entries are missing" in result.problem


def test_cli_verify_on_a_real_database(fresh_db: str, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    org_file = tmp_path / "o.csv"
    org_file.write_text("external_id,kind,name\na1,startup,Eins\na2,startup,Zwei\na3,startup,Drei\n", encoding="utf-8")
    assert runner.invoke(app, ["import", "organisations", str(org_file)]).exit_code == 0
    ok = runner.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0 and "intact" in ok.output
    from govlotse.db import db

    with db.engine.begin() as conn:  # a row changed directly in the database
        conn.execute(text("UPDATE audit_events SET action = 'organisation.delete' WHERE seq = 2"))
    broken = runner.invoke(app, ["audit", "verify"])
    assert broken.exit_code == 1 and "entry 2" in broken.output


def test_audit_label_is_not_hashed_so_it_can_be_pseudonymised(session: Session) -> None:
    _events(session)
    session.execute(update(AuditEvent).values(actor_label="pseudonym"))
    assert audit.verify(session).ok
    assert SYSTEM.label
