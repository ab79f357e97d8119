"""Accounts: users, memberships, password login and server-side sessions."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from govlotse.accounts import throttle
from govlotse.accounts.models import LoginSession, Membership, User
from govlotse.accounts.schemas import UserCreate
from govlotse.analytics import usage
from govlotse.analytics.models import Metric
from govlotse.config import settings
from govlotse.core import audit, security, worker
from govlotse.core.actor import Actor, Role
from govlotse.core.models import utcnow
from govlotse.errors import Conflict, Forbidden, Invalid
from govlotse.organisations.models import Organisation, OrganisationKind

# Which kinds of organisation a user of each role may belong to.
ROLE_ORG_KINDS: dict[Role, tuple[OrganisationKind, ...]] = {
    Role.agency: (OrganisationKind.agency,),
    Role.unit: (OrganisationKind.agency,),
    Role.startup: (OrganisationKind.startup, OrganisationKind.research),
    Role.expert: (OrganisationKind.research, OrganisationKind.agency, OrganisationKind.startup),
    Role.admin: (),
}


def actor_for(user: User) -> Actor:
    """The acting identity of a user, for the service layer (memberships must be loaded)."""
    return Actor(
        user_id=user.id,
        role=Role(user.role),
        organisation_ids=frozenset(m.organisation_id for m in user.memberships),
        label=f"{user.name} <{user.email}>",
    )


def user_of(session: Session, actor: Actor) -> User:
    """The account of a logged-in actor (routes behind a login dependency)."""
    user = session.get(User, actor.user_id)
    assert user is not None
    return user


def get_user_by_email(*, session: Session, email: str) -> User | None:
    return session.scalar(
        select(User).where(func.lower(User.email) == email.strip().lower()).options(selectinload(User.memberships))
    )


def create_user(*, session: Session, actor: Actor, user_in: UserCreate) -> User:
    """Create an account with its memberships (admins and the CLI)."""
    if not (actor.is_system or actor.role == Role.admin):
        raise Forbidden()
    email = user_in.email.lower()
    if get_user_by_email(session=session, email=email):
        raise Conflict(f"a user with e-mail {email} exists already")
    allowed_kinds = ROLE_ORG_KINDS[user_in.role]
    orgs = []
    for org_id in user_in.organisation_ids:
        org = session.get(Organisation, org_id)
        if org is None or org.kind not in allowed_kinds:
            raise Invalid.on("organisation_ids", "Die Organisation {id} passt nicht zur Rolle.", id=org_id)
        orgs.append(org)
    user = User(
        email=email,
        name=user_in.name,
        role=user_in.role,
        password_hash=security.hash_password(user_in.password),
        language=user_in.language,
        email_verified_at=utcnow(),  # an administrator (or the CLI) vouches for the address
        memberships=[Membership(organisation_id=o.id, org_role="owner") for o in orgs],
    )
    session.add(user)
    session.flush()
    usage.count(session, Metric.registrations)  # a number per day, nothing about the person
    audit.record(
        session,
        actor=actor,
        action="user.create",
        entity_type="user",
        entity_id=user.id,
        data={"role": user_in.role, "organisation_ids": user_in.organisation_ids},  # no personal data here
    )
    return user


def authenticate(*, session: Session, email: str, password: str) -> User | None:
    """The active user with these credentials, or None (same time and answer for unknown e-mails)."""
    user = get_user_by_email(session=session, email=email)
    ok = security.verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        return None
    if user.password_hash and security.needs_rehash(user.password_hash):
        user.password_hash = security.hash_password(password)
    return user


def start_session(*, session: Session, user: User) -> tuple[str, LoginSession]:
    """Open a login session; returns the cookie token (only its hash is stored)."""
    token = security.new_token()
    now = utcnow()
    login = LoginSession(
        token_hash=security.token_hash(token),
        user_id=user.id,
        created_at=now,
        expires_at=now + timedelta(days=settings.session_days),
        csrf_token=security.new_token(24),
    )
    # Not an edit of the account: no version bump, so two logins at once (two devices, a double click)
    # do not conflict with each other or with someone editing the account.
    session.execute(update(User).where(User.id == user.id).values(last_login_at=now))
    set_committed_value(user, "last_login_at", now)
    # Housekeeping while a write happens anyway: expired sessions and forgotten failure counts go.
    purge_expired_sessions(session=session)
    throttle.purge(session)
    session.add(login)
    session.flush()
    audit.record(session, actor=actor_for(user), action="user.login", entity_type="user", entity_id=user.id)
    return token, login


def session_for_token(*, session: Session, token: str | None) -> LoginSession | None:
    """The live login session for a cookie token, with its user and memberships loaded."""
    if not token or len(token) > 200:
        return None
    login = session.scalar(
        select(LoginSession)
        .where(LoginSession.token_hash == security.token_hash(token))
        .options(selectinload(LoginSession.user).selectinload(User.memberships))
    )
    if login is None or login.expires_at <= utcnow() or not login.user.is_active:
        return None
    return login


def end_session(*, session: Session, token: str | None) -> None:
    """Log out: delete the session so the cookie is worthless even if kept."""
    if token:
        session.execute(delete(LoginSession).where(LoginSession.token_hash == security.token_hash(token)))


def end_sessions(*, session: Session, actor: Actor, user: User | None = None) -> int:
    """Log out everyone (``user`` None) or one person on every device, e.g. after an incident; audited."""
    if not (actor.is_system or actor.role == Role.admin):
        raise Forbidden()
    stmt = delete(LoginSession)
    if user is not None:
        stmt = stmt.where(LoginSession.user_id == user.id)
    ended = int(getattr(session.execute(stmt), "rowcount", 0) or 0)
    audit.record(
        session,
        actor=actor,
        action="user.sessions_ended",
        entity_type="user",
        entity_id=user.id if user else None,
        data={"sessions": ended, "everyone": user is None},
    )
    return ended


def purge_expired_sessions(*, session: Session) -> int:
    result = session.execute(delete(LoginSession).where(LoginSession.expires_at <= utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)


def housekeeping() -> None:
    """Hourly on the background worker: expired sessions and forgotten failure counts go (also done at login)."""
    from govlotse.db import unit_of_work

    with unit_of_work(writes=True) as session:
        purge_expired_sessions(session=session)
        throttle.purge(session)


worker.every("accounts-housekeeping", 3600, housekeeping)


def list_users(*, session: Session, actor: Actor) -> list[User]:
    """All accounts (admins only)."""
    if not (actor.is_system or actor.role == Role.admin):
        raise Forbidden()
    return list(session.scalars(select(User).order_by(User.email).options(selectinload(User.memberships))))
