"""What the search index is fed from: each domain registers how its records become documents.

Domains call :func:`enqueue` in the transaction that changes a record; the indexer refreshes the
search entry after commit. This module imports no domain, so every domain may import it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from govlotse.db import after_commit
from govlotse.matching.models import IndexQueue

HOSTING_CODES = ("saas_germany", "saas_eu", "saas_non_eu", "private_cloud", "on_premise")
CERT_CODES = ("bsi_c5", "iso_27001", "bsi_grundschutz", "soc2", "tisax", "iso_9001", "bitv_tested")


def bits(codes: Iterable[str], vocabulary: Sequence[str]) -> int:
    """A bit set of codes (hosting options, certifications) for fast filtering in SQL and numpy."""
    return sum(1 << vocabulary.index(c) for c in set(codes) if c in vocabulary)


def codes(value: int, vocabulary: Sequence[str]) -> list[str]:
    return [c for i, c in enumerate(vocabulary) if value & (1 << i)]


@dataclass(frozen=True)
class SearchSource:
    """A record as the search index sees it."""

    entity_type: str
    entity_id: int
    title: str
    body: str
    lang: str | None = None  # None: detect
    public: bool = True
    org_id: int | None = None
    org_kind: str | None = None
    maturity: str | None = None
    status: str | None = None
    hosting: tuple[str, ...] = ()
    certifications: tuple[str, ...] = ()


Loader = Callable[[Session, Sequence[int]], list[SearchSource]]
Lister = Callable[[Session], list[int]]

LOADERS: dict[str, Loader] = {}
LISTERS: dict[str, Lister] = {}


def register(entity_type: str, *, load: Loader, list_ids: Lister) -> None:
    """Declare how records of ``entity_type`` are loaded for the index and enumerated for rebuilds."""
    LOADERS[entity_type] = load
    LISTERS[entity_type] = list_ids


def enqueue(session: Session, entity_type: str, ids: Iterable[int]) -> None:
    """Mark records for re-indexing in the current transaction; the worker picks them up after commit."""
    wanted = set(ids)
    if not wanted:
        return
    queued = set(
        session.scalars(
            select(IndexQueue.entity_id).where(IndexQueue.entity_type == entity_type, IndexQueue.entity_id.in_(wanted))
        )
    )
    session.add_all(IndexQueue(entity_type=entity_type, entity_id=i) for i in sorted(wanted - queued))
    session.flush()
    after_commit(session, _kick_worker)


def _kick_worker() -> None:
    from govlotse.core import worker

    worker.kick()
