"""Audit events: who did what to which record, written in the same transaction as the change.

The log is append-only and hash-chained: every event stores the hash of its predecessor and its own
hash over (sequence number, time, actor id, action, entity, data). ``govlotse audit verify`` walks the
chain and names the first entry that was modified, inserted or deleted. Appends are serialised by
updating the single ``audit_head`` row first, which locks it on both databases until commit.

The actor's display label is not part of the hash: it is a copy of the user's name that data-protection
requests may pseudonymise without breaking the chain. For the same reason audit data names users by id,
never by name or e-mail.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Integer, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from govlotse.core.models import Base, JSONType, UTCDateTime, utcnow

if TYPE_CHECKING:
    from govlotse.core.actor import Actor

GENESIS = "0" * 64


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True, index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_label: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100), index=True)
    entity_type: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The end of the chain: last sequence number and hash (one row)."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


def event_hash(
    *,
    seq: int,
    at: datetime,
    actor_id: int | None,
    action: str,
    entity_type: str,
    entity_id: int | None,
    data: dict[str, Any],
    prev_hash: str,
) -> str:
    """HMAC-SHA-256 (key from the settings, not from the database) over an event and its predecessor's hash.

    Keyed, so that someone who can write to the database but does not know the key cannot recompute a
    consistent chain after changing an entry.
    """
    from govlotse.config import settings

    canonical = json.dumps(
        [seq, at.isoformat(timespec="microseconds"), actor_id, action, entity_type, entity_id, data, prev_hash],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    key = (settings.audit_key or settings.secret_key).encode("utf-8")
    return hmac.new(key, canonical.encode("utf-8"), hashlib.sha256).hexdigest()


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: int | None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an audit event for a state change (call from the service that made it)."""
    # Take the chain's head first: the UPDATE locks it, so concurrent appends queue up behind us.
    row = session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(seq=AuditHead.seq + 1)
        .returning(AuditHead.seq, AuditHead.hash)
    ).first()
    if row is None:
        session.add(AuditHead(id=1, seq=1, hash=GENESIS))
        session.flush()
        seq, prev = 1, GENESIS
    else:
        seq, prev = int(row[0]), str(row[1])
    at = utcnow()
    clean = _jsonable(data or {})
    digest = event_hash(
        seq=seq,
        at=at,
        actor_id=actor.user_id,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        data=clean,
        prev_hash=prev,
    )
    event = AuditEvent(
        seq=seq,
        at=at,
        actor_id=actor.user_id,
        actor_label=actor.label,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        data=clean,
        prev_hash=prev,
        hash=digest,
    )
    session.add(event)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=digest))
    return event


@dataclass
class Verification:
    ok: bool
    checked: int
    problem: str | None = None
    seq: int | None = None

    def __str__(self) -> str:
        if self.ok:
            entries = "entry" if self.checked == 1 else "entries"
            return f"audit log intact: {self.checked} {entries}, chain unbroken"
        return f"audit log broken at entry {self.seq}: {self.problem}"


def verify(session: Session, *, batch: int = 5000) -> Verification:
    """Walk the chain in order; report the first modified, inserted or deleted entry."""
    prev, expected_seq, checked = GENESIS, 1, 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.seq >= expected_seq).order_by(AuditEvent.seq).limit(batch)
        ).all()
        if not rows:
            break
        for e in rows:
            if e.seq != expected_seq:
                return Verification(False, checked, f"entry {expected_seq} is missing (deleted)", expected_seq)
            if e.prev_hash != prev:
                return Verification(False, checked, "does not follow its predecessor (inserted or reordered)", e.seq)
            recomputed = event_hash(
                seq=e.seq,
                at=e.at,
                actor_id=e.actor_id,
                action=e.action,
                entity_type=e.entity_type,
                entity_id=e.entity_id,
                data=e.data,
                prev_hash=e.prev_hash,
            )
            if recomputed != e.hash:
                return Verification(
                    False, checked, f"content was modified ({e.action} on {e.entity_type} {e.entity_id})", e.seq
                )
            prev, expected_seq, checked = e.hash, e.seq + 1, checked + 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != expected_seq - 1 or head.hash != prev):
        return Verification(
            False,
            checked,
            f"the last entries are missing (log ends at {expected_seq - 1}, head says {head.seq})",
            expected_seq,
        )
    return Verification(True, checked)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | bool) or value is None:
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else str(value)
    return str(value)


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The fields that differ, as ``{field: [old, new]}`` for the audit record."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
