"""Imports every domain's ORM models so that metadata is complete (Alembic, tests)."""

from govlotse.accounts.models import LoginSession, Membership, User
from govlotse.analytics.models import UsageDaily
from govlotse.challenges.models import Challenge
from govlotse.core.audit import AuditEvent, AuditHead
from govlotse.core.mail import OutboxMail
from govlotse.core.models import Base
from govlotse.experts.models import Assignment, ExpertProfile
from govlotse.exploration.models import Candidate, ExplorationRun
from govlotse.knowledge.models import Article, ArticleAttachment, ArticleRevision, UseCase
from govlotse.matching.models import (
    EmbeddingCache,
    IndexQueue,
    SearchChunk,
    SearchDoc,
    SearchMeta,
    SearchTerm,
)
from govlotse.organisations.models import Organisation
from govlotse.pipeline.models import (
    Case,
    CaseTransition,
    Decision,
    Kpi,
    Milestone,
    Pilot,
    PitchCriterion,
    PitchDay,
    PitchSlot,
    Score,
)
from govlotse.procurement.models import AdviceRecord, RuleSetVersion
from govlotse.solutions.models import Solution
from govlotse.taxonomy.models import Tag

__all__ = [
    "AdviceRecord",
    "Article",
    "ArticleAttachment",
    "ArticleRevision",
    "Assignment",
    "AuditEvent",
    "AuditHead",
    "Base",
    "Candidate",
    "Case",
    "CaseTransition",
    "Challenge",
    "Decision",
    "EmbeddingCache",
    "ExpertProfile",
    "ExplorationRun",
    "IndexQueue",
    "Kpi",
    "LoginSession",
    "Membership",
    "Milestone",
    "Organisation",
    "OutboxMail",
    "Pilot",
    "PitchCriterion",
    "PitchDay",
    "PitchSlot",
    "RuleSetVersion",
    "Score",
    "SearchChunk",
    "SearchDoc",
    "SearchMeta",
    "SearchTerm",
    "Solution",
    "Tag",
    "UsageDaily",
    "UseCase",
    "User",
]
