"""The figures on a small pipeline with known dates: funnel, days in each stage, adoption, start-ups, spend."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from govlotse.analytics import service, usage
from govlotse.analytics.models import Metric
from govlotse.core.actor import ANONYMOUS, SYSTEM
from govlotse.errors import Forbidden
from tests.analytics.conftest import Built


def test_funnel_counts_needs_that_reached_each_step(session: Session, built: Built) -> None:
    figures = service.unit_figures(session=session, actor=built.market.actor("unit"))
    # four needs reached the unit (the draft does not count); two were explored; one went all the way
    assert [(s.key, s.needs) for s in figures.funnel] == [
        ("needs", 4),
        ("explored", 2),
        ("pitched", 1),
        ("piloted", 1),
        ("adopted", 1),
    ]


def test_days_in_each_stage_come_from_the_case_history(session: Session, built: Built) -> None:
    times = {s.stage: s for s in service.unit_figures(session=session, actor=SYSTEM).stage_times}
    assert list(times) == ["shortlisted", "pitch", "selected", "pilot", "evaluation"]
    pitch = times["pitch"]  # 4, 6 and 2 days
    assert (pitch.completed, pitch.median, pitch.q1, pitch.q3, pitch.minimum, pitch.maximum) == (3, 4, 3, 5, 2, 6)
    selected = times["selected"]  # 16 and 24 days
    assert (selected.median, selected.q1, selected.q3) == (20, 18, 22)
    pilot = times["pilot"]  # 90 and 60 days
    assert (pilot.median, pilot.q1, pilot.q3, pilot.minimum, pilot.maximum) == (75, 67.5, 82.5, 60, 90)
    assert times["shortlisted"].median == 10 and times["shortlisted"].completed == 3
    assert all(t.ongoing == 0 for t in times.values())  # every case of the built need has ended


def test_adoption_rate_start_ups_and_spend(session: Session, built: Built) -> None:
    figures = service.unit_figures(session=session, actor=built.market.actor("unit"))
    assert (figures.decisions.adopted, figures.decisions.stopped, figures.decisions.adoption_rate) == (1, 1, 0.5)
    startups = figures.startups
    assert (startups.engaged, startups.first_time_suppliers) == (3, 2)
    assert [(y.year, y.engaged, y.first_time_suppliers) for y in startups.by_year] == [(2026, 2, 1), (2027, 1, 1)]
    assert [(y.year, y.pilots, y.total) for y in figures.spend] == [(2026, 1, 40_000), (2027, 1, 25_000)]
    assert figures.spend_total == 65_000


@pytest.mark.parametrize("who", ["agency", "startup", "expert"])
def test_unit_figures_are_for_the_unit_and_admins(session: Session, built: Built, who: str) -> None:
    with pytest.raises(Forbidden):
        service.unit_figures(session=session, actor=built.market.actor(who))
    with pytest.raises(Forbidden):
        service.unit_figures(session=session, actor=ANONYMOUS)


def test_public_figures_count_published_needs_and_pilots(session: Session, built: Built) -> None:
    figures = service.public_figures(session=session)
    assert figures.published_needs == 1
    assert figures.needs_by_status == [("submitted", 1), ("accepted", 0), ("closed", 0)]
    pilots = figures.pilots
    assert (pilots.started, pilots.running, pilots.adopted, pilots.stopped) == (2, 0, 1, 1)
    assert [s.needs for s in figures.funnel] == [4, 2, 1, 1, 1]


def test_usage_is_summed_per_iso_week_with_empty_weeks(session: Session) -> None:
    usage.count(session, Metric.page_views, 3, day=date(2026, 11, 23))  # Monday
    usage.count(session, Metric.page_views, 2, day=date(2026, 11, 29))  # Sunday, same week
    usage.count(session, Metric.searches, day=date(2026, 11, 29))
    usage.count(session, Metric.searches, day=date(2026, 11, 29))  # the same row goes up
    usage.count(session, Metric.page_views, 7, day=date(2026, 11, 9))
    usage.count(session, Metric.page_views, 100, day=date(2026, 1, 1))  # outside the window
    weeks = service.unit_figures(session=session, actor=SYSTEM, today=date(2026, 11, 29), weeks=4).usage
    assert [w.start for w in weeks] == [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23)]
    assert [w.iso for w in weeks][-1] == (2026, 48)
    assert [w.counts["page_views"] for w in weeks] == [0, 7, 0, 5]
    assert [w.counts["searches"] for w in weeks] == [0, 0, 0, 2]
