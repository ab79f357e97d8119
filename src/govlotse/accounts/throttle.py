"""Counting failed attempts (logins, mails requested) and locking a key for a while after too many.

A key is a purpose and a hashed value ("login:<sha256 of the e-mail>", "ip:<sha256 of the address>"),
counted in the database so that every worker process sees the same numbers. Counts are written in
the request's own transaction: callers report a failure and answer without raising.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from govlotse.accounts.models import LoginThrottle
from govlotse.config import settings
from govlotse.core import security
from govlotse.core.models import utcnow


@dataclass(frozen=True)
class Limit:
    """At most ``failures`` within ``window``; then the key is locked for ``lock``."""

    name: str
    failures: int
    window: timedelta
    lock: timedelta


def login_per_address() -> Limit:
    minutes = timedelta(minutes=settings.login_lock_minutes)
    return Limit("login", settings.login_max_failures, minutes, minutes)


# Per client address: generous enough for an office behind one NAT, tight enough against guessing.
LOGIN_PER_CLIENT = Limit("ip", 50, timedelta(minutes=15), timedelta(minutes=15))
# Mails a person can trigger to one address (confirmation, reset, resend), so nobody floods an inbox.
MAILS_PER_ADDRESS = Limit("mail", 5, timedelta(hours=1), timedelta(hours=1))
# Registrations from one client address.
REGISTRATIONS_PER_CLIENT = Limit("register", 10, timedelta(hours=1), timedelta(hours=1))


def key(limit: Limit, value: str) -> str:
    return f"{limit.name}:{security.token_hash(value.strip().lower())}"


def locked_until(session: Session, limit: Limit, value: str) -> datetime | None:
    """When the key's lock ends, if it is locked now."""
    row = session.get(LoginThrottle, key(limit, value))
    if row is not None and row.locked_until is not None and row.locked_until > utcnow():
        return row.locked_until
    return None


def fail(session: Session, limit: Limit, value: str) -> bool:
    """Count one attempt; True if the key is (now) locked."""
    now = utcnow()
    row = session.get(LoginThrottle, key(limit, value))
    if row is None:
        row = LoginThrottle(key=key(limit, value), failures=0, window_start=now)
        session.add(row)
    if now - row.window_start > limit.window:
        row.failures, row.window_start, row.locked_until = 0, now, None
    row.failures += 1
    if row.failures >= limit.failures:
        row.locked_until = now + limit.lock
    session.flush()
    return row.locked_until is not None and row.locked_until > now


def clear(session: Session, limit: Limit, value: str) -> None:
    row = session.get(LoginThrottle, key(limit, value))
    if row is not None:
        session.delete(row)
        session.flush()


def purge(session: Session) -> int:
    """Forget keys whose window and lock have passed (run with the expired-session clean-up)."""
    now = utcnow()
    result = session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.window_start < now - timedelta(days=1),
            or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now),
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
