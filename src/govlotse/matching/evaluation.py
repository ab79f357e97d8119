"""Retrieval evaluation with the production pipeline (``govlotse eval rank``).

A corpus is indexed into a throwaway store with exactly the code the application uses (analysis,
passages, embedding cache, BM25 postings, vectors, fusion). The store lives under
``./var/cache/eval/`` keyed by the corpus's content, so a rerun on the same corpus embeds nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select

from govlotse.config import settings
from govlotse.core.actor import SYSTEM
from govlotse.db import db, unit_of_work
from govlotse.matching import engine, index, service
from govlotse.matching.models import EmbeddingCache, SearchDoc
from govlotse.matching.sources import SearchSource

ENTITY = "document"

Step = Callable[[str, int], Callable[[int], None]]


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def store_url(corpus: Path, database: str) -> str:
    if database != "sqlite":
        return database
    import hashlib

    digest = hashlib.sha256(corpus.read_bytes()).hexdigest()[:16]
    folder = settings.var_dir / "cache" / "eval"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / f'{corpus.stem}-{digest}.sqlite3'}"


def index_corpus(docs: list[dict[str, Any]], progress: Step | None = None) -> None:
    """Index every document (unchanged ones cost a hash comparison)."""
    step = progress("index " + str(len(docs)) + " documents", len(docs)) if progress else None
    for start in range(0, len(docs), index.BATCH):
        batch = docs[start : start + index.BATCH]
        sources = [
            SearchSource(
                entity_type=ENTITY,
                entity_id=start + i + 1,
                title=str(d.get("title") or "")[:300],
                body="\n\n".join(p for p in (str(d.get("title") or ""), str(d.get("text") or "")) if p),
                lang=(d.get("lang") or None),
            )
            for i, d in enumerate(batch)
        ]
        with unit_of_work() as session:
            index.index_sources(session, sources)
        if step:
            step(len(batch))


def _reuse_cached_vectors(sqlite_url: str) -> None:
    """Copy the embedding cache of the embedded-mode store for this corpus (same texts, same vectors)."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    path = make_url(sqlite_url).database
    if not path or not Path(path).exists():
        return
    source = create_engine(sqlite_url)
    try:
        with source.connect() as conn, unit_of_work() as session:
            present = set(session.scalars(select(EmbeddingCache.content_hash)))
            rows = conn.execute(select(EmbeddingCache.model, EmbeddingCache.content_hash, EmbeddingCache.vector))
            session.add_all(EmbeddingCache(model=m, content_hash=h, vector=v) for m, h, v in rows if h not in present)
    finally:
        source.dispose()


def rank_corpus(
    corpus: Path,
    queries: Path,
    *,
    top: int = 100,
    mode: str = "hybrid",
    database: str = "sqlite",
    progress: Step | None = None,
    semantic_weight: float | None = None,
) -> list[tuple[str, list[str]]]:
    """One ranking of corpus ids per query, best first, without the query's ``exclude`` ids."""
    from govlotse.core.migrate import upgrade

    previous = db.url
    url = store_url(corpus, database)
    db.configure(url)
    try:
        upgrade(url)
        if database != "sqlite":
            _reuse_cached_vectors(store_url(corpus, "sqlite"))
        docs = list(read_jsonl(corpus))
        index_corpus(docs, progress)
        position = {str(d["id"]): i + 1 for i, d in enumerate(docs)}
        with unit_of_work() as session:
            corpus_id = {
                doc_id: str(docs[entity_id - 1]["id"])
                for doc_id, entity_id in session.execute(
                    select(SearchDoc.id, SearchDoc.entity_id).where(SearchDoc.entity_type == ENTITY)
                )
            }
            out: list[tuple[str, list[str]]] = []
            items = list(read_jsonl(queries))
            step = progress("rank " + str(len(items)) + " queries", len(items)) if progress else None
            for item in items:
                exclude = frozenset((ENTITY, position[e]) for e in item.get("exclude", []) if e in position)
                filters = engine.Filters(entity_types=(ENTITY,), exclude=exclude)
                try:
                    q = service.prepare(session, str(item.get("query", "")), mode=mode)
                except Exception:  # an empty query ranks nothing
                    out.append((str(item["id"]), []))
                    continue
                ranked = service.rank(
                    session,
                    SYSTEM,
                    q,
                    filters,
                    mode=mode,
                    semantic_weight=semantic_weight,
                    candidates=max(top, service.CANDIDATES),
                )
                out.append((str(item["id"]), [corpus_id[c.doc_id] for c in ranked[:top]]))
                if step:
                    step(1)
        return out
    finally:
        db.configure(previous)
