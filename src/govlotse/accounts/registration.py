"""Self-registration, e-mail confirmation, password reset, invitations and the unit's approval.

Every link sent by mail carries a random token of which only the hash is stored; it works once and
expires. Answers never tell whether an address has an account: registering a known address or asking
to reset an unknown one looks the same to the caller (the owner of a known address gets a mail saying
what happened).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, selectinload

from govlotse.accounts import throttle
from govlotse.accounts.models import AccountToken, LoginSession, Membership, TokenPurpose, User
from govlotse.accounts.schemas import Registration
from govlotse.accounts.service import ROLE_ORG_KINDS, actor_for, authenticate, get_user_by_email
from govlotse.analytics import usage
from govlotse.analytics.models import Metric
from govlotse.config import settings
from govlotse.core import audit, mail, security
from govlotse.core.actor import Actor, Role
from govlotse.core.models import utcnow
from govlotse.errors import AppError, Conflict, Forbidden, Invalid, NotFound
from govlotse.i18n import N_, translate
from govlotse.organisations import service as organisations
from govlotse.organisations.models import Organisation, OrganisationKind, OrganisationStatus

# The role a person gets when invited into an organisation of each kind.
ROLE_FOR_KIND = {
    OrganisationKind.startup: Role.startup,
    OrganisationKind.research: Role.expert,
    OrganisationKind.agency: Role.agency,
}


class TooManyAttempts(AppError):
    """A throttled key: the same answer whether or not an account exists."""

    MESSAGE = N_("Zu viele Versuche. Bitte warten Sie eine Weile und versuchen Sie es dann erneut.")

    def __init__(self, until: datetime) -> None:
        super().__init__(self.MESSAGE, status_code=429, code="too_many_attempts")
        self.until = until


class InvalidLink(AppError):
    def __init__(self) -> None:
        super().__init__(
            N_("Dieser Link ist ungültig, abgelaufen oder wurde schon benutzt. Bitte fordern Sie einen neuen an."),
            status_code=400,
            code="invalid_link",
        )


@dataclass(frozen=True)
class Text:
    subject: str
    body: str


VERIFY = Text(
    N_("GovLotse: Bitte bestätigen Sie Ihre E-Mail-Adresse"),
    N_(
        "Guten Tag {name},\n\nSie haben {organisation} bei GovLotse registriert. Bitte bestätigen Sie Ihre "
        "E-Mail-Adresse mit diesem Link (gültig {hours} Stunden):\n\n{link}\n\nDanach prüft die Lotsenstelle "
        "Ihre Angaben und gibt Ihr Profil frei. Wenn Sie sich nicht registriert haben, ignorieren Sie diese "
        "E-Mail einfach."
    ),
)
ALREADY_REGISTERED = Text(
    N_("GovLotse: Registrierung mit Ihrer E-Mail-Adresse"),
    N_(
        "Guten Tag,\n\njemand hat versucht, sich mit Ihrer E-Mail-Adresse bei GovLotse zu registrieren. "
        "Sie haben bereits ein Konto. Falls Sie Ihr Passwort vergessen haben, setzen Sie es hier zurück:"
        "\n\n{link}\n\nWenn Sie das nicht waren, müssen Sie nichts tun."
    ),
)
RESET = Text(
    N_("GovLotse: Passwort zurücksetzen"),
    N_(
        "Guten Tag {name},\n\nmit diesem Link setzen Sie ein neues Passwort (gültig {minutes} Minuten, "
        "nur einmal verwendbar):\n\n{link}\n\nWenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail; "
        "Ihr Passwort bleibt unverändert."
    ),
)
INVITATION = Text(
    N_("GovLotse: Einladung zu {organisation}"),
    N_(
        "Guten Tag,\n\n{inviter} lädt Sie ein, bei GovLotse für {organisation} mitzuarbeiten. Nehmen Sie die "
        "Einladung mit diesem Link an (gültig {hours} Stunden):\n\n{link}\n\nWenn Sie die Einladung nicht "
        "erwartet haben, ignorieren Sie diese E-Mail."
    ),
)
APPROVED = Text(
    N_("GovLotse: {organisation} ist freigegeben"),
    N_(
        "Guten Tag {name},\n\ndie Lotsenstelle hat das Profil von {organisation} freigegeben. Es ist jetzt "
        "für Behörden sichtbar, und Sie können passende Bedarfe sehen:\n\n{link}"
    ),
)
REJECTED = Text(
    N_("GovLotse: {organisation} wurde nicht freigegeben"),
    N_(
        "Guten Tag {name},\n\ndie Lotsenstelle hat das Profil von {organisation} nicht freigegeben.\n\n"
        "Begründung: {reason}\n\nBei Fragen antworten Sie bitte der Lotsenstelle."
    ),
)


def _send(session: Session, to: str, text: Text, lang: str, **params: object) -> None:
    mail.send(
        session,
        mail.Mail(to=to, subject=translate(text.subject, lang, **params), body=translate(text.body, lang, **params)),
    )


def _may_mail(session: Session, email: str) -> bool:
    """Count one mail to ``email``; False once too many were asked for within the hour (the rest are dropped)."""
    if throttle.locked_until(session, throttle.MAILS_PER_ADDRESS, email):
        return False
    throttle.fail(session, throttle.MAILS_PER_ADDRESS, email)
    return True


def _issue(
    session: Session,
    *,
    purpose: TokenPurpose,
    email: str,
    lifetime: timedelta,
    user_id: int | None = None,
    organisation_id: int | None = None,
    created_by_id: int | None = None,
) -> tuple[str, AccountToken]:
    """A new single-use token and its row; earlier unused tokens of the same purpose and address stop working."""
    now = utcnow()
    scope = [AccountToken.purpose == purpose, AccountToken.email == email, AccountToken.used_at.is_(None)]
    if purpose == TokenPurpose.invitation:
        scope.append(AccountToken.organisation_id == organisation_id)
    session.execute(update(AccountToken).where(*scope).values(used_at=now))
    token = security.new_token()
    row = AccountToken(
        purpose=purpose,
        token_hash=security.token_hash(token),
        email=email,
        user_id=user_id,
        organisation_id=organisation_id,
        created_by_id=created_by_id,
        created_at=now,
        expires_at=now + lifetime,
    )
    session.add(row)
    session.flush()
    return token, row


def valid_token(session: Session, token: str | None, purpose: TokenPurpose) -> AccountToken:
    """The live token, or :class:`InvalidLink` (unknown, expired, used or of another purpose)."""
    if not token or len(token) > 200:
        raise InvalidLink()
    row = session.scalar(select(AccountToken).where(AccountToken.token_hash == security.token_hash(token)))
    if row is None or row.purpose != purpose or row.used_at is not None or row.expires_at <= utcnow():
        raise InvalidLink()
    return row


def _use(session: Session, token: str, purpose: TokenPurpose) -> AccountToken:
    row = valid_token(session, token, purpose)
    # Conditional update: of two concurrent uses of the same link only one succeeds.
    result = session.execute(
        update(AccountToken).where(AccountToken.id == row.id, AccountToken.used_at.is_(None)).values(used_at=utcnow())
    )
    if getattr(result, "rowcount", 1) != 1:
        raise InvalidLink()
    session.refresh(row)
    return row


def _account_of(session: Session, token: str, purpose: TokenPurpose) -> User:
    """Use a link sent to an account's address; the account must still have that address."""
    row = _use(session, token, purpose)
    user = session.get(User, row.user_id) if row.user_id else None
    if user is None or user.email != row.email:
        raise InvalidLink()
    return user


# ---------------------------------------------------------------- login


class LoginOutcome(StrEnum):
    ok = "ok"
    failed = "failed"  # wrong e-mail or password (never says which)
    locked = "locked"  # too many failures for this address or client (also for unknown addresses)
    unconfirmed = "unconfirmed"  # right password, address not confirmed yet: the link was sent again


LOGIN_MESSAGES = {
    LoginOutcome.failed: N_("E-Mail-Adresse oder Passwort ist falsch."),
    LoginOutcome.locked: N_(
        "Zu viele fehlgeschlagene Anmeldungen. Bitte warten Sie {minutes} Minuten oder setzen Sie Ihr Passwort zurück."
    ),
    LoginOutcome.unconfirmed: N_(
        "Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse. Wir haben Ihnen den Link noch einmal geschickt."
    ),
}


def log_in(session: Session, *, email: str, password: str, client: str) -> tuple[LoginOutcome, User | None]:
    """Check credentials with lockout; failures are counted in the caller's transaction (do not raise after)."""
    per_address = throttle.login_per_address()
    if throttle.locked_until(session, per_address, email) or throttle.locked_until(
        session, throttle.LOGIN_PER_CLIENT, client
    ):
        return LoginOutcome.locked, None
    user = authenticate(session=session, email=email, password=password)
    if user is None:
        locked = throttle.fail(session, per_address, email)
        locked = throttle.fail(session, throttle.LOGIN_PER_CLIENT, client) or locked
        return (LoginOutcome.locked if locked else LoginOutcome.failed), None
    throttle.clear(session, per_address, email)
    if user.email_verified_at is None:
        resend_verification(session, user)
        return LoginOutcome.unconfirmed, user
    return LoginOutcome.ok, user


# ---------------------------------------------------------------- registration


def register(session: Session, data: Registration, *, client: str) -> None:
    """Sign up a start-up: a pending organisation and its owner, who must confirm the e-mail address.

    Known addresses get the same answer (and a mail telling the owner); the caller cannot tell them apart.
    """
    until = throttle.locked_until(session, throttle.REGISTRATIONS_PER_CLIENT, client)
    if until:
        raise TooManyAttempts(until)
    throttle.fail(session, throttle.REGISTRATIONS_PER_CLIENT, client)
    email = data.email.lower()
    existing = get_user_by_email(session=session, email=email)
    if existing is not None:
        if _may_mail(session, email):
            _send(session, email, ALREADY_REGISTERED, existing.language, link=mail.link("/passwort-vergessen"))
        return
    org = Organisation(
        kind=data.organisation_kind,
        name=data.organisation_name,
        website=data.website,
        status=OrganisationStatus.pending,
        source="Selbstregistrierung auf GovLotse",
    )
    session.add(org)
    session.flush()
    user = User(
        email=email,
        name=data.name,
        role=Role.startup if data.organisation_kind == OrganisationKind.startup else Role.expert,
        password_hash=security.hash_password(data.password),
        language=data.language,
        memberships=[Membership(organisation_id=org.id, org_role="owner")],
    )
    session.add(user)
    session.flush()
    actor = actor_for(user)
    audit.record(session, actor=actor, action="organisation.register", entity_type="organisation", entity_id=org.id)
    audit.record(session, actor=actor, action="user.register", entity_type="user", entity_id=user.id)
    usage.count(session, Metric.registrations)
    _send_verification(session, user, org.name)


def _send_verification(session: Session, user: User, organisation: str) -> None:
    if not _may_mail(session, user.email):
        return
    token, _row = _issue(
        session,
        purpose=TokenPurpose.verify_email,
        email=user.email,
        user_id=user.id,
        lifetime=timedelta(hours=settings.token_hours),
    )
    _send(
        session,
        user.email,
        VERIFY,
        user.language,
        name=user.name,
        organisation=organisation,
        hours=settings.token_hours,
        link=mail.link(f"/registrieren/bestaetigen?token={token}"),
    )


def resend_verification(session: Session, user: User) -> None:
    """Send the confirmation link again (after a login with the right password but no confirmed address)."""
    if user.email_verified_at is not None:
        return
    orgs = session.scalars(
        select(Organisation.name).join(Membership).where(Membership.user_id == user.id).order_by(Organisation.id)
    ).all()
    _send_verification(session, user, orgs[0] if orgs else "GovLotse")


def verify_email(session: Session, token: str) -> User:
    """Confirm the address the link was sent to."""
    user = _account_of(session, token, TokenPurpose.verify_email)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        audit.record(
            session, actor=_actor_of(session, user), action="user.verify_email", entity_type="user", entity_id=user.id
        )
    return user


def _actor_of(session: Session, user: User) -> Actor:
    session.refresh(user, ["memberships"])
    return actor_for(user)


# ---------------------------------------------------------------- password reset


def request_password_reset(session: Session, email: str) -> None:
    """Mail a reset link if the address has an account; the same answer either way."""
    user = get_user_by_email(session=session, email=email)
    if user is None or not user.is_active or not _may_mail(session, user.email):
        return
    token, _row = _issue(
        session,
        purpose=TokenPurpose.reset_password,
        email=user.email,
        user_id=user.id,
        lifetime=timedelta(minutes=settings.reset_minutes),
    )
    _send(
        session,
        user.email,
        RESET,
        user.language,
        name=user.name,
        minutes=settings.reset_minutes,
        link=mail.link(f"/passwort-neu?token={token}"),
    )


def reset_password(session: Session, token: str, password: str) -> User:
    """Set a new password with a reset link; ends every login session of the account."""
    user = _account_of(session, token, TokenPurpose.reset_password)
    if not user.is_active:
        raise InvalidLink()
    user.password_hash = security.hash_password(password)
    # Following the link proves the address, too.
    user.email_verified_at = user.email_verified_at or utcnow()
    session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    throttle.clear(session, throttle.login_per_address(), user.email)
    audit.record(
        session, actor=_actor_of(session, user), action="user.password_reset", entity_type="user", entity_id=user.id
    )
    return user


# ---------------------------------------------------------------- invitations


def may_invite(actor: Actor, org: Organisation, session: Session) -> bool:
    """The unit, and owners of the organisation."""
    if actor.sees_everything:
        return True
    if actor.user_id is None or not actor.member_of(org.id):
        return False
    role = session.scalar(
        select(Membership.org_role).where(Membership.user_id == actor.user_id, Membership.organisation_id == org.id)
    )
    return role == "owner"


def not_an_inviter() -> Forbidden:
    return Forbidden(N_("Nur Inhaberinnen und Inhaber der Organisation und die Lotsenstelle laden ein."))


def invite(session: Session, *, actor: Actor, org: Organisation, email: str, lang: str) -> AccountToken:
    """Invite a person by e-mail into ``org``."""
    if not may_invite(actor, org, session):
        raise not_an_inviter()
    email = email.strip().lower()
    existing = get_user_by_email(session=session, email=email)
    if existing is not None and any(m.organisation_id == org.id for m in existing.memberships):
        raise Invalid.on("email", N_("Diese Person gehört schon zur Organisation."))
    if existing is not None and existing.role != ROLE_FOR_KIND[OrganisationKind(org.kind)]:
        raise Invalid.on("email", N_("Dieses Konto hat eine Rolle, die nicht zu dieser Organisation passt."))
    inviter = session.get(User, actor.user_id) if actor.user_id else None
    token, row = _issue(
        session,
        purpose=TokenPurpose.invitation,
        email=email,
        organisation_id=org.id,
        created_by_id=actor.user_id,
        lifetime=timedelta(hours=settings.token_hours),
    )
    _send(
        session,
        email,
        INVITATION,
        existing.language if existing else lang,
        inviter=inviter.name if inviter else "GovLotse",
        organisation=org.name,
        hours=settings.token_hours,
        link=mail.link(f"/einladung?token={token}"),
    )
    audit.record(
        session,
        actor=actor,
        action="organisation.invite",
        entity_type="organisation",
        entity_id=org.id,
        data={"invitation_id": row.id},
    )
    return row


def open_invitations(session: Session, *, actor: Actor, org: Organisation) -> list[AccountToken]:
    if not may_invite(actor, org, session):
        return []
    return list(
        session.scalars(
            select(AccountToken)
            .where(
                AccountToken.purpose == TokenPurpose.invitation,
                AccountToken.organisation_id == org.id,
                AccountToken.used_at.is_(None),
                AccountToken.expires_at > utcnow(),
            )
            .order_by(AccountToken.created_at.desc())
        )
    )


def revoke_invitation(session: Session, *, actor: Actor, org: Organisation, invitation_id: int) -> None:
    if not may_invite(actor, org, session):
        raise not_an_inviter()
    row = session.get(AccountToken, invitation_id)
    if row is None or row.purpose != TokenPurpose.invitation or row.organisation_id != org.id:
        raise NotFound("invitation", invitation_id)
    if row.used_at is None:
        row.used_at = utcnow()
        audit.record(
            session,
            actor=actor,
            action="organisation.revoke_invitation",
            entity_type="organisation",
            entity_id=org.id,
            data={"invitation_id": row.id},
        )


@dataclass(frozen=True)
class InvitationView:
    """What the acceptance page shows before anyone acts."""

    email: str
    organisation: Organisation
    has_account: bool


def invitation(session: Session, token: str | None) -> InvitationView:
    row = valid_token(session, token, TokenPurpose.invitation)
    org = session.get(Organisation, row.organisation_id) if row.organisation_id else None
    if org is None:
        raise InvalidLink()
    return InvitationView(row.email, org, get_user_by_email(session=session, email=row.email) is not None)


def accept_invitation(
    session: Session, *, token: str, current: User | None, name: str | None, password: str | None
) -> User:
    """Join the organisation: a new account with the invited address, or the logged-in account that has it."""
    view = invitation(session, token)
    org = view.organisation
    role = ROLE_FOR_KIND[OrganisationKind(org.kind)]
    if view.has_account:
        if current is None or current.email != view.email:
            raise Forbidden(N_("Bitte melden Sie sich mit der eingeladenen E-Mail-Adresse an."))
        user = current
        if OrganisationKind(org.kind) not in ROLE_ORG_KINDS[Role(user.role)]:
            raise Conflict(N_("Dieses Konto hat eine Rolle, die nicht zu dieser Organisation passt."))
    else:
        errors = []
        if not name or len(name.strip()) < 2:
            errors.append(("name", N_("Bitte geben Sie Ihren Namen an.")))
        if not password or len(password) < security.MIN_PASSWORD_LENGTH:
            errors.append(("password", N_("Das Passwort muss mindestens {n} Zeichen lang sein.")))
        if errors:
            field, msg = errors[0]
            raise Invalid.on(field, msg, n=security.MIN_PASSWORD_LENGTH)
        assert name is not None and password is not None
        user = User(
            email=view.email,
            name=name.strip(),
            role=role,
            password_hash=security.hash_password(password),
            email_verified_at=utcnow(),  # the link reached this address
        )
        session.add(user)
        session.flush()
        usage.count(session, Metric.registrations)
    _use(session, token, TokenPurpose.invitation)
    session.add(Membership(user_id=user.id, organisation_id=org.id, org_role="member"))
    session.flush()
    audit.record(
        session,
        actor=_actor_of(session, user),
        action="organisation.join",
        entity_type="organisation",
        entity_id=org.id,
    )
    return user


# ---------------------------------------------------------------- the unit's approval


@dataclass(frozen=True)
class PendingRegistration:
    organisation: Organisation
    people: list[User]  # who registered (and was invited since), with their confirmation state

    @property
    def confirmed(self) -> bool:
        return any(u.email_verified_at for u in self.people)


def pending(session: Session, *, actor: Actor) -> list[PendingRegistration]:
    """Registrations waiting for the unit, oldest first, with the people behind them."""
    if not actor.sees_everything:
        raise Forbidden()
    orgs = session.scalars(
        select(Organisation)
        .where(Organisation.status == OrganisationStatus.pending)
        .order_by(Organisation.created_at, Organisation.id)
    ).all()
    people: dict[int, list[User]] = {o.id: [] for o in orgs}
    for org_id, user in session.execute(
        select(Membership.organisation_id, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.organisation_id.in_(list(people) or [-1]))
        .order_by(User.id)
    ):
        people[org_id].append(user)
    return [PendingRegistration(o, people[o.id]) for o in orgs]


def review(session: Session, *, actor: Actor, org: Organisation, approve: bool, reason: str) -> Organisation:
    """Approve a registration (the profile becomes visible) or reject it with a reason the owners read."""
    if not actor.sees_everything:
        raise Forbidden()
    if org.status != OrganisationStatus.pending:
        raise Conflict(N_("Über diese Registrierung ist schon entschieden."))
    people = session.scalars(
        select(User)
        .join(Membership)
        .where(Membership.organisation_id == org.id)
        .options(selectinload(User.memberships))
    ).all()
    if approve and not any(u.email_verified_at for u in people):
        raise Conflict(
            N_("Die E-Mail-Adresse ist noch nicht bestätigt; erst danach kann die Organisation freigegeben werden.")
        )
    if not approve and not reason.strip():
        raise Invalid.on("reason", N_("Bitte begründen Sie die Ablehnung; die Organisation erhält die Begründung."))
    status = OrganisationStatus.active if approve else OrganisationStatus.rejected
    organisations.set_status(session=session, actor=actor, org=org, status=status, note=reason.strip() or None)
    for user in people:
        if approve:
            _send(
                session,
                user.email,
                APPROVED,
                user.language,
                name=user.name,
                organisation=org.name,
                link=mail.link("/konto"),
            )
        else:
            _send(
                session,
                user.email,
                REJECTED,
                user.language,
                name=user.name,
                organisation=org.name,
                reason=reason.strip(),
            )
    return org


__all__ = [
    "LOGIN_MESSAGES",
    "InvalidLink",
    "LoginOutcome",
    "TooManyAttempts",
    "accept_invitation",
    "invitation",
    "invite",
    "log_in",
    "open_invitations",
    "pending",
    "register",
    "request_password_reset",
    "resend_verification",
    "reset_password",
    "review",
    "revoke_invitation",
    "valid_token",
    "verify_email",
]
