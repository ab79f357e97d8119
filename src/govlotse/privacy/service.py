"""Data-protection rights of a person (GDPR Art. 15, 17, 20): export everything about them, delete the account.

Deletion keeps the records the administration must keep (needs, scores, decisions, the audit log) but
replaces the person in them by a pseudonym: the account row stays as a tombstone without name, address
or password so that references keep working; copies of the person's label in records and in the audit
log are overwritten with the pseudonym. The audit log's hash chain does not cover labels (see
core/audit.py), so it still verifies afterwards.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import InstrumentedAttribute, Session

from govlotse.accounts.models import AccountToken, ApiToken, LoginSession, Membership, User
from govlotse.challenges.models import Challenge
from govlotse.config import settings
from govlotse.core import audit, security
from govlotse.core.actor import Actor, Role
from govlotse.core.audit import AuditEvent
from govlotse.core.models import utcnow
from govlotse.errors import Conflict, Invalid
from govlotse.experts.models import Assignment, ExpertProfile
from govlotse.exploration.models import Candidate, ExplorationRun
from govlotse.i18n import N_
from govlotse.knowledge.models import Article, ArticleAttachment, ArticleRevision
from govlotse.matching import sources as search_index
from govlotse.organisations.models import Organisation
from govlotse.pipeline.models import CaseTransition, Decision, Score
from govlotse.procurement.models import AdviceRecord, RuleSetVersion


@dataclass(frozen=True)
class LabelColumn:
    """A column that holds a copy of a person's label ("Name <e-mail>"), with the person's id if kept."""

    label: InstrumentedAttribute[Any]
    person_id: InstrumentedAttribute[Any] | None = None


# Every place that copies a person's label. A new column of this kind must be added here (see
# tests/privacy: a test looks for label columns that are missing).
LABEL_COLUMNS = [
    LabelColumn(AuditEvent.actor_label, AuditEvent.actor_id),
    LabelColumn(ExplorationRun.created_by_label, ExplorationRun.created_by_id),
    LabelColumn(ExplorationRun.closed_by_label),
    LabelColumn(Candidate.decided_by_label),
    LabelColumn(CaseTransition.actor_label, CaseTransition.actor_id),
    LabelColumn(Score.evaluator_label, Score.evaluator_id),
    LabelColumn(Decision.decided_by_label),
    LabelColumn(Article.author_label, Article.author_id),
    LabelColumn(AdviceRecord.created_by_label, AdviceRecord.created_by_id),
    LabelColumn(RuleSetVersion.loaded_by),
    LabelColumn(Assignment.created_by_label, Assignment.created_by_id),
    LabelColumn(ArticleRevision.changed_by_label, ArticleRevision.changed_by_id),
    LabelColumn(ArticleAttachment.uploaded_by_label, ArticleAttachment.uploaded_by_id),
]


def _mine(column: LabelColumn, user: User) -> Any:
    label = actor_for_label(user)
    # Actions through an API token carry the label with a suffix: "Name <mail> (API-Token …)".
    by_label = or_(column.label == label, column.label.like(label.replace("%", r"\%") + " (%", escape="\\"))
    return or_(column.person_id == user.id, by_label) if column.person_id is not None else by_label


def actor_for_label(user: User) -> str:
    return f"{user.name} <{user.email}>"


def pseudonym(user_id: int) -> str:
    """A stable pseudonym: the same person gets the same one everywhere; it cannot be turned back."""
    key = (settings.audit_key or settings.secret_key).encode()
    digest = hmac.new(key, f"user:{user_id}".encode(), hashlib.sha256).hexdigest()[:8].upper()
    return f"Gelöschte Person P-{digest}"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export(session: Session, *, user: User) -> dict[str, Any]:
    """Everything GovLotse stores about ``user``, as JSON-ready data (GDPR Art. 15 and 20)."""
    orgs = session.execute(
        select(Organisation.id, Organisation.name, Membership.org_role)
        .join(Membership, Membership.organisation_id == Organisation.id)
        .where(Membership.user_id == user.id)
    ).all()
    records: dict[str, list[dict[str, Any]]] = {}
    for column in LABEL_COLUMNS:
        model = column.label.class_
        key_column = sa_inspect(model).primary_key[0]
        rows = session.scalars(select(model).where(_mine(column, user)).order_by(key_column)).all()
        name = f"{model.__tablename__}.{column.label.key}"
        records[name] = [
            {
                "id": getattr(row, key_column.key),
                "label": getattr(row, column.label.key),
                **{
                    key: _plain(getattr(row, key))
                    for key in (
                        "at",
                        "created_at",
                        "loaded_at",
                        "action",
                        "entity_type",
                        "entity_id",
                        "title",
                        "score",
                        "comment",
                    )
                    if hasattr(row, key)
                },
            }
            for row in rows
        ]
    needs = session.execute(
        select(Challenge.id, Challenge.title, Challenge.created_at).where(Challenge.created_by_id == user.id)
    ).all()
    return {
        "exported_at": utcnow().isoformat(),
        "about": "Alle Daten, die GovLotse über diese Person speichert (DSGVO Art. 15 und 20).",
        "account": {
            "id": user.id,
            "name": user.name,
            "email": user.email,
            "role": user.role,
            "language": user.language,
            "is_active": user.is_active,
            "created_at": _iso(user.created_at),
            "email_verified_at": _iso(user.email_verified_at),
            "last_login_at": _iso(user.last_login_at),
        },
        "organisations": [{"id": i, "name": n, "org_role": r} for i, n, r in orgs],
        "login_sessions": [
            {"created_at": _iso(s.created_at), "expires_at": _iso(s.expires_at)}
            for s in session.scalars(select(LoginSession).where(LoginSession.user_id == user.id))
        ],
        "api_tokens": [
            {
                "name": t.name,
                "prefix": t.prefix,
                "scope": t.scope,
                "created_at": _iso(t.created_at),
                "expires_at": _iso(t.expires_at),
                "last_used_at": _iso(t.last_used_at),
                "revoked_at": _iso(t.revoked_at),
            }
            for t in session.scalars(select(ApiToken).where(ApiToken.user_id == user.id))
        ],
        "needs_created": [{"id": i, "title": t, "created_at": _iso(c)} for i, t, c in needs],
        "records_naming_you": records,
    }


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


CONFIRM_MISMATCH = N_("Zur Bestätigung bitte Ihr Passwort eingeben.")
CONFIRM_EMAIL_MISMATCH = N_("Zur Bestätigung bitte Ihre E-Mail-Adresse eingeben.")
LAST_ADMIN = N_("Das letzte aktive Administrationskonto kann nicht gelöscht werden.")


def delete_account(session: Session, *, user: User, confirmation: str) -> str:
    """Delete the person's account (GDPR Art. 17); returns the pseudonym that now stands for them.

    ``confirmation`` is the password (or, for accounts without one, e.g. single sign-on, the e-mail address).
    """
    if user.password_hash:
        if not security.verify_password(user.password_hash, confirmation):
            raise Invalid.on("confirmation", CONFIRM_MISMATCH)
    elif confirmation.strip().lower() != user.email:
        raise Invalid.on("confirmation", CONFIRM_EMAIL_MISMATCH)
    if user.role == Role.admin:
        admins = session.scalar(select(func.count()).where(User.role == Role.admin, User.is_active.is_(True)))
        if (admins or 0) <= 1:
            raise Conflict(LAST_ADMIN)
    alias = pseudonym(user.id)
    for column in LABEL_COLUMNS:
        model = column.label.class_
        session.execute(
            update(model)
            .where(_mine(column, user))
            .values({column.label.key: alias})
            .execution_options(synchronize_session=False)
        )
    session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    session.execute(delete(AccountToken).where(or_(AccountToken.user_id == user.id, AccountToken.email == user.email)))
    session.execute(delete(Membership).where(Membership.user_id == user.id))
    # An expert profile describes the person: it leaves the directory and the search, its text is removed.
    profile_ids = list(session.scalars(select(ExpertProfile.id).where(ExpertProfile.user_id == user.id)))
    session.execute(
        update(ExpertProfile)
        .where(ExpertProfile.user_id == user.id)
        .values(headline="–", expertise="", availability_note=None, listed=False)
    )
    search_index.enqueue(session, "expert", profile_ids)
    user.name = alias
    user.email = f"geloescht-{user.id}@invalid.example"
    user.password_hash = None
    user.is_active = False
    user.email_verified_at = None
    user.last_login_at = None
    session.flush()
    session.expire(user, ["memberships"])
    actor = Actor(user_id=user.id, role=Role(user.role), label=alias)
    audit.record(session, actor=actor, action="user.delete", entity_type="user", entity_id=user.id)
    return alias


__all__ = ["LABEL_COLUMNS", "delete_account", "export", "pseudonym"]
