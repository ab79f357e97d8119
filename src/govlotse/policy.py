"""Who may do what: one place for the authorization rules, checked in the service layer.

Rules (PRODUCT.md, issue #2):
- the unit (and the platform admin) sees everything;
- an agency sees its own internal challenges and everything published;
- a start-up sees published challenges and edits only its own organisation and solutions;
- anonymous visitors see published content only.
Hidden content answers 404 rather than 403 so that its existence does not leak.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, true

from govlotse.challenges.models import Challenge, ChallengeStatus, Visibility
from govlotse.core.actor import Actor, Role
from govlotse.errors import Forbidden, NotFound, Unauthorized
from govlotse.knowledge.models import UseCase
from govlotse.organisations.models import Organisation, OrganisationKind, OrganisationStatus
from govlotse.solutions.models import Solution


class Action(StrEnum):
    view = "view"
    create = "create"
    update = "update"


# Challenges that anyone may see: published, and out of the agency's private draft stage.
PUBLIC_CHALLENGE_STATUSES = (ChallengeStatus.submitted, ChallengeStatus.accepted, ChallengeStatus.closed)


def _is_public_challenge(c: Challenge) -> bool:
    return c.visibility == Visibility.published and c.status in PUBLIC_CHALLENGE_STATUSES


def _org_visible(actor: Actor, org: Organisation) -> bool:
    return org.status == OrganisationStatus.active or actor.sees_everything or actor.member_of(org.id)


def can(actor: Actor, action: Action, resource: Any) -> bool:
    """True if ``actor`` may do ``action`` on ``resource`` (an instance, or a class for create)."""
    if actor.sees_everything:
        return True
    if isinstance(resource, Challenge):
        return _can_challenge(actor, action, resource)
    if isinstance(resource, Organisation):
        if action == Action.view:
            return _org_visible(actor, resource)
        return action == Action.update and actor.member_of(resource.id)
    if isinstance(resource, Solution):
        if action == Action.view:
            return _org_visible(actor, resource.organisation)
        return actor.role == Role.startup and actor.member_of(resource.organisation_id)
    if isinstance(resource, UseCase):
        return action == Action.view or actor.role == Role.expert
    if resource is Challenge:
        return action == Action.create and actor.role == Role.agency
    if resource is Solution:
        return action == Action.create and actor.role == Role.startup
    if resource is UseCase:
        return action == Action.create and actor.role == Role.expert
    return False


def _can_challenge(actor: Actor, action: Action, c: Challenge) -> bool:
    own = actor.role == Role.agency and actor.member_of(c.organisation_id)
    if action == Action.view:
        return own or _is_public_challenge(c) or c.id in actor.advises
    if action == Action.update:
        return own
    return False


def require(actor: Actor, action: Action, resource: Any, *, name: str, ident: object = None) -> None:
    """Raise unless allowed: 404 if the actor may not even see it, 401/403 otherwise."""
    if can(actor, action, resource):
        return
    if not isinstance(resource, type) and not can(actor, Action.view, resource):
        raise NotFound(name, ident)
    if not actor.is_authenticated:
        raise Unauthorized()
    raise Forbidden()


def challenge_filter(actor: Actor) -> ColumnElement[bool]:
    """SQL condition selecting the challenges ``actor`` may see (used inside every query)."""
    if actor.sees_everything:
        return true()
    public = and_(Challenge.visibility == Visibility.published, Challenge.status.in_(PUBLIC_CHALLENGE_STATUSES))
    if actor.role == Role.agency and actor.organisation_ids:
        return or_(public, Challenge.organisation_id.in_(actor.organisation_ids))
    if actor.advises:
        return or_(public, Challenge.id.in_(actor.advises))
    return public


def organisation_filter(actor: Actor) -> ColumnElement[bool]:
    """SQL condition selecting the organisations ``actor`` may see."""
    if actor.sees_everything:
        return true()
    active = Organisation.status == OrganisationStatus.active
    if actor.organisation_ids:
        return or_(active, Organisation.id.in_(actor.organisation_ids))
    return active


def may_own(actor: Actor, org: Organisation, kinds: tuple[OrganisationKind, ...]) -> bool:
    """May ``actor`` file a record owned by ``org`` (the unit for anyone, others for their own)?"""
    if org.kind not in kinds:
        return False
    return actor.sees_everything or actor.member_of(org.id)


__all__ = ["Action", "can", "challenge_filter", "may_own", "organisation_filter", "require"]
