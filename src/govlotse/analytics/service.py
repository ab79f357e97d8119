"""Figures for the unit and leadership, and the public statistics — computed from the pipeline's records.

Every figure is an aggregate; nothing here returns a title or a name. Definitions (also shown on the pages):

- **Funnel** (counts needs): *needs* are all needs that reached the unit (not drafts, not merged
  duplicates); *explored*: of those, with at least one market exploration run (or a case); *pitched*,
  *piloted*, *adopted*: with at least one case that reached that stage or a later one, according to the
  case's history (``CaseTransition``) and its current stage.
- **Days in a stage**: from the transition into a stage to the next transition of the same case
  (completed stays only; cases still in a stage are counted as ``ongoing``). Median, quartiles
  (inclusive method, as Excel's QUARTILE.INC), minimum and maximum.
- **Adoption rate**: adopted cases ÷ (adopted + stopped).
- **Start-ups engaged**: distinct organisations of kind start-up with at least one case, by the year of
  their first case. **First-time suppliers**: start-ups whose first pilot came through GovLotse, i.e.
  every start-up with a case that reached the pilot stage, by the year its first case reached it.
- **Spend with start-ups**: sum of the agreed (net) prices of pilots that started (their case reached
  the pilot stage), by the year of the pilot's start date.
- **Usage**: sums of ``usage_daily`` per ISO week (Monday–Sunday, UTC days).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govlotse.analytics import usage
from govlotse.analytics.models import Metric, UsageDaily
from govlotse.challenges.models import Challenge, ChallengeStatus
from govlotse.core.actor import ANONYMOUS, Actor
from govlotse.core.models import utcnow
from govlotse.errors import Forbidden
from govlotse.exploration.models import ExplorationRun
from govlotse.i18n import N_
from govlotse.organisations.models import Organisation, OrganisationKind
from govlotse.pipeline.models import Case, CaseTransition, Pilot, Stage
from govlotse.policy import PUBLIC_CHALLENGE_STATUSES, challenge_filter

FUNNEL_STEPS: dict[str, str] = {
    "needs": N_("Bedarfe"),
    "explored": N_("Markterkundung"),
    "pitched": N_("Pitch"),
    "piloted": N_("Pilot"),
    "adopted": N_("Übernahme"),
}
# Stages a case stays in for a while (the others end its way through the pipeline).
TIMED_STAGES = (Stage.shortlisted, Stage.pitch, Stage.selected, Stage.pilot, Stage.evaluation)
PITCHED = frozenset(
    {Stage.pitch, Stage.selected, Stage.not_selected, Stage.pilot, Stage.evaluation, Stage.adopted, Stage.stopped}
)
PILOTED = frozenset({Stage.pilot, Stage.evaluation, Stage.adopted, Stage.stopped})
USAGE_METRICS = (Metric.page_views, Metric.searches, Metric.registrations)
DEFAULT_WEEKS = 12


@dataclass(frozen=True)
class FunnelStep:
    key: str
    needs: int


@dataclass(frozen=True)
class StageTime:
    """Days cases spent in one stage (completed stays); ``None`` where there is no completed stay."""

    stage: str
    completed: int
    ongoing: int
    median: float | None = None
    q1: float | None = None
    q3: float | None = None
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class Decisions:
    adopted: int
    stopped: int

    @property
    def decided(self) -> int:
        return self.adopted + self.stopped

    @property
    def adoption_rate(self) -> float | None:
        return self.adopted / self.decided if self.decided else None


@dataclass(frozen=True)
class StartupYear:
    year: int
    engaged: int
    first_time_suppliers: int


@dataclass(frozen=True)
class Startups:
    engaged: int
    first_time_suppliers: int
    by_year: list[StartupYear]


@dataclass(frozen=True)
class SpendYear:
    year: int
    pilots: int
    total: int  # euros, net


@dataclass(frozen=True)
class UsageWeek:
    start: date  # the Monday
    counts: dict[str, int]

    @property
    def iso(self) -> tuple[int, int]:
        year, week, _ = self.start.isocalendar()
        return year, week


@dataclass(frozen=True)
class PilotOutcomes:
    started: int  # cases that reached the pilot stage
    running: int  # in pilot or evaluation now
    adopted: int
    stopped: int


@dataclass(frozen=True)
class UnitFigures:
    funnel: list[FunnelStep]
    stage_times: list[StageTime]
    decisions: Decisions
    startups: Startups
    spend: list[SpendYear]
    usage: list[UsageWeek]
    generated_at: datetime = field(default_factory=utcnow)

    @property
    def spend_total(self) -> int:
        return sum(s.total for s in self.spend)


@dataclass(frozen=True)
class PublicFigures:
    published_needs: int
    needs_by_status: list[tuple[str, int]]
    pilots: PilotOutcomes
    funnel: list[FunnelStep]
    generated_at: datetime = field(default_factory=utcnow)


# ---------------------------------------------------------------- the pipeline as plain rows


@dataclass
class _CaseRow:
    id: int
    challenge_id: int
    organisation_id: int
    stage: str
    created_at: datetime
    steps: list[tuple[str, datetime]] = field(default_factory=list)  # (to_stage, at) in order

    @property
    def reached(self) -> set[str]:
        return {to for to, _ in self.steps} | {self.stage}

    def reached_any(self, stages: frozenset[Stage]) -> bool:
        return bool(self.reached & {str(s) for s in stages})

    def first_at(self, stage: Stage) -> datetime | None:
        return next((at for to, at in self.steps if to == stage), None)


def _cases(session: Session) -> list[_CaseRow]:
    rows = {
        r.id: _CaseRow(r.id, r.challenge_id, r.organisation_id, r.stage, r.created_at)
        for r in session.execute(
            select(Case.id, Case.challenge_id, Case.organisation_id, Case.stage, Case.created_at)
        ).all()
    }
    steps = session.execute(
        select(CaseTransition.case_id, CaseTransition.to_stage, CaseTransition.at).order_by(
            CaseTransition.case_id, CaseTransition.at, CaseTransition.id
        )
    ).all()
    for case_id, to, at in steps:
        if case_id in rows:
            rows[case_id].steps.append((to, at))
    return list(rows.values())


def _funnel(session: Session, cases: list[_CaseRow]) -> list[FunnelStep]:
    base = set(
        session.scalars(
            select(Challenge.id).where(Challenge.status.not_in((ChallengeStatus.draft, ChallengeStatus.merged)))
        )
    )
    explored = set(session.scalars(select(ExplorationRun.challenge_id).distinct())) | {c.challenge_id for c in cases}
    pitched = {c.challenge_id for c in cases if c.reached_any(PITCHED)}
    piloted = {c.challenge_id for c in cases if c.reached_any(PILOTED)}
    adopted = {c.challenge_id for c in cases if Stage.adopted in c.reached}
    sets = [base, base & explored, base & pitched, base & piloted, base & adopted]
    return [FunnelStep(key, len(s)) for key, s in zip(FUNNEL_STEPS, sets, strict=True)]


def _spread(stage: str, values: list[float], ongoing: int) -> StageTime:
    if not values:
        return StageTime(stage=stage, completed=0, ongoing=ongoing)
    ordered = sorted(values)
    if len(ordered) == 1:
        q1 = q3 = ordered[0]
    else:
        q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    return StageTime(
        stage=stage,
        completed=len(ordered),
        ongoing=ongoing,
        median=round(statistics.median(ordered), 1),
        q1=round(q1, 1),
        q3=round(q3, 1),
        minimum=round(ordered[0], 1),
        maximum=round(ordered[-1], 1),
    )


def _stage_times(cases: list[_CaseRow]) -> list[StageTime]:
    days: dict[str, list[float]] = defaultdict(list)
    for case in cases:
        for (stage, entered), (_, left) in zip(case.steps, case.steps[1:], strict=False):
            days[stage].append((left - entered).total_seconds() / 86400)
    ongoing = defaultdict(int, ((s, sum(1 for c in cases if c.stage == s)) for s in TIMED_STAGES))
    return [_spread(str(s), days.get(s, []), ongoing[s]) for s in TIMED_STAGES]


def _startups(session: Session, cases: list[_CaseRow]) -> Startups:
    startup_ids = set(session.scalars(select(Organisation.id).where(Organisation.kind == OrganisationKind.startup)))
    first_case: dict[int, datetime] = {}
    first_pilot: dict[int, datetime] = {}
    for c in cases:
        if c.organisation_id not in startup_ids:
            continue
        org = c.organisation_id
        first_case[org] = min(first_case.get(org, c.created_at), c.created_at)
        if c.reached_any(PILOTED):
            at = c.first_at(Stage.pilot) or c.created_at  # a case without recorded history counts when opened
            first_pilot[org] = min(first_pilot.get(org, at), at)
    engaged_by_year = defaultdict(int, _by_year(first_case.values()))
    suppliers_by_year = defaultdict(int, _by_year(first_pilot.values()))
    years = sorted(set(engaged_by_year) | set(suppliers_by_year))
    return Startups(
        engaged=len(first_case),
        first_time_suppliers=len(first_pilot),
        by_year=[StartupYear(y, engaged_by_year[y], suppliers_by_year[y]) for y in years],
    )


def _by_year(moments: Iterable[datetime]) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for at in moments:
        counts[at.year] += 1
    return counts


def _spend(session: Session, cases: list[_CaseRow]) -> list[SpendYear]:
    started = {c.id for c in cases if c.reached_any(PILOTED)}
    by_year: dict[int, list[int]] = defaultdict(list)
    for case_id, start, price in session.execute(select(Pilot.case_id, Pilot.start, Pilot.price)).all():
        if case_id in started:
            by_year[start.year].append(price)
    return [SpendYear(y, len(prices), sum(prices)) for y, prices in sorted(by_year.items())]


def week_start(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


def _usage(session: Session, today: date, weeks: int) -> list[UsageWeek]:
    usage.flush(session)  # counts still in this process's buffer
    first = week_start(today) - timedelta(weeks=weeks - 1)
    totals: dict[tuple[date, str], int] = defaultdict(int)
    rows = session.execute(
        select(UsageDaily.day, UsageDaily.metric, UsageDaily.count).where(
            UsageDaily.day >= first, UsageDaily.day <= today
        )
    ).all()
    for day, metric, n in rows:
        totals[(week_start(day), metric)] += n
    starts = [first + timedelta(weeks=i) for i in range(weeks)]
    return [UsageWeek(start=s, counts={str(m): totals[(s, str(m))] for m in USAGE_METRICS}) for s in starts]


def _decisions(cases: list[_CaseRow]) -> Decisions:
    return Decisions(
        adopted=sum(1 for c in cases if c.stage == Stage.adopted),
        stopped=sum(1 for c in cases if c.stage == Stage.stopped),
    )


# ---------------------------------------------------------------- the two audiences


def unit_figures(
    *, session: Session, actor: Actor, today: date | None = None, weeks: int = DEFAULT_WEEKS
) -> UnitFigures:
    """Funnel, days in each stage, adoption rate, start-ups, spend and usage — for the unit and admins."""
    if not actor.sees_everything:
        raise Forbidden()
    today = today or utcnow().date()
    cases = _cases(session)
    return UnitFigures(
        funnel=_funnel(session, cases),
        stage_times=_stage_times(cases),
        decisions=_decisions(cases),
        startups=_startups(session, cases),
        spend=_spend(session, cases),
        usage=_usage(session, today, max(1, weeks)),
    )


def public_figures(*, session: Session) -> PublicFigures:
    """What anyone may see: published needs by status, pilots and their outcomes, the funnel (counts only)."""
    by_status = dict(
        session.execute(
            select(Challenge.status, func.count()).where(challenge_filter(ANONYMOUS)).group_by(Challenge.status)
        ).all()
    )
    cases = _cases(session)
    decisions = _decisions(cases)
    return PublicFigures(
        published_needs=sum(int(v) for v in by_status.values()),
        needs_by_status=[(str(s), int(by_status.get(s, 0))) for s in PUBLIC_CHALLENGE_STATUSES],
        pilots=PilotOutcomes(
            started=sum(1 for c in cases if c.reached_any(PILOTED)),
            running=sum(1 for c in cases if c.stage in (Stage.pilot, Stage.evaluation)),
            adopted=decisions.adopted,
            stopped=decisions.stopped,
        ),
        funnel=_funnel(session, cases),
    )
