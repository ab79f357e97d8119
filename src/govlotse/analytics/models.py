"""Platform usage, counted per day and metric — and nothing else: no IP, no user, no user agent, no URL."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from govlotse.core.models import Base


class Metric(StrEnum):
    page_views = "page_views"  # HTML pages shown (GET), not downloads, script fragments, the API or /static
    searches = "searches"  # a search with a query at /suche or GET /api/search
    registrations = "registrations"  # accounts created (registration, admin, CLI, demo data)


class UsageDaily(Base):
    """How often something happened on one day (UTC). The whole row is the count; it identifies nobody."""

    __tablename__ = "usage_daily"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    metric: Mapped[str] = mapped_column(String(20), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
