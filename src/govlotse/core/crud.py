"""Small helpers every domain service uses for writes: version checks and audited changes."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.orm import Session

from govlotse.core import audit
from govlotse.core.actor import Actor
from govlotse.errors import Conflict, Invalid


def check_version(obj: Any, version: int, *, name: str) -> None:
    """Refuse a save based on an outdated read (optimistic locking)."""
    if obj.version != version:
        raise Conflict(
            f"{name} {obj.id} was changed by someone else (version {obj.version}, you edited version {version})",
            current_version=obj.version,
        )


def _comparable(value: Any) -> Any:
    if isinstance(value, list):  # related records: tags by slug, others by id (audit data stays JSON)
        return [getattr(v, "slug", None) or getattr(v, "id", v) for v in value]
    return value


def apply_changes(
    session: Session, *, actor: Actor, obj: Any, values: dict[str, Any], entity_type: str
) -> dict[str, Any]:
    """Set ``values`` on ``obj``, flush, and audit what actually changed; returns the changes.

    An explicit null for a column that must have a value is refused naming the field (an update schema's
    ``None`` means "not given", but a client may send ``null`` for it)."""
    columns = sa_inspect(type(obj)).columns
    for key, value in values.items():
        if value is None and key in columns and not columns[key].nullable:
            raise Invalid.on(key, "Bitte ausfüllen.")
    before = {k: _comparable(getattr(obj, k)) for k in values}
    after = {k: _comparable(v) for k, v in values.items()}
    diff = audit.changes(before, after)
    if not diff:
        return {}
    for key, value in values.items():
        setattr(obj, key, value)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=f"{entity_type}.update",
        entity_type=entity_type,
        entity_id=obj.id,
        data=diff,
    )
    return diff


def created(session: Session, *, actor: Actor, obj: Any, entity_type: str, data: dict[str, Any]) -> None:
    """Add and flush a new record and audit its creation."""
    if hasattr(obj, "external_id") and not obj.external_id:
        # Every record gets a stable key, so an export re-imports as the same record.
        obj.external_id = f"gl-{entity_type}-{uuid.uuid4().hex[:16]}"
    session.add(obj)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=f"{entity_type}.create",
        entity_type=entity_type,
        entity_id=obj.id,
        data=data,
    )


def by_external_id(session: Session, model: Any, external_id: str | None) -> Any:
    """The record of ``model`` with this stable import key, or None."""
    if not external_id:
        return None
    return session.scalar(select(model).where(model.external_id == external_id))
