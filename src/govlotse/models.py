"""Imports every domain's ORM models so that metadata is complete (Alembic, tests)."""

from govlotse.accounts.models import LoginSession, Membership, User
from govlotse.challenges.models import Challenge
from govlotse.core.audit import AuditEvent, AuditHead
from govlotse.core.models import Base
from govlotse.knowledge.models import UseCase
from govlotse.matching.models import (
    EmbeddingCache,
    IndexQueue,
    SearchChunk,
    SearchDoc,
    SearchMeta,
    SearchTerm,
)
from govlotse.organisations.models import Organisation
from govlotse.procurement.models import AdviceRecord, RuleSetVersion
from govlotse.solutions.models import Solution
from govlotse.taxonomy.models import Tag

__all__ = [
    "AdviceRecord",
    "AuditEvent",
    "AuditHead",
    "Base",
    "Challenge",
    "EmbeddingCache",
    "IndexQueue",
    "LoginSession",
    "Membership",
    "Organisation",
    "RuleSetVersion",
    "SearchChunk",
    "SearchDoc",
    "SearchMeta",
    "SearchTerm",
    "Solution",
    "Tag",
    "UseCase",
    "User",
]
