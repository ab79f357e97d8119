"""Stored rule-set versions and the advice given with them (for the procurement file)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from govlotse.core.models import Base, JSONType, UTCDateTime, utcnow


class RuleSetVersion(Base):
    """A rule set as loaded: its full text is kept, so old advice can always be traced to its rules."""

    __tablename__ = "rule_set_versions"

    version: Mapped[str] = mapped_column(String(50), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    content: Mapped[str] = mapped_column(Text)  # the validated rule set as JSON
    sha256: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), index=True)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    loaded_by: Mapped[str] = mapped_column(String(200))


class AdviceRecord(Base):
    """One result of the advisor (procurement route, EU AI Act check, GDPR checklist), with its inputs."""

    __tablename__ = "advice_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)  # procurement | ai_act | gdpr
    challenge_id: Mapped[int | None] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    rules_version: Mapped[str] = mapped_column(ForeignKey("rule_set_versions.version"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_label: Mapped[str] = mapped_column(String(200))
    input: Mapped[dict[str, Any]] = mapped_column(JSONType)
    result: Mapped[dict[str, Any]] = mapped_column(JSONType)
