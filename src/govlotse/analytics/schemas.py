"""Pydantic: the unit's analytics as JSON (``GET /api/analytics``)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class FunnelStepRead(BaseModel):
    step: str = Field(description="needs, explored, pitched, piloted or adopted")
    label: str
    needs: int = Field(description="Needs that reached this step (and every step before)")


class StageTimeRead(BaseModel):
    stage: str
    label: str
    completed: int = Field(description="Completed stays in this stage (the case has moved on)")
    ongoing: int = Field(description="Cases in this stage now (not in the statistics)")
    median_days: float | None
    q1_days: float | None = Field(description="First quartile (inclusive method, as QUARTILE.INC)")
    q3_days: float | None = Field(description="Third quartile (inclusive method)")
    min_days: float | None
    max_days: float | None


class DecisionsRead(BaseModel):
    adopted: int
    stopped: int
    decided: int
    adoption_rate: float | None = Field(description="Adopted ÷ (adopted + stopped); null before any decision")


class StartupYearRead(BaseModel):
    year: int
    engaged: int = Field(description="Start-ups whose first case was opened in this year")
    first_time_suppliers: int = Field(description="Start-ups whose first case reached the pilot stage in this year")


class StartupsRead(BaseModel):
    engaged: int = Field(description="Distinct start-ups with at least one case")
    first_time_suppliers: int = Field(description="Start-ups with at least one case that reached the pilot stage")
    by_year: list[StartupYearRead]


class SpendYearRead(BaseModel):
    year: int = Field(description="Year of the pilot's start date")
    pilots: int
    total_eur: int = Field(description="Sum of agreed pilot prices, net, of pilots that started")


class UsageWeekRead(BaseModel):
    week: str = Field(description="ISO week, e.g. 2026-W48")
    start: date = Field(description="Its Monday")
    page_views: int
    searches: int
    registrations: int


class AnalyticsRead(BaseModel):
    generated_at: datetime
    funnel: list[FunnelStepRead]
    stage_times: list[StageTimeRead]
    decisions: DecisionsRead
    startups: StartupsRead
    spend: list[SpendYearRead]
    spend_total_eur: int
    usage: list[UsageWeekRead] = Field(description="Counts without personal data, per ISO week, oldest first")
