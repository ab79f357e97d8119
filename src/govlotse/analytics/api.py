"""JSON API: the unit's analytics (funnel, days in each stage, adoption, start-ups, spend, usage).

For the unit and admins (anonymous: 401, everyone else: 403). Definitions: ``analytics.service``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from govlotse.analytics import service
from govlotse.analytics.models import Metric
from govlotse.analytics.schemas import (
    AnalyticsRead,
    DecisionsRead,
    FunnelStepRead,
    SpendYearRead,
    StageTimeRead,
    StartupsRead,
    StartupYearRead,
    UsageWeekRead,
)
from govlotse.core.openapi import errors
from govlotse.deps import LangDep, LoggedInDep, SessionDep
from govlotse.i18n import translate
from govlotse.web.labels import label

router = APIRouter(tags=["analytics"])


@router.get("/analytics", response_model=AnalyticsRead, responses=errors(401, 403, 422))
def get_analytics(
    session: SessionDep,
    actor: LoggedInDep,
    lang: LangDep,
    weeks: Annotated[int, Query(ge=1, le=104, description="Weeks of usage, up to this one")] = service.DEFAULT_WEEKS,
) -> AnalyticsRead:
    """Figures for the unit and leadership; every number is an aggregate."""
    f = service.unit_figures(session=session, actor=actor, weeks=weeks)
    return AnalyticsRead(
        generated_at=f.generated_at,
        funnel=[
            FunnelStepRead(step=s.key, label=translate(service.FUNNEL_STEPS[s.key], lang), needs=s.needs)
            for s in f.funnel
        ],
        stage_times=[
            StageTimeRead(
                stage=s.stage,
                label=label("stage", s.stage, lang),
                completed=s.completed,
                ongoing=s.ongoing,
                median_days=s.median,
                q1_days=s.q1,
                q3_days=s.q3,
                min_days=s.minimum,
                max_days=s.maximum,
            )
            for s in f.stage_times
        ],
        decisions=DecisionsRead(
            adopted=f.decisions.adopted,
            stopped=f.decisions.stopped,
            decided=f.decisions.decided,
            adoption_rate=None if f.decisions.adoption_rate is None else round(f.decisions.adoption_rate, 4),
        ),
        startups=StartupsRead(
            engaged=f.startups.engaged,
            first_time_suppliers=f.startups.first_time_suppliers,
            by_year=[
                StartupYearRead(year=y.year, engaged=y.engaged, first_time_suppliers=y.first_time_suppliers)
                for y in f.startups.by_year
            ],
        ),
        spend=[SpendYearRead(year=y.year, pilots=y.pilots, total_eur=y.total) for y in f.spend],
        spend_total_eur=f.spend_total,
        usage=[
            UsageWeekRead(
                week=f"{w.iso[0]}-W{w.iso[1]:02d}",
                start=w.start,
                page_views=w.counts[Metric.page_views],
                searches=w.counts[Metric.searches],
                registrations=w.counts[Metric.registrations],
            )
            for w in f.usage
        ],
    )
