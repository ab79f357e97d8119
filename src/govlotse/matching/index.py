"""Keeping the search index in step with the records: analyse, chunk, embed (with cache), store."""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from sqlalchemy import delete, event, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from govlotse.matching import crosslingual
from govlotse.matching import text as textmod
from govlotse.matching.embedder import Embedder, get_embedder
from govlotse.matching.models import (
    EmbeddingCache,
    IndexQueue,
    SearchChunk,
    SearchDoc,
    SearchMeta,
    SearchTerm,
)
from govlotse.matching.sources import CERT_CODES, HOSTING_CODES, LISTERS, LOADERS, SearchSource, bits

BATCH = 64  # records per transaction step in bulk work
EMBED_BATCH = 32  # passages per call to the embedder
MAX_TERM = 100  # length of search_terms.term

Progress = Callable[[int], None]


def _sha(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


def passage_texts(source: SearchSource) -> list[str]:
    """The passages embedded for a record; later passages carry the title for context."""
    chunks = list(textmod.passages(source.body)) or [source.title]
    return [chunks[0], *(f"{source.title}. {c}" for c in chunks[1:])]


def content_hash(source: SearchSource, lang: str) -> str:
    return _sha(textmod.ANALYZER_VERSION, source.title, source.body, lang)


def embed_passages(
    session: Session, embedder: Embedder, texts: Sequence[str], report: IndexReport | None = None
) -> np.ndarray:
    """Vectors for passages, taken from the cache where the same text was embedded before."""
    vectors, made = _embed_cached(session, embedder, texts, "passage")
    if report is not None:
        report.embedded_passages += made
    return vectors


def passage_key(text: str) -> str:
    """Cache key of a passage's vector."""
    return _sha("passage", text)


def query_key(text: str) -> str:
    """Cache key of a query's vector (queries and passages are embedded differently: e5's prefixes)."""
    return _sha("query", text)


def embed_queries(
    session: Session, embedder: Embedder, texts: Sequence[str], report: IndexReport | None = None
) -> np.ndarray:
    """Query vectors for texts pages search with, stored in the embedding cache (see ``QUERY_TEXTS``)."""
    vectors, made = _embed_cached(session, embedder, texts, "query")
    if report is not None:
        report.embedded_queries += made
    return vectors


def _embed_cached(session: Session, embedder: Embedder, texts: Sequence[str], kind: str) -> tuple[np.ndarray, int]:
    keys = [passage_key(t) if kind == "passage" else query_key(t) for t in texts]
    cached = {
        row.content_hash: row.vector
        for row in session.scalars(
            select(EmbeddingCache).where(
                EmbeddingCache.model == embedder.name, EmbeddingCache.content_hash.in_(set(keys))
            )
        )
    }
    missing = list(dict.fromkeys(k for k in keys if k not in cached))
    if missing:
        by_key = dict(zip(keys, texts, strict=True))
        embed = embedder.embed_passages if kind == "passage" else embedder.embed_queries
        for start in range(0, len(missing), EMBED_BATCH):
            batch = missing[start : start + EMBED_BATCH]
            vectors = embed([by_key[k] for k in batch])
            for key, vector in zip(batch, vectors, strict=True):
                cached[key] = vector
                session.add(EmbeddingCache(model=embedder.name, content_hash=key, vector=vector))
        session.flush()
    if not keys:
        return np.zeros((0, embedder.dim), dtype=np.float32), 0
    return np.vstack([cached[k] for k in keys]).astype(np.float32), len(missing)


# Kinds whose pages search with a record's own text (a need's candidates, a solution's fitting needs):
# kind → function(session, ids) → {id: query text}. Their query vectors are embedded with the index (in the
# background), so opening such a page does not wait for the model. matching.service registers them.
QUERY_TEXTS: dict[str, Callable[[Session, Sequence[int]], dict[int, str]]] = {}


def query_texts(session: Session, entity_type: str, ids: Sequence[int]) -> set[str]:
    """The texts the pages of these records search with, and their renderings in the other language (which
    ``service.prepare`` embeds with them)."""
    texts = set(QUERY_TEXTS[entity_type](session, ids).values()) if entity_type in QUERY_TEXTS else set()
    return texts | {r for t in texts for r in crosslingual.renderings(t).values()}


def _adjust_terms(session: Session, delta: Counter[str]) -> None:
    """Add ``delta`` to the document frequency of each term (upserts in batches)."""
    changes: Counter[str] = Counter()
    for term, d in delta.items():
        changes[term[:MAX_TERM]] += d  # one row per stored key, or PostgreSQL refuses the upsert
    changes = Counter({t: d for t, d in changes.items() if d})
    if not changes:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    rows = [{"term": t, "df": d} for t, d in sorted(changes.items())]
    for start in range(0, len(rows), 500):
        stmt = insert(SearchTerm).values(rows[start : start + 500])
        stmt = stmt.on_conflict_do_update(index_elements=["term"], set_={"df": SearchTerm.df + stmt.excluded.df})
        session.execute(stmt)
    session.execute(delete(SearchTerm).where(SearchTerm.df <= 0))


def bump_generation(session: Session) -> None:
    """Signal to every process that the index changed (their in-memory caches reload)."""
    value = uuid.uuid4().hex
    result = session.execute(update(SearchMeta).where(SearchMeta.key == "generation").values(value=value))
    if getattr(result, "rowcount", 0) == 0:
        session.add(SearchMeta(key="generation", value=value))
    session.flush()
    session.info[_GENERATION] = value


_GENERATION = "govlotse.search_generation"


def generation(session: Session) -> str:
    """The index's generation, read once per transaction (a search asks several times; a transaction that
    changes the index knows its own new generation)."""
    if _GENERATION not in session.info:
        session.info[_GENERATION] = session.scalar(select(SearchMeta.value).where(SearchMeta.key == "generation")) or ""
    value: str = session.info[_GENERATION]
    return value


@event.listens_for(Session, "after_transaction_end")
def _forget_generation(session: Session, _transaction: object) -> None:
    session.info.pop(_GENERATION, None)


@dataclass
class IndexReport:
    indexed: int = 0
    unchanged: int = 0
    removed: int = 0
    embedded_passages: int = 0
    embedded_queries: int = 0


def index_sources(
    session: Session,
    sources: Sequence[SearchSource],
    *,
    embedder: Embedder | None = None,
    report: IndexReport | None = None,
) -> IndexReport:
    """Write (or refresh) the search entries of ``sources``; unchanged text is not embedded again."""
    embedder = embedder or get_embedder()
    report = report or IndexReport()
    if not sources:
        return report
    existing = {
        (d.entity_type, d.entity_id): d
        for d in session.scalars(
            select(SearchDoc).where(
                SearchDoc.entity_type.in_({s.entity_type for s in sources}),
                SearchDoc.entity_id.in_({s.entity_id for s in sources}),
            )
        )
    }
    to_embed: list[tuple[SearchDoc, list[str]]] = []
    delta: Counter[str] = Counter()
    sources = [replace(s, title=textmod.clean(s.title), body=textmod.clean(s.body)) for s in sources]
    for source in sources:
        lang = source.lang or textmod.detect_language(f"{source.title}. {source.body}")
        digest = content_hash(source, lang)
        doc = existing.get((source.entity_type, source.entity_id))
        attrs = {
            "title": source.title[:300],
            "public": source.public,
            "org_id": source.org_id,
            "org_kind": source.org_kind,
            "maturity": source.maturity,
            "status": source.status,
            "hosting_bits": bits(source.hosting, HOSTING_CODES),
            "cert_bits": bits(source.certifications, CERT_CODES),
        }
        if doc is not None and doc.content_hash == digest and doc.model == embedder.name:
            changed = {k: v for k, v in attrs.items() if getattr(doc, k) != v}
            for key, value in changed.items():
                setattr(doc, key, value)
            report.unchanged += 0 if changed else 1
            report.indexed += 1 if changed else 0
            continue
        tokens = textmod.analyze(f"{source.title}. {source.body}", lang)
        if doc is None:
            doc = SearchDoc(entity_type=source.entity_type, entity_id=source.entity_id, **attrs)
            session.add(doc)
        else:
            delta.subtract(set(doc.tokens.split()))
            for key, value in attrs.items():
                setattr(doc, key, value)
        delta.update(set(tokens))
        doc.body, doc.lang, doc.tokens, doc.n_tokens = source.body, lang, " ".join(tokens), len(tokens)
        doc.content_hash, doc.model = digest, embedder.name
        to_embed.append((doc, passage_texts(source)))
        report.indexed += 1
    session.flush()
    if to_embed:
        session.execute(delete(SearchChunk).where(SearchChunk.doc_id.in_([d.id for d, _ in to_embed])))
        all_texts = [t for _, texts in to_embed for t in texts]
        vectors = embed_passages(session, embedder, all_texts, report)
        i = 0
        for doc, texts in to_embed:
            for n, passage in enumerate(texts):
                session.add(
                    SearchChunk(
                        doc_id=doc.id,
                        chunk_no=n,
                        text=passage,
                        model=embedder.name,
                        dim=embedder.dim,
                        vector=vectors[i],
                    )
                )
                i += 1
    _adjust_terms(session, delta)
    bump_generation(session)
    _ensure_vector_index(session, embedder.dim)
    return report


_vector_indexes: set[tuple[str, int]] = set()


def _ensure_vector_index(session: Session, dim: int) -> None:
    key = (str(session.get_bind().engine.url), dim)
    if key not in _vector_indexes and session.get_bind().dialect.name == "postgresql":
        from govlotse.matching.engine import ensure_vector_index

        ensure_vector_index(session, dim)
    _vector_indexes.add(key)


def remove(session: Session, entity_type: str, ids: Iterable[int], report: IndexReport | None = None) -> None:
    """Drop the search entries of records that are gone."""
    docs = list(
        session.scalars(
            select(SearchDoc).where(SearchDoc.entity_type == entity_type, SearchDoc.entity_id.in_(set(ids)))
        )
    )
    if not docs:
        return
    delta: Counter[str] = Counter()
    for doc in docs:
        delta.subtract(set(doc.tokens.split()))
        session.delete(doc)
    session.flush()
    _adjust_terms(session, delta)
    bump_generation(session)
    if report:
        report.removed += len(docs)


def refresh(
    session: Session,
    entity_type: str,
    ids: Sequence[int],
    *,
    embedder: Embedder | None = None,
    report: IndexReport | None = None,
) -> IndexReport:
    """Index the records that exist, remove the entries of those that do not."""
    report = report or IndexReport()
    sources = LOADERS[entity_type](session, ids)
    index_sources(session, sources, embedder=embedder, report=report)
    if entity_type in QUERY_TEXTS and sources:
        texts = query_texts(session, entity_type, [s.entity_id for s in sources])
        if texts:
            embed_queries(session, embedder or get_embedder(), sorted(texts), report)
    gone = set(ids) - {s.entity_id for s in sources}
    if gone:
        remove(session, entity_type, gone, report)
    return report


def process_queue(session: Session, *, limit: int = BATCH, embedder: Embedder | None = None) -> int:
    """Index up to ``limit`` queued records; returns how many were taken from the queue."""
    stmt = select(IndexQueue).order_by(IndexQueue.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)  # several workers share the queue
    items = list(session.scalars(stmt))
    by_type: dict[str, list[int]] = {}
    for item in items:
        by_type.setdefault(item.entity_type, []).append(item.entity_id)
        session.delete(item)
    for entity_type, ids in by_type.items():
        if entity_type in LOADERS:
            refresh(session, entity_type, ids, embedder=embedder)
    session.flush()
    return len(items)


def queue_length(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(IndexQueue)) or 0


def all_ids(session: Session, entity_type: str) -> list[int]:
    return LISTERS[entity_type](session)


def rebuild(
    *,
    entity_types: Sequence[str] | None = None,
    embedder: Embedder | None = None,
    progress: Callable[[str, int], Progress] | None = None,
) -> IndexReport:
    """Bring the whole index up to date in batches (each batch its own transaction).

    Unchanged records cost a hash comparison; only new or changed text is embedded.
    """
    from govlotse.db import unit_of_work

    report = IndexReport()
    embedder = embedder or get_embedder()
    for entity_type in entity_types or sorted(LOADERS):
        with unit_of_work() as session:
            ids = all_ids(session, entity_type)
            stale = set(session.scalars(select(SearchDoc.entity_id).where(SearchDoc.entity_type == entity_type))) - set(
                ids
            )
            if stale:
                remove(session, entity_type, stale, report)
        step = progress(entity_type, len(ids)) if progress else None
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            with unit_of_work() as session:
                refresh(session, entity_type, batch, embedder=embedder, report=report)
                session.execute(
                    delete(IndexQueue).where(IndexQueue.entity_type == entity_type, IndexQueue.entity_id.in_(batch))
                )
            if step:
                step(len(batch))
    tidy()
    return report


SEARCH_TABLES = ("search_docs", "search_postings", "search_chunks", "search_terms")


def tidy() -> None:
    """After bulk indexing on PostgreSQL: fresh planner statistics and visibility map for the search tables.

    BM25 reads each term's postings by an index-only scan, which skips the table only on pages VACUUM has marked
    all-visible; autovacuum gets there too, but only some time after a bulk load. SQLite needs nothing."""
    from govlotse.db import db

    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"VACUUM (ANALYZE) {', '.join(SEARCH_TABLES)}")


@dataclass
class IndexStatus:
    documents: dict[str, int]
    records: dict[str, int]
    passages: int
    queued: int
    models: dict[str, int]
    cached_vectors: int


def status(session: Session) -> IndexStatus:
    """What is indexed, what is waiting, and with which model."""
    docs = dict(session.execute(select(SearchDoc.entity_type, func.count()).group_by(SearchDoc.entity_type)).all())
    records = {t: len(LISTERS[t](session)) for t in sorted(LISTERS)}
    models = dict(session.execute(select(SearchChunk.model, func.count()).group_by(SearchChunk.model)).all())
    return IndexStatus(
        documents={str(k): int(v) for k, v in docs.items()},
        records=records,
        passages=session.scalar(select(func.count()).select_from(SearchChunk)) or 0,
        queued=queue_length(session),
        models={str(k): int(v) for k, v in models.items()},
        cached_vectors=session.scalar(select(func.count()).select_from(EmbeddingCache)) or 0,
    )
