"""Procurement and compliance advice: rule-set versions, advice stored with the version it used."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from govlotse.challenges.models import Challenge
from govlotse.core import audit
from govlotse.core.actor import Actor, Role
from govlotse.errors import Forbidden, NotFound, Unauthorized
from govlotse.policy import Action, require
from govlotse.procurement import advisor, compliance, rules
from govlotse.procurement.models import AdviceRecord, RuleSetVersion

ADVICE_KINDS = ("procurement", "ai_act", "gdpr")


def _may_advise(actor: Actor) -> bool:
    # Decision support is for public-sector staff: the unit, agencies and admins (not start-ups).
    return actor.sees_everything or actor.role in (Role.agency, Role.expert)


def require_advisor(actor: Actor) -> None:
    """Decision support is for public-sector staff: visitors must log in, start-ups get 403."""
    if not actor.is_authenticated:
        raise Unauthorized()
    if not _may_advise(actor):
        raise Forbidden("decision support is for public-sector staff")


# Parsed stored rule sets by content hash: parsing and validating a rule set takes a noticeable part of a
# second, and a stored version never changes (a new file needs a new version), so each is parsed once.
_PARSED: dict[str, rules.RuleSet] = {}


def _parsed(row: RuleSetVersion) -> rules.RuleSet:
    key = row.sha256 or hashlib.sha256(row.content.encode()).hexdigest()
    found = _PARSED.get(key)
    if found is None:
        found = _PARSED[key] = rules.parse(row.content, name=f"stored rule set {row.version}")
    return found


def active_rule_set(session: Session) -> rules.RuleSet:
    """The rule set in use: the active stored version, else the newest one shipped with GovLotse."""
    row = session.scalar(select(RuleSetVersion).where(RuleSetVersion.active.is_(True)))
    if row is None:
        return rules.shipped()
    return _parsed(row)


def rule_set_of(session: Session, version: str) -> rules.RuleSet:
    """A stored version (old advice keeps pointing at the rules it used)."""
    row = session.get(RuleSetVersion, version)
    if row is None:
        if version == rules.shipped().version:
            return rules.shipped()
        raise NotFound("rule set", version)
    return _parsed(row)


def _store(session: Session, rule_set: rules.RuleSet, *, loaded_by: str, activate: bool) -> RuleSetVersion:
    content = rules.to_json(rule_set)
    row = session.get(RuleSetVersion, rule_set.version)
    if row is None:
        row = RuleSetVersion(
            version=rule_set.version,
            title=rule_set.title,
            content=content,
            sha256=hashlib.sha256(content.encode()).hexdigest(),
            loaded_by=loaded_by,
        )
        session.add(row)
    elif row.content != content:
        from govlotse.errors import Conflict

        raise Conflict(
            f"rule set version {rule_set.version} exists with other content; give the new file a new version"
        )
    if activate:
        session.execute(update(RuleSetVersion).values(active=False))
        row.active = True
    session.flush()
    return row


def ensure_stored(session: Session) -> RuleSetVersion:
    """Make sure the rule set in use is stored, so advice can reference its version."""
    rule_set = active_rule_set(session)
    row = session.get(RuleSetVersion, rule_set.version)
    if row is None:
        active_exists = session.scalar(select(RuleSetVersion).where(RuleSetVersion.active.is_(True))) is not None
        row = _store(session, rule_set, loaded_by="GovLotse (shipped)", activate=not active_exists)
    return row


def load_rule_set(*, session: Session, actor: Actor, text: str, name: str = "upload") -> RuleSetVersion:
    """Validate and store a new rule-set version and make it the active one (admins, the CLI)."""
    if not (actor.is_system or actor.role == Role.admin):
        raise Forbidden("only administrators load rule sets")
    rule_set = rules.parse(text, name=name)
    row = _store(session, rule_set, loaded_by=actor.label, activate=True)
    audit.record(
        session,
        actor=actor,
        action="ruleset.load",
        entity_type="ruleset",
        entity_id=None,
        data={"version": rule_set.version, "rules": len(rule_set.rules), "sha256": row.sha256},
    )
    return row


def activate(*, session: Session, actor: Actor, version: str) -> RuleSetVersion:
    """Switch back (or forward) to a stored version."""
    if not (actor.is_system or actor.role == Role.admin):
        raise Forbidden("only administrators switch rule sets")
    row = session.get(RuleSetVersion, version)
    if row is None:
        raise NotFound("rule set", version)
    session.execute(update(RuleSetVersion).values(active=False))
    row.active = True
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="ruleset.activate",
        entity_type="ruleset",
        entity_id=None,
        data={"version": version},
    )
    return row


def list_versions(*, session: Session) -> list[RuleSetVersion]:
    ensure_stored(session)
    return list(session.scalars(select(RuleSetVersion).order_by(RuleSetVersion.loaded_at.desc())))


def _challenge(session: Session, actor: Actor, challenge_id: int | None) -> Challenge | None:
    if challenge_id is None:
        return None
    challenge = session.get(Challenge, challenge_id)
    if challenge is None:
        raise NotFound("challenge", challenge_id)
    require(actor, Action.update, challenge, name="challenge", ident=challenge_id)
    return challenge


def _record(
    session: Session,
    actor: Actor,
    *,
    kind: str,
    version: str,
    challenge: Challenge | None,
    data_in: dict[str, Any],
    result: dict[str, Any],
) -> AdviceRecord:
    record = AdviceRecord(
        kind=kind,
        challenge_id=challenge.id if challenge else None,
        rules_version=version,
        created_by_id=actor.user_id,
        created_by_label=actor.label,
        input=data_in,
        result=result,
    )
    session.add(record)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=f"advice.{kind}",
        entity_type="challenge" if challenge else "advice",
        entity_id=challenge.id if challenge else record.id,
        data={"advice_id": record.id, "rules_version": version},
    )
    return record


def advise(
    *, session: Session, actor: Actor, advice_in: advisor.AdviceInput, challenge_id: int | None = None
) -> tuple[advisor.Advice, AdviceRecord | None]:
    """Procurement route for a planned contract; stored on the need when one is given."""
    if not _may_advise(actor):
        raise Forbidden("the procurement advisor is for public-sector staff")
    challenge = _challenge(session, actor, challenge_id)
    row = ensure_stored(session)
    rule_set = rule_set_of(session, row.version)
    result = advisor.advise(rule_set, advice_in)
    record = None
    if challenge is not None:
        record = _record(
            session,
            actor,
            kind="procurement",
            version=rule_set.version,
            challenge=challenge,
            data_in=advice_in.model_dump(mode="json"),
            result=result.model_dump(mode="json"),
        )
    return result, record


def ai_act_check(
    *, session: Session, actor: Actor, answers: compliance.AiActAnswers, challenge_id: int | None = None
) -> tuple[compliance.AiActResult, AdviceRecord | None]:
    """EU AI Act risk class and deployer duties for the answers given; stored on the need when given."""
    if not _may_advise(actor):
        raise Forbidden("the compliance check is for public-sector staff")
    challenge = _challenge(session, actor, challenge_id)
    row = ensure_stored(session)
    result = compliance.classify(rule_set_of(session, row.version), answers)
    record = None
    if challenge is not None:
        record = _record(
            session,
            actor,
            kind="ai_act",
            version=row.version,
            challenge=challenge,
            data_in=answers.model_dump(mode="json"),
            result=result.model_dump(mode="json"),
        )
    return result, record


def ai_act_suggestions(*, session: Session, text: str) -> list[compliance.Suggestion]:
    return compliance.suggest(active_rule_set(session), text)


def gdpr_for(
    *, session: Session, challenge: Challenge, hosting: list[str] | None = None, high_risk_ai: bool = False
) -> list[compliance.GdprItem]:
    """The GDPR checklist for a need (empty if it processes no personal data)."""
    return compliance.gdpr_checklist(
        active_rule_set(session),
        personal_data=challenge.personal_data,
        special_categories=challenge.special_categories,
        hosting=hosting,
        high_risk_ai=high_risk_ai,
    )


def records_for(*, session: Session, actor: Actor, challenge: Challenge) -> list[AdviceRecord]:
    """The advice stored on a need, newest first (for its page and its dossier)."""
    require(actor, Action.update, challenge, name="challenge", ident=challenge.id)
    return list(
        session.scalars(
            select(AdviceRecord)
            .where(AdviceRecord.challenge_id == challenge.id)
            .order_by(AdviceRecord.created_at.desc(), AdviceRecord.id.desc())
        )
    )
