"""Market exploration runs (Markterkundung): a frozen, documented search for a need."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govlotse.challenges.models import Challenge
from govlotse.core.models import Base, JSONType, Timestamped, UTCDateTime
from govlotse.matching.text import passage_parts
from govlotse.solutions.models import Solution


class RunStatus(StrEnum):
    open = "open"  # candidates can be shortlisted, excluded or added by hand
    closed = "closed"  # frozen for the procurement file


class CandidateStatus(StrEnum):
    longlist = "longlist"
    shortlist = "shortlist"
    excluded = "excluded"


class ExplorationRun(Timestamped, Base):
    """What was searched, when, with which rules and model, and what was found."""

    __tablename__ = "exploration_runs"
    __table_args__ = (UniqueConstraint("challenge_id", "number"),)

    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default=RunStatus.open)
    query: Mapped[str] = mapped_column(Text)
    filters: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    model: Mapped[str] = mapped_column(String(100))
    rules_version: Mapped[str] = mapped_column(String(50))
    search_settings: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    searched_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(Integer)
    created_by_label: Mapped[str] = mapped_column(String(200))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_label: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")

    challenge: Mapped[Challenge] = relationship(lazy="raise")
    candidates: Mapped[list[Candidate]] = relationship(
        back_populates="run", lazy="raise", order_by="Candidate.position", cascade="all, delete-orphan"
    )


class Candidate(Timestamped, Base):
    """A solution on a run's long list, with its frozen score and explanation."""

    __tablename__ = "exploration_candidates"
    __table_args__ = (UniqueConstraint("run_id", "solution_id"),)

    run_id: Mapped[int] = mapped_column(ForeignKey("exploration_runs.id", ondelete="CASCADE"), index=True)
    solution_id: Mapped[int] = mapped_column(ForeignKey("solutions.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(Integer, index=True)
    position: Mapped[int] = mapped_column(Integer)
    rank: Mapped[int | None] = mapped_column(Integer)  # None: added by hand
    score: Mapped[float | None] = mapped_column(Float)
    semantic: Mapped[float | None] = mapped_column(Float)
    lexical: Mapped[float | None] = mapped_column(Float)
    explanation: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    segment: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(12), default=CandidateStatus.longlist, index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    added_manually: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # relevance judgment by the unit ("fits / partly / does not fit") for measuring search quality
    judgment: Mapped[int | None] = mapped_column(Integer)
    decided_by_label: Mapped[str | None] = mapped_column(String(200))

    run: Mapped[ExplorationRun] = relationship(back_populates="candidates", lazy="raise")
    solution: Mapped[Solution] = relationship(lazy="raise")

    def passage_parts(self) -> list[tuple[str, bool]]:
        """The frozen best passage split for highlighting (see matching.text.passage_parts)."""
        why = self.explanation or {}
        return passage_parts(why.get("passage", ""), why.get("highlights", []))

    @property
    def criteria(self) -> list[dict[str, Any]]:
        return list((self.explanation or {}).get("criteria", []))
