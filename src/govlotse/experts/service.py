"""Expert directory and advisor assignments.

Who sees what: the directory is working material of the public sector — the unit, agency staff and experts
read it; start-ups and visitors do not (it names people). Experts keep their own profile; the unit edits
any. Only the unit assigns experts to a need or a case; an assigned expert may then read that need and its
cases and score its pitches (see ``advised_challenge_ids`` and the policies that use ``Actor.advises``).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.base import ExecutableOption

from govlotse.accounts.models import Membership, User
from govlotse.challenges.models import Challenge
from govlotse.core import audit, crud
from govlotse.core.actor import Actor, Role
from govlotse.core.models import utcnow
from govlotse.errors import Forbidden, Invalid, NotFound
from govlotse.experts.models import Assignment, ExpertProfile
from govlotse.experts.schemas import ProfileIn, ProfileUpdate
from govlotse.i18n import N_
from govlotse.matching import sources as search_index
from govlotse.organisations.models import Organisation
from govlotse.pipeline.models import Case
from govlotse.taxonomy import service as taxonomy


def may_see_directory(actor: Actor) -> bool:
    return actor.sees_everything or actor.role in (Role.agency, Role.expert)


def _may_edit(actor: Actor, profile: ExpertProfile) -> bool:
    return actor.sees_everything or profile.user_id == actor.user_id


def _options() -> list[ExecutableOption]:
    return [selectinload(ExpertProfile.tags), selectinload(ExpertProfile.user).selectinload(User.memberships)]


def get_profile(*, session: Session, actor: Actor, profile_id: int) -> ExpertProfile:
    profile = session.scalar(select(ExpertProfile).where(ExpertProfile.id == profile_id).options(*_options()))
    visible = profile is not None and (
        (may_see_directory(actor) and (profile.listed or _may_edit(actor, profile))) or _may_edit(actor, profile)
    )
    if profile is None or not visible or not profile.user.is_active:
        raise NotFound("expert", profile_id)
    return profile


def own_profile(*, session: Session, actor: Actor) -> ExpertProfile | None:
    if actor.user_id is None:
        return None
    return session.scalar(select(ExpertProfile).where(ExpertProfile.user_id == actor.user_id).options(*_options()))


def list_profiles(
    *, session: Session, actor: Actor, q: str | None = None, tag: str | None = None, availability: str | None = None
) -> list[ExpertProfile]:
    """Listed experts, by name; for the full-text and semantic search use the search box (kind "expert")."""
    if not may_see_directory(actor):
        raise Forbidden(N_("Das Verzeichnis der Expertinnen und Experten ist für Verwaltung und Expertenkreis."))
    stmt = (
        select(ExpertProfile)
        .join(User, User.id == ExpertProfile.user_id)
        .where(ExpertProfile.listed.is_(True), User.is_active.is_(True))
        .options(*_options())
        .order_by(User.name, ExpertProfile.id)
    )
    if q and q.strip():
        like = f"%{q.strip()}%"
        stmt = stmt.where(
            or_(User.name.ilike(like), ExpertProfile.headline.ilike(like), ExpertProfile.expertise.ilike(like))
        )
    if tag:
        stmt = stmt.where(ExpertProfile.tags.any(slug=tag))
    if availability:
        stmt = stmt.where(ExpertProfile.availability == availability)
    return list(session.scalars(stmt))


def organisations_of(session: Session, profiles: Sequence[ExpertProfile]) -> dict[int, list[str]]:
    """Names of each profile's organisations (by profile id)."""
    user_ids = {p.user_id: p.id for p in profiles}
    out: dict[int, list[str]] = {p.id: [] for p in profiles}
    for user_id, name in session.execute(
        select(Membership.user_id, Organisation.name)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.user_id.in_(list(user_ids) or [-1]))
        .order_by(Organisation.name)
    ):
        out[user_ids[user_id]].append(name)
    return out


def create_profile(*, session: Session, actor: Actor, profile_in: ProfileIn) -> ExpertProfile:
    """An expert describes what they offer (one profile per person)."""
    if actor.role != Role.expert or actor.user_id is None:
        raise Forbidden(N_("Ein Expertenprofil legen Personen mit der Rolle Expertin/Experte an."))
    if own_profile(session=session, actor=actor) is not None:
        raise Invalid.on("headline", N_("Sie haben schon ein Profil; bitte bearbeiten Sie es."))
    data = profile_in.model_dump(exclude={"tags"})
    profile = ExpertProfile(
        user_id=actor.user_id, **data, tags=taxonomy.resolve(session=session, slugs=profile_in.tags)
    )
    crud.created(session, actor=actor, obj=profile, entity_type="expert", data=profile_in.model_dump())
    search_index.enqueue(session, "expert", [profile.id])
    return profile


def update_profile(
    *, session: Session, actor: Actor, profile: ExpertProfile, profile_in: ProfileUpdate
) -> ExpertProfile:
    if not _may_edit(actor, profile):
        raise Forbidden(N_("Ein Profil bearbeiten nur die Person selbst und die Lotsenstelle."))
    crud.check_version(profile, profile_in.version, name="expert")
    values = profile_in.model_dump(exclude={"version", "tags"})
    values["tags"] = taxonomy.resolve(session=session, slugs=profile_in.tags)
    crud.apply_changes(session, actor=actor, obj=profile, values=values, entity_type="expert")
    search_index.enqueue(session, "expert", [profile.id])
    return profile


# ---------------------------------------------------------------- assignments


def assign(
    *,
    session: Session,
    actor: Actor,
    profile_id: int,
    challenge_id: int | None = None,
    case_id: int | None = None,
    note: str = "",
) -> Assignment:
    """The unit asks an expert to advise on a need (and all its cases) or on one case."""
    if not actor.sees_everything:
        raise Forbidden(N_("Expertinnen und Experten weist die Lotsenstelle zu."))
    if (challenge_id is None) == (case_id is None):
        raise Invalid.on("challenge_id", N_("Bitte genau einen Bedarf oder einen Fall angeben."))
    profile = session.get(ExpertProfile, profile_id)
    if profile is None:
        raise Invalid.on("profile_id", N_("Diese Expertin oder diesen Experten gibt es nicht."))
    if challenge_id is not None and session.get(Challenge, challenge_id) is None:
        raise NotFound("challenge", challenge_id)
    if case_id is not None and session.get(Case, case_id) is None:
        raise NotFound("case", case_id)
    duplicate = session.scalar(
        select(Assignment.id).where(
            Assignment.profile_id == profile_id,
            Assignment.challenge_id.is_(None) if challenge_id is None else Assignment.challenge_id == challenge_id,
            Assignment.case_id.is_(None) if case_id is None else Assignment.case_id == case_id,
            Assignment.ended_at.is_(None),
        )
    )
    if duplicate is not None:
        raise Invalid.on("profile_id", N_("Diese Person berät hier schon."))
    assignment = Assignment(
        profile_id=profile_id,
        challenge_id=challenge_id,
        case_id=case_id,
        note=note,
        created_at=utcnow(),
        created_by_id=actor.user_id,
        created_by_label=actor.label,
    )
    session.add(assignment)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="expert.assign",
        entity_type="case" if case_id else "challenge",
        entity_id=case_id or challenge_id,
        data={"profile_id": profile_id, "assignment_id": assignment.id},
    )
    return assignment


def end_assignment(*, session: Session, actor: Actor, assignment_id: int) -> Assignment:
    if not actor.sees_everything:
        raise Forbidden(N_("Expertinnen und Experten weist die Lotsenstelle zu."))
    assignment = session.get(Assignment, assignment_id)
    if assignment is None:
        raise NotFound("assignment", assignment_id)
    if assignment.ended_at is None:
        assignment.ended_at = utcnow()
        audit.record(
            session,
            actor=actor,
            action="expert.unassign",
            entity_type="case" if assignment.case_id else "challenge",
            entity_id=assignment.case_id or assignment.challenge_id,
            data={"profile_id": assignment.profile_id, "assignment_id": assignment.id},
        )
    return assignment


def assignments(
    *, session: Session, challenge_id: int | None = None, case_id: int | None = None, profile_id: int | None = None
) -> list[Assignment]:
    """Active assignments on a need (including those on its cases), a case, or of one expert."""
    stmt = (
        select(Assignment)
        .where(Assignment.ended_at.is_(None))
        .options(
            selectinload(Assignment.profile).selectinload(ExpertProfile.user),
            selectinload(Assignment.challenge),
            selectinload(Assignment.case).selectinload(Case.challenge),
            selectinload(Assignment.case).selectinload(Case.solution),
        )
        .order_by(Assignment.created_at)
    )
    if challenge_id is not None:
        case_ids = select(Case.id).where(Case.challenge_id == challenge_id)
        stmt = stmt.where(or_(Assignment.challenge_id == challenge_id, Assignment.case_id.in_(case_ids)))
    if case_id is not None:
        challenge = select(Case.challenge_id).where(Case.id == case_id).scalar_subquery()
        stmt = stmt.where(or_(Assignment.case_id == case_id, Assignment.challenge_id == challenge))
    if profile_id is not None:
        stmt = stmt.where(Assignment.profile_id == profile_id)
    return list(session.scalars(stmt))


def advised_challenge_ids(session: Session, user_id: int) -> frozenset[int]:
    """The needs an expert advises on: assigned directly, or through one of their cases."""
    direct = (
        select(Assignment.challenge_id)
        .join(ExpertProfile)
        .where(ExpertProfile.user_id == user_id, Assignment.ended_at.is_(None), Assignment.challenge_id.is_not(None))
    )
    via_case = (
        select(Case.challenge_id)
        .join(Assignment, Assignment.case_id == Case.id)
        .join(ExpertProfile, ExpertProfile.id == Assignment.profile_id)
        .where(ExpertProfile.user_id == user_id, Assignment.ended_at.is_(None))
    )
    return frozenset(int(i) for i in session.scalars(direct.union(via_case)) if i is not None)


# ---------------------------------------------------------------- search


def expert_sources(session: Session, ids: Sequence[int]) -> list[search_index.SearchSource]:
    """Listed profiles of active people; who may search experts is decided by kind (matching.service)."""
    profiles = session.scalars(
        select(ExpertProfile)
        .join(User, User.id == ExpertProfile.user_id)
        .where(ExpertProfile.id.in_(ids), ExpertProfile.listed.is_(True), User.is_active.is_(True))
        .options(*_options())
    ).all()
    out = []
    for p in profiles:
        org_id = min((m.organisation_id for m in p.user.memberships), default=None)
        areas = ", ".join(t.label_de for t in p.tags)
        out.append(
            search_index.SearchSource(
                entity_type="expert",
                entity_id=p.id,
                title=f"{p.user.name} – {p.headline}",
                body="\n\n".join(x for x in (p.headline, p.expertise, areas) if x),
                public=True,
                org_id=org_id,
                status=p.availability,
            )
        )
    return out


search_index.register(
    "expert", load=expert_sources, list_ids=lambda session: list(session.scalars(select(ExpertProfile.id)))
)
