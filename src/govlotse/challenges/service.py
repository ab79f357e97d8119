"""Challenges (Bedarfe): filing, editing and moving a need through its first states."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from govlotse.challenges.models import Challenge, ChallengeStatus, Visibility
from govlotse.challenges.schemas import ChallengeCreate, ChallengeFilter, ChallengeUpdate
from govlotse.core import audit, crud
from govlotse.core.actor import Actor, Role
from govlotse.core.pagination import paginate
from govlotse.core.schemas import apply_sort
from govlotse.core.validation import CUSTOM
from govlotse.errors import Conflict, IllegalTransition, Invalid, NotFound
from govlotse.i18n import N_
from govlotse.matching import sources as search_index
from govlotse.organisations.models import Organisation, OrganisationKind
from govlotse.policy import PUBLIC_CHALLENGE_STATUSES, Action, can, challenge_filter, may_own, require
from govlotse.taxonomy import service as taxonomy

SORTS = {
    "created_at": Challenge.created_at,
    "updated_at": Challenge.updated_at,
    "title": Challenge.title,
    "budget_max": Challenge.budget_max,
    "desired_start": Challenge.desired_start,
}

# Who may move a challenge from one status to another, and whether a reason is required.
# (from, to): (roles allowed besides the unit, reason required)
TRANSITIONS: dict[tuple[ChallengeStatus, ChallengeStatus], tuple[frozenset[Role], bool]] = {
    (ChallengeStatus.draft, ChallengeStatus.submitted): (frozenset({Role.agency}), False),
    (ChallengeStatus.submitted, ChallengeStatus.draft): (frozenset({Role.agency}), False),
    (ChallengeStatus.submitted, ChallengeStatus.accepted): (frozenset(), False),
    (ChallengeStatus.submitted, ChallengeStatus.declined): (frozenset(), True),
    (ChallengeStatus.declined, ChallengeStatus.submitted): (frozenset({Role.agency}), False),
    (ChallengeStatus.accepted, ChallengeStatus.closed): (frozenset(), True),
    (ChallengeStatus.closed, ChallengeStatus.accepted): (frozenset(), True),
}

# States an agency may choose when it files a need; the unit (and imports) may file any state.
AGENCY_INITIAL_STATES = (ChallengeStatus.draft, ChallengeStatus.submitted)


def _load() -> list[Any]:
    return [selectinload(Challenge.tags), selectinload(Challenge.organisation)]


def list_challenges(*, session: Session, actor: Actor, filters: ChallengeFilter) -> tuple[list[Challenge], int]:
    """The challenges the actor may see, filtered and sorted, one page."""
    f = filters
    stmt = select(Challenge).where(challenge_filter(actor)).options(*_load())
    if f.q:
        like = f"%{f.q.strip()}%"
        stmt = stmt.where(or_(Challenge.title.ilike(like), Challenge.problem.ilike(like)))
    for column, value in (
        (Challenge.status, f.status),
        (Challenge.visibility, f.visibility),
        (Challenge.organisation_id, f.organisation_id),
        (Challenge.hosting_requirement, f.hosting_requirement),
        (Challenge.personal_data, f.personal_data),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if f.tag:
        stmt = stmt.where(Challenge.tags.any(slug=f.tag))
    stmt = apply_sort(stmt, f.sort, allowed=SORTS, default="-created_at", tiebreak=Challenge.id)
    return paginate(session, stmt, f)


def get_challenge(*, session: Session, actor: Actor, challenge_id: int) -> Challenge:
    """One challenge the actor may see, or NotFound (also when it exists but is hidden)."""
    challenge = session.scalar(select(Challenge).where(Challenge.id == challenge_id).options(*_load()))
    if challenge is None:
        raise NotFound("challenge", challenge_id)
    require(actor, Action.view, challenge, name="challenge", ident=challenge_id)
    return challenge


def agencies_for(*, session: Session, actor: Actor) -> list[Organisation]:
    """The agencies on whose behalf the actor may file a need."""
    stmt = select(Organisation).where(Organisation.kind == OrganisationKind.agency).order_by(Organisation.name)
    if not actor.sees_everything:
        stmt = stmt.where(Organisation.id.in_(actor.organisation_ids or {-1}))
    return list(session.scalars(stmt))


def create_challenge(*, session: Session, actor: Actor, challenge_in: ChallengeCreate) -> Challenge:
    """File a need for an agency (its own staff, or the unit on its behalf)."""
    require(actor, Action.create, Challenge, name="challenge")
    org = session.get(Organisation, challenge_in.organisation_id)
    if org is None or not may_own(actor, org, (OrganisationKind.agency,)):
        raise Invalid.on("organisation_id", "Bitte eine Behörde wählen, für die Sie Bedarfe melden dürfen.")
    if not actor.sees_everything and challenge_in.status not in AGENCY_INITIAL_STATES:
        raise Invalid.on("status", "Ein neuer Bedarf ist ein Entwurf oder wird eingereicht.")
    if crud.by_external_id(session, Challenge, challenge_in.external_id):
        raise Conflict(f"challenge {challenge_in.external_id} exists already")
    challenge = Challenge(
        **challenge_in.model_dump(exclude={"tags"}),
        created_by_id=actor.user_id,
        tags=taxonomy.resolve(session=session, slugs=challenge_in.tags),
    )
    crud.created(session, actor=actor, obj=challenge, entity_type="challenge", data=challenge_in.model_dump())
    session.refresh(challenge, ["organisation"])
    search_index.enqueue(session, "challenge", [challenge.id])
    return challenge


def update_challenge(
    *, session: Session, actor: Actor, challenge: Challenge, challenge_in: ChallengeUpdate
) -> Challenge:
    """Edit a need; a status change goes through :func:`transition` rules."""
    require(actor, Action.update, challenge, name="challenge", ident=challenge.id)
    crud.check_version(challenge, challenge_in.version, name="challenge")
    values = challenge_in.model_dump(exclude_unset=True, exclude={"version", "tags", "status", "status_reason"})
    _check_combined(challenge, values)
    if challenge_in.tags is not None:
        values["tags"] = taxonomy.resolve(session=session, slugs=challenge_in.tags)
    if crud.apply_changes(session, actor=actor, obj=challenge, values=values, entity_type="challenge"):
        search_index.enqueue(session, "challenge", [challenge.id])
    if challenge_in.status is not None and challenge_in.status != challenge.status:
        transition(
            session=session,
            actor=actor,
            challenge=challenge,
            to=challenge_in.status,
            reason=challenge_in.status_reason or "",
        )
    return challenge


def _check_combined(challenge: Challenge, values: dict[str, object]) -> None:
    # A partial update must not produce a combination the create form would refuse.
    low = values.get("budget_min", challenge.budget_min)
    high = values.get("budget_max", challenge.budget_max)
    if isinstance(low, int) and isinstance(high, int) and high < low:
        raise Invalid.on("budget_max", CUSTOM["budget_order"])
    special = values.get("special_categories", challenge.special_categories)
    personal = values.get("personal_data", challenge.personal_data)
    if special and not personal:
        raise Invalid.on("special_categories", CUSTOM["special_without_personal"])


def allowed_transitions(*, actor: Actor, challenge: Challenge) -> list[ChallengeStatus]:
    """The statuses the actor may move this challenge to now."""
    if not can_edit(actor=actor, challenge=challenge):
        return []
    current = ChallengeStatus(challenge.status)
    return [
        to
        for (frm, to), (roles, _reason) in TRANSITIONS.items()
        if frm == current and (actor.sees_everything or actor.role in roles)
    ]


def can_edit(*, actor: Actor, challenge: Challenge) -> bool:
    """May the actor edit this challenge?"""
    return can(actor, Action.update, challenge)


def transition(
    *,
    session: Session,
    actor: Actor,
    challenge: Challenge,
    to: ChallengeStatus,
    reason: str = "",
    version: int | None = None,
) -> None:
    """Move a challenge to another status if the transition table allows it; audited."""
    require(actor, Action.update, challenge, name="challenge", ident=challenge.id)
    if version is not None:
        crud.check_version(challenge, version, name="challenge")
    current = ChallengeStatus(challenge.status)
    rule = TRANSITIONS.get((current, to))
    if rule is None:
        raise IllegalTransition(
            entity="challenge",
            from_state=current,
            to_state=to,
            reason=N_("Diesen Schritt gibt es im Ablauf eines Bedarfs nicht."),
        )
    roles, reason_required = rule
    if not (actor.sees_everything or actor.role in roles):
        raise IllegalTransition(
            entity="challenge",
            from_state=current,
            to_state=to,
            reason=N_("Diesen Schritt geht nur die Lotsenstelle."),
        )
    if reason_required and not reason.strip():
        raise Invalid.on("status_reason", "Bitte eine Begründung angeben.")
    challenge.status = to
    challenge.status_reason = reason.strip()
    session.flush()
    search_index.enqueue(session, "challenge", [challenge.id])  # public or not may have changed
    audit.record(
        session,
        actor=actor,
        action="challenge.transition",
        entity_type="challenge",
        entity_id=challenge.id,
        data={"from": current, "to": to, "reason": reason.strip()},
    )


MERGEABLE = (ChallengeStatus.submitted, ChallengeStatus.accepted)


def merge_targets(*, session: Session, actor: Actor, challenge: Challenge) -> list[Challenge]:
    """Needs this one may be merged into (the unit only; also across agencies)."""
    if not actor.sees_everything or challenge.status not in MERGEABLE:
        return []
    stmt = (
        select(Challenge)
        .where(Challenge.id != challenge.id, Challenge.status.in_(MERGEABLE))
        .options(selectinload(Challenge.organisation))
        .order_by(Challenge.title)
    )
    return list(session.scalars(stmt))


def merge(
    *,
    session: Session,
    actor: Actor,
    challenge: Challenge,
    into_id: int | None,
    reason: str = "",
    version: int | None = None,
) -> Challenge:
    """Merge a duplicate need into another (also of another agency).

    The duplicate keeps its text, history and cases; it gets the status *merged* with a link to the
    need the work continues in. Its agency sees where it went and why.
    """
    if not actor.sees_everything:
        raise IllegalTransition(
            entity="challenge",
            from_state=challenge.status,
            to_state=ChallengeStatus.merged,
            reason=N_("Bedarfe führt nur die Lotsenstelle zusammen."),
        )
    if version is not None:
        crud.check_version(challenge, version, name="challenge")
    if challenge.status not in MERGEABLE:
        raise IllegalTransition(
            entity="challenge",
            from_state=challenge.status,
            to_state=ChallengeStatus.merged,
            reason=N_("Nur eingereichte oder angenommene Bedarfe können zusammengeführt werden."),
        )
    target = session.scalar(select(Challenge).where(Challenge.id == into_id).options(*_load())) if into_id else None
    if target is None:
        raise Invalid.on("merged_into_id", "Bitte den Bedarf wählen, in den zusammengeführt wird.")
    if target.id == challenge.id:
        raise Invalid.on("merged_into_id", "Ein Bedarf kann nicht mit sich selbst zusammengeführt werden.")
    if target.status not in MERGEABLE:
        raise Invalid.on(
            "merged_into_id",
            "In diesen Bedarf kann nicht zusammengeführt werden (Status: {status}).",
            status=target.status,
        )
    before = challenge.status
    challenge.status = ChallengeStatus.merged
    challenge.merged_into_id = target.id
    challenge.status_reason = reason.strip()
    session.flush()
    search_index.enqueue(session, "challenge", [challenge.id])
    audit.record(
        session,
        actor=actor,
        action="challenge.merge",
        entity_type="challenge",
        entity_id=challenge.id,
        data={"from": before, "to": ChallengeStatus.merged, "into": target.id, "reason": reason.strip()},
    )
    audit.record(
        session,
        actor=actor,
        action="challenge.merged_in",
        entity_type="challenge",
        entity_id=target.id,
        data={"duplicate": challenge.id, "reason": reason.strip()},
    )
    return challenge


def merged_into(*, session: Session, challenge: Challenge) -> Challenge | None:
    """Where a merged need continues (shown to its agency even if it cannot open that need)."""
    if challenge.merged_into_id is None:
        return None
    return session.scalar(select(Challenge).where(Challenge.id == challenge.merged_into_id).options(*_load()))


def merged_from(*, session: Session, challenge: Challenge) -> list[Challenge]:
    """The duplicates merged into this need, with their agencies."""
    stmt = select(Challenge).where(Challenge.merged_into_id == challenge.id).options(*_load()).order_by(Challenge.id)
    return list(session.scalars(stmt))


def _challenge_text(c: Challenge) -> str:
    parts = [
        c.title,
        c.problem,
        c.affected_process,
        c.affected_users,
        c.current_situation,
        c.desired_outcome,
        c.integrations,
        " ".join(t.label_de for t in c.tags),
    ]
    return "\n\n".join(p for p in parts if p and p.strip())


def search_sources(session: Session, ids: Sequence[int]) -> list[search_index.SearchSource]:
    """Challenges as the search index sees them (text, owner, whether the public may see them)."""
    rows = session.scalars(select(Challenge).where(Challenge.id.in_(ids)).options(*_load()))
    return [
        search_index.SearchSource(
            entity_type="challenge",
            entity_id=c.id,
            title=c.title,
            body=_challenge_text(c),
            public=c.visibility == Visibility.published and c.status in PUBLIC_CHALLENGE_STATUSES,
            org_id=c.organisation_id,
            org_kind=c.organisation.kind,
            status=c.status,
        )
        for c in rows
    ]


search_index.register(
    "challenge", load=search_sources, list_ids=lambda session: list(session.scalars(select(Challenge.id)))
)
