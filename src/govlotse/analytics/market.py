"""Market knowledge: for a capability (any tag), who offers it, who asked for it, where it was piloted and how
that ended; for a start-up, its history with the administration.

Counts are for everybody (like the public statistics: internal needs are counted, never named). Named
needs follow the reader's visibility; pilots and their outcomes are named for the unit only — for
everybody else they are counted. A start-up's history is shown to the unit and to the start-up itself.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session, selectinload

from govlotse.challenges.models import Challenge, challenge_tags
from govlotse.core.actor import Actor
from govlotse.errors import NotFound
from govlotse.exploration.models import Candidate, CandidateStatus, ExplorationRun
from govlotse.organisations.models import Organisation, OrganisationKind, OrganisationStatus
from govlotse.pipeline.models import Case, Decision, Stage
from govlotse.policy import challenge_filter
from govlotse.solutions.models import Solution, solution_tags
from govlotse.taxonomy.models import Tag

PILOTED = (Stage.pilot, Stage.evaluation, Stage.adopted, Stage.stopped)
OUTCOMES = (Stage.pilot, Stage.evaluation, Stage.adopted, Stage.stopped)


@dataclass
class MarketView:
    tag: Tag
    startups: list[Organisation]
    solutions: int
    needs: list[Challenge]  # the ones the reader may see
    needs_total: int  # all, internal ones included (counted only)
    pilots: list[Case]  # named for the unit only
    pilot_stages: Counter[str] = field(default_factory=Counter)  # pilot / evaluation / adopted / stopped
    explored: int = 0  # how often a solution with this tag was on a market exploration's long list

    @property
    def adoption_rate(self) -> float | None:
        decided = self.pilot_stages[Stage.adopted] + self.pilot_stages[Stage.stopped]
        return self.pilot_stages[Stage.adopted] / decided if decided else None


def _tag(session: Session, slug: str) -> Tag:
    tag = session.scalar(select(Tag).where(Tag.slug == slug))
    if tag is None:
        raise NotFound("tag", slug)
    return tag


def market_view(*, session: Session, actor: Actor, slug: str) -> MarketView:
    tag = _tag(session, slug)
    tagged_solutions = select(solution_tags.c.solution_id).where(solution_tags.c.tag_id == tag.id)
    active = Organisation.status == OrganisationStatus.active
    startups = list(
        session.scalars(
            select(Organisation)
            .join(Solution, Solution.organisation_id == Organisation.id)
            .where(Solution.id.in_(tagged_solutions), active, Organisation.kind != OrganisationKind.agency)
            .distinct()
            .order_by(Organisation.name)
        )
    )
    solutions = session.scalar(
        select(func.count(distinct(Solution.id)))
        .join(Organisation, Organisation.id == Solution.organisation_id)
        .where(Solution.id.in_(tagged_solutions), active)
    )
    tagged_needs = select(challenge_tags.c.challenge_id).where(challenge_tags.c.tag_id == tag.id)
    needs = list(
        session.scalars(
            select(Challenge)
            .where(Challenge.id.in_(tagged_needs), challenge_filter(actor))
            .options(selectinload(Challenge.organisation))
            .order_by(Challenge.created_at.desc())
        )
    )
    needs_total = session.scalar(select(func.count()).where(Challenge.id.in_(tagged_needs))) or 0
    cases = list(
        session.scalars(
            select(Case)
            .where(Case.solution_id.in_(tagged_solutions), Case.stage.in_(PILOTED))
            .options(selectinload(Case.solution), selectinload(Case.organisation), selectinload(Case.challenge))
            .order_by(Case.stage_since.desc())
        )
    )
    explored = (
        session.scalar(select(func.count()).select_from(Candidate).where(Candidate.solution_id.in_(tagged_solutions)))
        or 0
    )
    return MarketView(
        tag=tag,
        startups=startups,
        solutions=solutions or 0,
        needs=needs,
        needs_total=needs_total,
        pilots=cases if actor.sees_everything else [],
        pilot_stages=Counter(c.stage for c in cases),
        explored=explored,
    )


@dataclass(frozen=True)
class OverviewRow:
    tag: Tag
    startups: int
    needs: int
    pilots: int


def overview(*, session: Session, kind: str = "capability") -> list[OverviewRow]:
    """Every tag of a kind with how many start-ups offer it, needs asked for it and pilots used it."""
    tags = list(session.scalars(select(Tag).where(Tag.kind == kind).order_by(Tag.label_de)))
    startups: dict[int, int] = dict(
        session.execute(
            select(solution_tags.c.tag_id, func.count(distinct(Solution.organisation_id)))
            .join(Solution, Solution.id == solution_tags.c.solution_id)
            .join(Organisation, Organisation.id == Solution.organisation_id)
            .where(Organisation.status == OrganisationStatus.active)
            .group_by(solution_tags.c.tag_id)
        ).all()
    )
    needs: dict[int, int] = dict(
        session.execute(select(challenge_tags.c.tag_id, func.count()).group_by(challenge_tags.c.tag_id)).all()
    )
    pilots: dict[int, int] = dict(
        session.execute(
            select(solution_tags.c.tag_id, func.count(distinct(Case.id)))
            .join(Case, Case.solution_id == solution_tags.c.solution_id)
            .where(Case.stage.in_(PILOTED))
            .group_by(solution_tags.c.tag_id)
        ).all()
    )
    return [OverviewRow(t, startups.get(t.id, 0), needs.get(t.id, 0), pilots.get(t.id, 0)) for t in tags]


# ---------------------------------------------------------------- a start-up's history


@dataclass(frozen=True)
class ExplorationEntry:
    run: ExplorationRun
    challenge_title: str | None  # None: a need the reader may not see
    status: str  # longlist / shortlist / excluded


@dataclass
class History:
    explorations: list[ExplorationEntry]
    cases: list[Case]
    decisions: dict[int, Decision]

    @property
    def shortlisted(self) -> int:
        return sum(1 for e in self.explorations if e.status == CandidateStatus.shortlist)

    @property
    def piloted(self) -> int:
        return sum(1 for c in self.cases if c.stage in PILOTED)


def may_read_history(actor: Actor, org: Organisation) -> bool:
    return actor.sees_everything or actor.member_of(org.id)


def startup_history(*, session: Session, actor: Actor, org: Organisation) -> History:
    """Explorations the start-up's solutions appeared in, its pitches and pilots with their outcomes."""
    if not may_read_history(actor, org):
        raise NotFound("organisation history", org.id)
    visible = set(session.scalars(select(Challenge.id).where(challenge_filter(actor))))
    rows = session.execute(
        select(Candidate.status, ExplorationRun)
        .join(ExplorationRun, ExplorationRun.id == Candidate.run_id)
        .where(Candidate.organisation_id == org.id)
        .options(selectinload(ExplorationRun.challenge))
        .order_by(ExplorationRun.searched_at.desc())
    ).all()
    explorations = [
        ExplorationEntry(run, run.challenge.title if run.challenge_id in visible else None, status)
        for status, run in rows
    ]
    cases = list(
        session.scalars(
            select(Case)
            .where(Case.organisation_id == org.id)
            .options(selectinload(Case.solution), selectinload(Case.challenge))
            .order_by(Case.stage_since.desc())
        )
    )
    decisions = {
        d.case_id: d
        for d in session.scalars(select(Decision).where(Decision.case_id.in_([c.id for c in cases] or [-1])))
    }
    return History(explorations=explorations, cases=cases, decisions=decisions)
