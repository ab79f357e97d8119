"""API tokens: programmatic access as a person, limited to what that person may do, revocable.

A token is shown once when it is made; the database keeps its SHA-256 and a short prefix to recognise it
by. ``read`` tokens may only read (GET); ``write`` tokens may do whatever their owner may do through the
API. Tokens work on ``/api/`` only, never for the web pages, and cannot manage tokens themselves (that
needs a login), so a leaked token cannot make itself permanent.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from govlotse.accounts.models import ApiToken, User
from govlotse.analytics import usage
from govlotse.core import audit, security
from govlotse.core.actor import Actor
from govlotse.core.models import utcnow
from govlotse.errors import Invalid, NotFound
from govlotse.i18n import N_

PREFIX = "glt_"
MAX_TOKENS_PER_USER = 20


class Scope(StrEnum):
    read = "read"
    write = "write"


def create(
    session: Session, *, actor: Actor, user: User, name: str, scope: Scope, expires_days: int | None
) -> tuple[str, ApiToken]:
    """Make a token for ``user``; returns the secret (shown once) and the stored record."""
    live = [t for t in list_tokens(session, user=user) if t.is_live]
    if len(live) >= MAX_TOKENS_PER_USER:
        raise Invalid.on(
            "name", N_("Höchstens {n} aktive Tokens je Konto; bitte widerrufen Sie alte."), n=MAX_TOKENS_PER_USER
        )
    secret = PREFIX + security.new_token()
    now = utcnow()
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=secret[:12],
        token_hash=security.token_hash(secret),
        scope=scope,
        created_at=now,
        expires_at=now + timedelta(days=expires_days) if expires_days else None,
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="api_token.create",
        entity_type="api_token",
        entity_id=token.id,
        data={"scope": str(scope), "expires_days": expires_days},
    )
    return secret, token


def list_tokens(session: Session, *, user: User) -> list[ApiToken]:
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc()))
    )


def revoke(session: Session, *, actor: Actor, user: User, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound("api token", token_id)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(session, actor=actor, action="api_token.revoke", entity_type="api_token", entity_id=token.id)
    return token


def revoke_all(session: Session, *, user_id: int) -> None:
    """End every token of a person (password reset, deletion)."""
    session.execute(
        update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow())
    )


def authenticate(session: Session, secret: str) -> ApiToken | None:
    """The live token for a bearer secret, with its user and memberships loaded."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    token = session.scalar(
        select(ApiToken)
        .where(ApiToken.token_hash == security.token_hash(secret))
        .options(selectinload(ApiToken.user).selectinload(User.memberships))
    )
    if token is None or not token.is_live or not token.user.is_active:
        return None
    note_use(token.id)
    return token


# Last use is remembered in the process and written by the background flush (see analytics.usage):
# a GET with a token must not write to the database in the request.
_last_used: dict[int, datetime] = {}
_lock = threading.Lock()


def note_use(token_id: int) -> None:
    with _lock:
        _last_used[token_id] = utcnow()


def flush_last_used(session: Session) -> int:
    with _lock:
        items = list(_last_used.items())
        _last_used.clear()
    for token_id, when in items:
        session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=when))
    return len(items)


usage.also_flush(flush_last_used)
