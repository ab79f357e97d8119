"""Hybrid search: lexical BM25 and semantic similarity, each with the filters inside, fused by rank.

Both run on an in-process copy of the index (:func:`in_process`: always in embedded mode, on PostgreSQL while the
index is small enough for each worker's memory) or in the database. Lexical: BM25 over postings held in process
memory, or the same formula in SQL over PostgreSQL's postings of the same tokens (so both rank alike). Semantic:
cosine similarity with numpy over the in-process vectors (exact, or from 20k passages through a shortlist along the
vectors' main directions), or pgvector with an HNSW index. A document's semantic score is that of its best passage.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import math
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    LargeBinary,
    String,
    and_,
    bindparam,
    cast,
    column,
    exists,
    false,
    func,
    or_,
    select,
    table,
    text,
    true,
    values,
)
from sqlalchemy.orm import Session
from threadpoolctl import threadpool_limits

from govlotse.config import settings
from govlotse.core.actor import Actor
from govlotse.matching import index as indexmod
from govlotse.matching.models import SearchChunk, SearchDoc, SearchTerm
from govlotse.matching.sources import CERT_CODES, HOSTING_CODES, bits

# numpy's OpenBLAS keeps its threads spinning for a while after each matrix product. On a small server they take
# the cores from the model's own threads, which embed the query next: on 2 cores a query's embedding took 58 ms
# instead of 15, a whole search at 10k documents 140 instead of 54 ms (bench/latency.py). The products here are small
# or bound by memory bandwidth, so one BLAS thread computes them as fast; the limit holds for the whole process.
threadpool_limits(limits=1, user_api="blas")

K1, B = 1.2, 0.75  # BM25 parameters (the usual ones, also SQLite FTS5's)
RRF_K = 60
MAX_QUERY_TERMS = 64

# Hubness: some passages (often short, generic profiles) lie close to almost every query and crowd the top of
# every semantic ranking. A candidate's similarity is lowered by how close it lies to its nearest neighbours
# in a fixed sample of the index (CSLS-style): sim - weight * mean(top HUB_K similarities to the sample), the
# weight being the setting search_hubness_weight.
HUB_SAMPLE = 2000
HUB_K = 10


@dataclass(frozen=True)
class Filters:
    """Hard criteria, applied inside both searches (never by cutting a ranked list)."""

    entity_types: tuple[str, ...]
    hosting_any: tuple[str, ...] = ()  # offers at least one of these operating models
    certifications_all: tuple[str, ...] = ()  # holds every one of these certificates
    certifications_any: tuple[str, ...] = ()  # holds at least one of these certificates
    maturity_in: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    org_kinds: tuple[str, ...] = ()
    exclude: frozenset[tuple[str, int]] = frozenset()  # (entity_type, entity_id) never returned


def sql_conditions(filters: Filters, actor: Actor) -> ColumnElement[bool]:
    """The filters and the actor's visibility as one SQL condition on ``search_docs``."""
    d = SearchDoc
    conds: list[ColumnElement[bool]] = [d.entity_type.in_(filters.entity_types)]
    if not actor.sees_everything:
        own = d.org_id.in_(actor.organisation_ids) if actor.organisation_ids else false()
        conds.append(or_(d.public.is_(True), own))
    if filters.hosting_any:
        conds.append(d.hosting_bits.op("&")(bits(filters.hosting_any, HOSTING_CODES)) != 0)
    if filters.certifications_all:
        wanted = bits(filters.certifications_all, CERT_CODES)
        conds.append(d.cert_bits.op("&")(wanted) == wanted)
    if filters.certifications_any:
        conds.append(d.cert_bits.op("&")(bits(filters.certifications_any, CERT_CODES)) != 0)
    if filters.maturity_in:
        conds.append(d.maturity.in_(filters.maturity_in))
    if filters.statuses:
        conds.append(d.status.in_(filters.statuses))
    if filters.org_kinds:
        conds.append(d.org_kind.in_(filters.org_kinds))
    for entity_type, entity_id in filters.exclude:
        conds.append(~and_(d.entity_type == entity_type, d.entity_id == entity_id))
    return and_(true(), *conds)


# ---------------------------------------------------------------- lexical


_stats: dict[tuple[str, str, object], object] = {}


def _per_generation(session: Session, key: object, compute: Callable[[], Any]) -> Any:
    """A statistic of the index, computed once per index generation (the generation is a key lookup)."""
    full = (str(session.get_bind().engine.url), indexmod.generation(session), key)
    if full not in _stats:
        if len(_stats) > 1000:
            _stats.clear()
        _stats[full] = compute()
    return _stats[full]


def corpus_stats(session: Session) -> tuple[int, float]:
    def compute() -> tuple[int, float]:
        n, total = session.execute(select(func.count(), func.coalesce(func.sum(SearchDoc.n_tokens), 0))).one()
        return int(n), (float(total) / n if n else 0.0)

    result: tuple[int, float] = _per_generation(session, "corpus", compute)
    return result


def languages(session: Session) -> frozenset[str]:
    """The languages the index holds documents in."""
    result: frozenset[str] = _per_generation(
        session, "languages", lambda: frozenset(session.scalars(select(SearchDoc.lang).distinct()))
    )
    return result


def idf(n_docs: int, df: int) -> float:
    """FTS5's IDF: log((N - n + 0.5) / (n + 0.5)), floored at 1e-6 (so very common terms count little)."""
    value = math.log((n_docs - df + 0.5) / (df + 0.5)) if n_docs else 0.0
    return max(value, 1e-6)


def lexical(
    session: Session, terms: Mapping[str, int], filters: Filters, actor: Actor, k: int
) -> list[tuple[int, float]]:
    """(doc id, BM25 score) best first, for documents matching any term and the filters. ``terms`` maps each
    term to its weight (its frequency in the query): a term's BM25 contribution counts that many times."""
    weights = dict([(t, max(int(w), 1)) for t, w in terms.items() if t.isalnum()][:MAX_QUERY_TERMS])
    if not weights:
        return []
    if not in_process(session):
        return _lexical_pg(session, weights, sql_conditions(filters, actor), k)
    return _lexical_memory(session, weights, filters, actor, k)


def in_process(session: Session) -> bool:
    """Whether searches run on this process's in-process copy of the index (postings and vectors, loaded once per
    index generation) rather than in the database: always in embedded mode; on PostgreSQL up to
    ``search_in_process_passages`` passages (at 100k documents 49 against 124 ms a search, p50, bench/latency.py), above
    that by BM25 in SQL and pgvector's HNSW index, which need no memory in the workers."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    limit = settings.search_in_process_passages
    if not limit:
        return False
    passages: int = _per_generation(
        session, "passages", lambda: session.scalar(select(func.count()).select_from(SearchChunk)) or 0
    )
    return passages <= limit


@dataclass
class _Lexicon:
    """An in-process inverted index of the documents' tokens (embedded mode), loaded once per index generation.

    Each term's postings are the rows of the documents that hold it and, per row, the BM25 weight of the term in
    that document, tf (k1 + 1) / (tf + k1 (1 - b + b dl / avgdl)). A query's scores are then a few vector additions,
    each term's weights times its IDF (and its weight in the query), with the filters evaluated on the in-process
    columns, as the semantic side does."""

    generation: str
    doc_ids: np.ndarray  # search_docs ids, ascending
    terms: dict[str, int]  # term → its number; its postings are offsets[number]:offsets[number + 1]
    offsets: np.ndarray
    rows: np.ndarray  # per posting: the document's row in doc_ids
    weights: np.ndarray  # per posting: the term's BM25 weight in the document
    columns: dict[str, np.ndarray]  # filter columns, aligned with doc_ids

    def scores(self, weights: Mapping[str, int]) -> np.ndarray:
        """Every document's BM25 score for the weighted terms (0 where none occurs)."""
        scores = np.zeros(len(self.doc_ids))
        for term, weight in weights.items():
            number = self.terms.get(term)
            if number is None:
                continue
            start, end = int(self.offsets[number]), int(self.offsets[number + 1])
            # A term occurs once per document in its postings: a plain fancy-indexed add is exact.
            scores[self.rows[start:end]] += weight * idf(len(self.doc_ids), end - start) * self.weights[start:end]
        return scores


_memory_lock = threading.Lock()  # one load at a time: a load's intermediate rows take as much memory as the copy


def _in_memory(cache: dict[Any, Any], key: object, gen: str, load: Callable[[], Any]) -> Any:
    """The in-process copy under ``key`` for index generation ``gen``, loaded (once, across threads) if stale."""
    cached = cache.get(key)
    if cached is not None and cached.generation == gen:
        return cached
    with _memory_lock:
        cached = cache.get(key)
        if cached is not None and cached.generation == gen:  # another thread loaded it meanwhile
            return cached
        cache.pop(key, None)  # the stale copy goes before the new one is built, not after
        cache[key] = fresh = load()
        _give_back_memory()
        return fresh


def _give_back_memory() -> None:
    """Return the memory a load used for its intermediate rows to the operating system (glibc keeps it otherwise:
    about 100 MiB at 100k documents)."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


_lexicons: dict[str, _Lexicon] = {}


def _lexicon(session: Session) -> _Lexicon:
    gen = indexmod.generation(session)
    lexicon: _Lexicon = _in_memory(
        _lexicons, str(session.get_bind().engine.url), gen, lambda: _load_lexicon(session, gen)
    )
    return lexicon


def _load_lexicon(session: Session, gen: str) -> _Lexicon:
    rows = session.execute(select(SearchDoc.id, SearchDoc.tokens).order_by(SearchDoc.id)).all()
    doc_ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    numbers: dict[str, int] = {}
    parts, lengths = [], []
    for first in range(0, len(rows), 10_000):  # in slices: a token's str object lives only while it is numbered
        split = [tokens.split() for _id, tokens in rows[first : first + 10_000]]
        flat = list(itertools.chain.from_iterable(split))
        for term in dict.fromkeys(flat):
            numbers.setdefault(term, len(numbers))
        parts.append(np.fromiter(map(numbers.__getitem__, flat), dtype=np.int64, count=len(flat)))
        lengths.append(np.fromiter(map(len, split), dtype=np.int64, count=len(split)))
    length = np.concatenate(lengths) if lengths else np.zeros(0, dtype=np.int64)
    # One key per token, term × n + row; sorted and counted, the keys are the postings grouped by term.
    n = max(len(rows), 1)
    keys, tf = np.unique(
        np.concatenate(parts or [length]) * n + np.repeat(np.arange(len(rows)), length), return_counts=True
    )
    posting_rows = keys % n
    avgdl = length.sum() / len(rows) if len(rows) else 1.0
    norm = K1 * (1 - B + B * length[posting_rows] / avgdl)
    return _Lexicon(
        generation=gen,
        doc_ids=doc_ids,
        terms=numbers,
        offsets=np.searchsorted(keys // n, np.arange(len(numbers) + 1)),
        rows=posting_rows.astype(np.int32),
        weights=(tf * (K1 + 1) / (tf + norm)).astype(np.float32),
        columns=_load_columns(session, doc_ids),
    )


def _lexical_memory(
    session: Session, weights: dict[str, int], filters: Filters, actor: Actor, k: int
) -> list[tuple[int, float]]:
    """BM25 over the in-process postings (:class:`_Lexicon`): the exact top ``k`` within the filters, ties by id."""
    lexicon = _lexicon(session)
    scores = lexicon.scores(weights)
    found = np.flatnonzero((scores > 0) & mask(filters, actor, lexicon.columns))
    if len(found) > k > 0:  # the k best, and every document tied with the k-th (the ids then decide)
        kth = np.partition(scores[found], len(found) - k)[len(found) - k]
        found = found[scores[found] >= kth]
    order = np.lexsort((lexicon.doc_ids[found], -scores[found]))[:k]
    return [(int(lexicon.doc_ids[row]), float(scores[row])) for row in found[order]]


_POSTINGS = table(
    "search_postings", column("term", String), column("doc_id", Integer), column("tf", Integer), column("dl", Integer)
)
PROBE = 20  # the best PROBE × k documents by BM25 are checked against the filters first


def _lexical_pg(
    session: Session, weights: dict[str, int], where: ColumnElement[bool], k: int
) -> list[tuple[int, float]]:
    """BM25 over the postings of the query's terms, each read by an index-only scan (migration 0016).

    The scores are summed over the postings alone. The filters are then checked on the best documents in score
    order; only when fewer than ``k`` of the best ``PROBE × k`` pass (a selective filter) are they checked on
    every matching document. Either way the result is the exact top ``k`` within the filters."""
    n_docs, avgdl = corpus_stats(session)
    dfs = dict(session.execute(select(SearchTerm.term, SearchTerm.df).where(SearchTerm.term.in_(weights))).all())
    present = [t for t in weights if dfs.get(t)]
    if not present or not avgdl:
        return []
    query = values(column("term", String), column("weight", Float), name="q").data(
        [(t, weights[t] * idf(n_docs, int(dfs[t]))) for t in present]
    )
    p = _POSTINGS.c
    score = func.sum(query.c.weight * (p.tf * (K1 + 1)) / (p.tf + K1 * (1 - B + B * p.dl / avgdl)))
    scored = select(p.doc_id, score.label("score")).select_from(query.join(_POSTINGS, p.term == query.c.term))
    scored = scored.group_by(p.doc_id)
    best = scored.order_by(score.desc(), p.doc_id).limit(PROBE * k).subquery("best")
    stmt = (
        select(best.c.doc_id, best.c.score)
        .where(exists().where(SearchDoc.id == best.c.doc_id, where))
        .order_by(best.c.score.desc(), best.c.doc_id)
        .limit(k)
    )
    hits = session.execute(stmt).all()
    if len(hits) < k:
        every = scored.subquery("every")
        stmt = (
            select(every.c.doc_id, every.c.score)
            .join(SearchDoc, SearchDoc.id == every.c.doc_id)
            .where(where)
            .order_by(every.c.score.desc(), every.c.doc_id)
            .limit(k)
        )
        hits = session.execute(stmt).all()
    return [(int(i), float(s)) for i, s in hits]


# ---------------------------------------------------------------- semantic


def _pool(k: int) -> int:
    """How many of the nearest documents are re-ranked after the hubness correction, to return ``k``."""
    return k + k // 5 + 20


def _sample_ids(first: int, last: int) -> np.ndarray:
    """Passage ids of the hubness sample: a fixed pseudo-random choice in the id range (alike on both
    databases, and the same from one search to the next while the index does not change much)."""
    span = last - first + 1
    if span <= HUB_SAMPLE:
        return np.arange(first, last + 1, dtype=np.int64)
    rng = np.random.default_rng(20261129)
    return first + np.sort(rng.choice(span, size=HUB_SAMPLE, replace=False)).astype(np.int64)


def _corrects_hubness(reference: np.ndarray) -> bool:
    return bool(settings.search_hubness_weight) and len(reference) > HUB_K


VectorsOf = Callable[[list[int]], np.ndarray]  # the passage vectors of some positions in a list of hits


def hubness(vectors: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Each passage's mean similarity to its ``HUB_K`` nearest neighbours in the reference sample."""
    sims = vectors @ reference.T
    sims[sims > 0.9999] = -1.0  # the passage itself when it is part of the sample
    return np.partition(sims, sims.shape[1] - HUB_K, axis=1)[:, -HUB_K:].mean(axis=1)


def calibrate(
    hits: Sequence[tuple[int, float, int]],
    vectors: np.ndarray | VectorsOf,
    reference: np.ndarray,
    k: int,
    memo: dict[int, float] | None = None,
) -> list[tuple[int, float, int]]:
    """Re-rank the nearest documents (doc id, similarity, passage id) by their similarity less their passage's
    hubness; the similarity reported stays the plain cosine. ``vectors`` are the passages' vectors in the order
    of ``hits`` (or a function giving those of some positions); ``memo`` keeps each passage's hubness for the
    next searches (it depends only on the passage and the sample, so it holds for one index generation)."""
    hits = list(hits)[: _pool(k)]
    if not hits or not _corrects_hubness(reference):
        return hits[:k]
    memo = {} if memo is None else memo
    missing = [i for i, (_d, _s, chunk_id) in enumerate(hits) if chunk_id not in memo]
    if missing:
        found = vectors(missing) if callable(vectors) else vectors[missing]
        for i, value in zip(missing, hubness(found, reference), strict=True):
            memo[hits[i][2]] = float(value)
    adjusted = np.array([sim - settings.search_hubness_weight * memo[chunk_id] for _d, sim, chunk_id in hits])
    order = np.argsort(-adjusted, kind="stable")[:k]
    return [hits[i] for i in order]


@dataclass
class _Matrix:
    """An in-process copy of the vectors and filter columns (embedded mode)."""

    generation: str
    model: str
    doc_ids: np.ndarray
    vectors: np.ndarray
    chunk_doc: np.ndarray  # row in doc_ids for each passage
    chunk_ids: np.ndarray
    columns: dict[str, np.ndarray] = field(default_factory=dict)  # filter columns, aligned with doc_ids
    passage_hubness: np.ndarray | None = None  # each passage's (see hubness), computed as the vectors are loaded
    basis: np.ndarray | None = None  # large indexes: the passages' main directions (dim × PROJECTED_DIM) ...
    projected: np.ndarray | None = None  # ... and each passage's coordinates along them (see nearest_passages)

    @cached_property
    def starts(self) -> np.ndarray:
        """Index of each document's first passage (passages are sorted by document)."""
        return np.searchsorted(self.chunk_doc, np.arange(len(self.doc_ids)))

    @cached_property
    def ends(self) -> np.ndarray:
        return np.append(self.starts[1:], len(self.chunk_doc))

    @cached_property
    def reference(self) -> np.ndarray:
        """The passages of the hubness sample."""
        if not len(self.chunk_ids):
            return self.vectors[:0]
        wanted = _sample_ids(int(self.chunk_ids.min()), int(self.chunk_ids.max()))
        return self.vectors[np.isin(self.chunk_ids, wanted)]


_FILTER_COLUMNS = (
    "entity_type",
    "entity_id",
    "public",
    "org_id",
    "org_kind",
    "maturity",
    "status",
    "hosting_bits",
    "cert_bits",
)


def mask(filters: Filters, actor: Actor, columns: dict[str, np.ndarray]) -> np.ndarray:
    """The same condition as :func:`sql_conditions`, evaluated on the in-process columns."""
    ok = _among(columns, "entity_type", filters.entity_types)
    if not actor.sees_everything:
        own = np.isin(columns["org_id"], list(actor.organisation_ids)) if actor.organisation_ids else False
        ok &= columns["public"] | own
    if filters.hosting_any:
        ok &= (columns["hosting_bits"] & bits(filters.hosting_any, HOSTING_CODES)) != 0
    if filters.certifications_all:
        wanted = bits(filters.certifications_all, CERT_CODES)
        ok &= (columns["cert_bits"] & wanted) == wanted
    if filters.certifications_any:
        ok &= (columns["cert_bits"] & bits(filters.certifications_any, CERT_CODES)) != 0
    if filters.maturity_in:
        ok &= _among(columns, "maturity", filters.maturity_in)
    if filters.statuses:
        ok &= _among(columns, "status", filters.statuses)
    if filters.org_kinds:
        ok &= _among(columns, "org_kind", filters.org_kinds)
    for entity_type, entity_id in filters.exclude:
        ok &= ~(_among(columns, "entity_type", (entity_type,)) & (columns["entity_id"] == entity_id))
    return np.asarray(ok, dtype=bool)


def _among(columns: dict[str, np.ndarray], name: str, wanted: Sequence[str]) -> np.ndarray:
    """Rows whose text column ``name`` holds one of ``wanted``: compared by code (see :func:`_load_columns`),
    which is far faster than comparing 100k strings (or np.isin on the codes)."""
    codes = columns[name]
    rows = np.zeros(len(codes), dtype=bool)
    for code in np.flatnonzero(np.isin(columns[f"{name}#values"], list(wanted))):  # a few distinct values
        rows |= codes == code
    return rows


_matrices: dict[tuple[str, str], _Matrix] = {}


def _matrix(session: Session, model: str) -> _Matrix:
    gen = indexmod.generation(session)
    key = (str(session.get_bind().engine.url), model)
    matrix: _Matrix = _in_memory(_matrices, key, gen, lambda: _load_matrix(session, model, gen))
    return matrix


def _load_matrix(session: Session, model: str, gen: str) -> _Matrix:
    # On PostgreSQL pgvector's binary form (2 bytes dimension, 2 unused, big-endian float4s) is read as is: 134k
    # vectors in about a second, where parsing their text form takes many.
    binary = session.get_bind().dialect.name == "postgresql"
    vector: Any = func.vector_send(SearchChunk.vector, type_=LargeBinary) if binary else SearchChunk.vector
    rows = session.execute(
        select(SearchChunk.id, SearchChunk.doc_id, vector)
        .where(SearchChunk.model == model)
        .order_by(SearchChunk.doc_id, SearchChunk.chunk_no)
    ).all()
    if rows:
        chunk_ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        chunk_doc_ids = np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows))
        if binary:
            raw = b"".join(bytes(r[2])[4:] for r in rows)
            vectors = np.frombuffer(raw, dtype=">f4").reshape(len(rows), -1).astype(np.float32)
        else:
            vectors = np.vstack([r[2] for r in rows]).astype(np.float32)
        doc_ids, chunk_doc = np.unique(chunk_doc_ids, return_inverse=True)
    else:
        chunk_ids = chunk_doc = doc_ids = np.zeros(0, dtype=np.int64)
        vectors = np.zeros((0, 1), dtype=np.float32)
    del rows
    basis, projected = _projection(vectors)
    columns = _load_columns(session, doc_ids)
    m = _Matrix(gen, model, doc_ids, vectors, chunk_doc, chunk_ids, columns, basis=basis, projected=projected)
    if len(m.reference) > HUB_K:
        # Once for all passages (2 s at 134k passages) rather than for each search's nearest (3 ms a search there).
        m.passage_hubness = np.concatenate(
            [hubness(vectors[i : i + 4096], m.reference) for i in range(0, len(vectors), 4096)]
        )
    return m


# Exact search reads every vector for every query: at 100k documents (134k passages, 196 MiB) 16-21 ms of memory
# traffic. Above EXACT_PASSAGES passages the vectors are first compared along their PROJECTED_DIM main directions
# (principal components: a third of the data, kept in memory as well) and only the SHORTLIST closest there in full:
# 7 ms at 145k passages. With real vectors (bench/shortlist.py) that kept 99.8 % of the 140 nearest documents and all
# of the 10 nearest on the evaluation corpora (16k passages), 99.4 % and 98.8 % on a denser 145k-passage variant of
# them. Smaller indexes are searched exactly, as PostgreSQL walks its HNSW index only above EXACT_BELOW documents.
EXACT_PASSAGES = 20_000
PROJECTED_DIM = 128
SHORTLIST = 4_000  # passages compared in full (at least four per document wanted)
# The shortlist is only as good as the main directions carry the differences between passages: they carry 71 % of
# the variance of the default model's vectors of the evaluation corpora (55 % in the denser variant), a third for
# vectors spread evenly (random ones, such as bench/scale.py's synthetic topics: 44 %). Below this share the
# vectors are searched exactly.
MAIN_SHARE = 0.5


def _projection(vectors: np.ndarray, least: int | None = None) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The main directions of the passages (from an evenly spread sample) and each passage's coordinates along
    them, for indexes large enough to need a shortlist (``least`` passages; EXACT_PASSAGES); (None, None)
    otherwise."""
    n, dim = vectors.shape
    if n < (EXACT_PASSAGES if least is None else least) or dim < 2 * PROJECTED_DIM:
        return None, None
    sample = vectors[:: max(1, n // 20_000)].astype(np.float64)
    sample -= sample.mean(axis=0)
    variances, directions = np.linalg.eigh(sample.T @ sample)  # ascending: the main directions are the last
    if variances[-PROJECTED_DIM:].sum() < MAIN_SHARE * variances.sum():
        return None, None  # the vectors spread evenly in all directions: a shortlist would miss too much
    basis = np.ascontiguousarray(directions[:, ::-1][:, :PROJECTED_DIM], dtype=np.float32)
    return basis, vectors @ basis


# A product of many rows with one vector is bound by memory bandwidth, which one core does not use up: from this
# many rows it is computed in two halves at once, the second on a helper thread (numpy releases the GIL; each half
# runs on one BLAS thread, so nothing spins afterwards). 2.6 -> 1.4 ms for 134k x 128 on this 2-core machine.
SPLIT_ROWS = 32_768
_helpers: dict[int, ThreadPoolExecutor] = {}  # by process id: a forked worker starts its own helper thread


def _matvec(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """``matrix @ vector``, large ones in two halves on two cores."""
    n = len(matrix)
    if n < SPLIT_ROWS or (os.cpu_count() or 1) < 2:
        return np.asarray(matrix @ vector)
    helper = _helpers.get(os.getpid())
    if helper is None:
        helper = _helpers.setdefault(os.getpid(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="matvec"))
    out = np.empty(n, dtype=np.result_type(matrix, vector))
    half = n // 2
    first = helper.submit(np.dot, matrix[:half], vector, out[:half])
    np.dot(matrix[half:], vector, out[half:])
    first.result()
    return out


def nearest_passages(m: _Matrix, query: np.ndarray, allowed: np.ndarray, pool: int) -> list[tuple[int, float, int]]:
    """(row in doc_ids, cosine, row of its best passage) of the ``pool`` allowed documents nearest the query,
    best first, ties by document id: exactly, or through the shortlist of a large index."""
    if m.projected is not None and m.basis is not None:
        allowed_rows = allowed[m.chunk_doc]
        n_allowed = int(allowed_rows.sum())
        wanted = max(SHORTLIST, 4 * pool)
        if n_allowed <= wanted:  # few enough: all of them in full
            rows = np.flatnonzero(allowed_rows)
        else:
            rough = _matvec(m.projected, query @ m.basis)
            np.putmask(rough, ~allowed_rows, -np.inf)
            rows = np.sort(np.argpartition(rough, len(rough) - wanted)[-wanted:])
        return _best_per_document(m.chunk_doc[rows], rows, m.vectors[rows] @ query, pool)
    sims = _matvec(m.vectors, query)
    # Passages are stored grouped by document: one reduceat gives each document its best passage.
    best = np.maximum.reduceat(sims, m.starts)
    best[~allowed] = -np.inf
    take = min(pool, int(np.isfinite(best).sum()))
    if take == 0:
        return []
    top = np.argpartition(-best, take - 1)[:take]
    top = top[np.argsort(-best[top], kind="stable")]
    return _with_best_passage(sims, m.starts, m.ends, best, top)


def _with_best_passage(
    sims: np.ndarray, starts: np.ndarray, ends: np.ndarray, best: np.ndarray, runs: np.ndarray
) -> list[tuple[int, float, int]]:
    """(run, its best similarity, index of the passage that gave it: the first of equal ones) for each of ``runs``,
    a run being one document's passages, ``sims[starts[run]:ends[run]]``."""
    return [(int(run), float(best[run]), int(starts[run] + np.argmax(sims[starts[run] : ends[run]]))) for run in runs]


def _best_per_document(docs: np.ndarray, rows: np.ndarray, sims: np.ndarray, pool: int) -> list[tuple[int, float, int]]:
    """Like the exact search's result, from some passages (``rows``, sorted, with their documents and cosines)."""
    if not len(rows):
        return []
    # Passages are stored grouped by document, so ``docs`` ascends: each document's passages are one run.
    starts = np.flatnonzero(np.r_[True, docs[1:] != docs[:-1]])
    best = np.maximum.reduceat(sims, starts)
    top = np.argsort(-best, kind="stable")[:pool]
    found = _with_best_passage(sims, starts, np.append(starts[1:], len(docs)), best, top)
    return [(int(docs[i]), sim, int(rows[i])) for _run, sim, i in found]


def best_passages(session: Session, model: str, query_vector: np.ndarray, doc_ids: Sequence[int]) -> dict[int, int]:
    """Each document's passage nearest the query (doc id -> passage id): for hits the semantic side did not bring,
    whose passage the explanation still shows. Compared in memory, or by PostgreSQL, without loading vectors."""
    if not doc_ids:
        return {}
    if not in_process(session):  # PostgreSQL (embedded mode always searches in process)
        from sqlalchemy.dialects.postgresql import distinct_on

        best = (
            select(SearchChunk.doc_id, SearchChunk.id)
            .where(SearchChunk.doc_id.in_(doc_ids), SearchChunk.model == model)
            .order_by(SearchChunk.doc_id, _distance(query_vector))
            .ext(distinct_on(SearchChunk.doc_id))
        )
        return {int(doc_id): int(chunk_id) for doc_id, chunk_id in session.execute(best)}
    m = _matrix(session, model)
    wanted = np.asarray(doc_ids, dtype=np.int64)
    rows = np.searchsorted(m.doc_ids, wanted)
    query = query_vector.astype(np.float32)
    out = {}
    for doc_id, row in zip(wanted.tolist(), rows.tolist(), strict=True):
        if row < len(m.doc_ids) and m.doc_ids[row] == doc_id:  # each document in doc_ids has a passage
            start, end = int(m.starts[row]), int(m.ends[row])
            out[doc_id] = int(m.chunk_ids[start + int(np.argmax(m.vectors[start:end] @ query))])
    return out


def refresh_memory(session: Session) -> int:
    """Reload this process's in-process copies of the index (postings and vectors, :func:`in_process`) if the index
    changed since they were loaded, so that no search has to wait for it; returns how many were reloaded.

    Only what this process has searched with before is reloaded. The background worker calls this after indexing,
    on every wake-up and every few seconds (matching.worker), so that an edit made through another worker process
    (PostgreSQL) is loaded here too: at 100k documents a reload takes seconds, which the first search after each edit
    would otherwise wait. A PostgreSQL index that grew past ``search_in_process_passages`` is dropped from memory."""
    url = str(session.get_bind().engine.url)
    if url not in _lexicons and all(where != url for where, _model in list(_matrices)):
        return 0  # nothing loaded here (no search yet, or searches in the database): not even the generation is read
    if not in_process(session):
        with _memory_lock:
            _lexicons.pop(url, None)
            for key in [key for key in _matrices if key[0] == url]:
                del _matrices[key]
        return 0
    gen = indexmod.generation(session)
    stale = url in _lexicons and _lexicons[url].generation != gen
    if stale:
        _lexicon(session)
    models = [model for (where, model), m in list(_matrices.items()) if where == url and m.generation != gen]
    for model in models:
        _matrix(session, model)
    return int(stale) + len(models)


def warm_up(session: Session, model: str) -> bool:
    """Load the in-process copy of the index (postings, and the vectors of ``model``) before the first search needs
    it, if searches run in process and the index holds documents; the worker does this when a process starts (a
    load takes seconds at 100k documents). Returns whether it loaded."""
    if not in_process(session) or not corpus_stats(session)[0]:
        return False
    _lexicon(session)
    _matrix(session, model)
    return True


def _load_columns(session: Session, doc_ids: np.ndarray) -> dict[str, np.ndarray]:
    rows = session.execute(select(SearchDoc.id, *(getattr(SearchDoc, c) for c in _FILTER_COLUMNS))).all()
    by_id = {r[0]: r[1:] for r in rows}
    ordered = [by_id.get(int(i)) for i in doc_ids]
    columns: dict[str, np.ndarray] = {}
    for n, name in enumerate(_FILTER_COLUMNS):
        values = [row[n] if row else None for row in ordered]
        if name in ("public",):
            columns[name] = np.array([bool(v) for v in values], dtype=bool)
        elif name in ("entity_id", "org_id", "hosting_bits", "cert_bits"):
            columns[name] = np.array([-1 if v is None else int(v) for v in values], dtype=np.int64)
        else:  # text: each distinct value once (name#values), the rows hold its position there
            distinct, codes = np.unique(np.array(["" if v is None else str(v) for v in values]), return_inverse=True)
            columns[name], columns[f"{name}#values"] = codes.astype(np.int32), distinct
    return columns


def semantic(
    session: Session, query_vector: np.ndarray, model: str, filters: Filters, actor: Actor, k: int
) -> list[tuple[int, float, int]]:
    """(doc id, cosine of its best passage, that passage's id) best first, within the filters."""
    if not in_process(session):
        return _semantic_pg(session, query_vector, model, filters, actor, k)
    m = _matrix(session, model)
    if not len(m.doc_ids):
        return []
    allowed = mask(filters, actor, m.columns)
    if not allowed.any():
        return []
    nearest = nearest_passages(m, query_vector.astype(np.float32), allowed, _pool(k))
    out = [(int(m.doc_ids[doc]), sim, int(m.chunk_ids[row])) for doc, sim, row in nearest]
    rows = [row for _doc, _sim, row in nearest]
    known = {}
    if m.passage_hubness is not None:
        known = dict(zip(m.chunk_ids[rows].tolist(), m.passage_hubness[rows].tolist(), strict=True))
    return calibrate(out, m.vectors[rows], m.reference, k, known)


def ensure_vector_index(session: Session, dim: int) -> None:
    """An HNSW index for vectors of this dimension (PostgreSQL; several models may coexist)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(
        text(
            f"CREATE INDEX IF NOT EXISTS ix_search_chunks_hnsw_{dim} ON search_chunks "
            f"USING hnsw ((vector::vector({dim})) vector_cosine_ops) WHERE dim = {dim}"
        )
    )


def _distance(query_vector: np.ndarray) -> ColumnElement[float]:
    """Cosine distance of each passage to the query, in the form the HNSW index is built on."""
    from pgvector.sqlalchemy import VECTOR

    dim = int(query_vector.shape[0])
    typed = VECTOR(dim)
    return cast(SearchChunk.vector, typed).op("<=>", return_type=Float())(
        bindparam("query_vector", query_vector.astype(np.float32), type_=typed)
    )


EXACT_BELOW = 20_000  # allowed documents below which PostgreSQL scans exactly
WALK_MARGIN = 1.5  # an HNSW walk is tried only when it should yield this many times k allowed passages


def _semantic_pg(
    session: Session, query_vector: np.ndarray, model: str, filters: Filters, actor: Actor, k: int
) -> list[tuple[int, float, int]]:
    dim = int(query_vector.shape[0])
    where = sql_conditions(filters, actor)
    visibility = (actor.sees_everything, tuple(sorted(actor.organisation_ids)))
    allowed = _per_generation(
        session,
        ("allowed", filters, visibility),
        lambda: session.scalar(select(func.count()).select_from(SearchDoc).where(where)) or 0,
    )
    if not allowed:
        return []
    total = corpus_stats(session)[0] or 1
    pool = _pool(k)
    n_chunks = min(max(3 * pool, 40), 1000)
    distance = _distance(query_vector)
    reference = _reference_pg(session, model, dim)
    # An HNSW walk yields its ef_search nearest passages before the filter, so with a filter that leaves a share
    # of the documents about that share of them is allowed. When that is too few for k (with room for documents
    # with several passages), the walk would be wasted: an exact scan over the allowed documents is both correct
    # and faster. Small indexes are scanned exactly anyway.
    ef_search = max(n_chunks, settings.search_ef_search)
    if allowed < EXACT_BELOW or allowed / total * ef_search < WALK_MARGIN * k:
        return _semantic_pg_exact(session, distance, model, dim, where, k, reference)
    session.execute(text(f"SET LOCAL hnsw.ef_search = {ef_search}"))
    best = _nearest(session, distance, model, dim, where, n_chunks)
    if len(best) < min(k, allowed):
        return _semantic_pg_exact(session, distance, model, dim, where, k, reference)
    return _calibrate_pg(session, best, dim, reference, k)


def _nearest(
    session: Session, distance: ColumnElement[float], model: str, dim: int, where: ColumnElement[bool], n_chunks: int
) -> dict[int, tuple[float, int]]:
    """doc id → (similarity, passage id) of its nearest passage among the ``n_chunks`` nearest allowed ones (by the
    HNSW index)."""
    stmt = (
        select(SearchChunk.doc_id, SearchChunk.id, (1 - distance).label("sim"))
        .join(SearchDoc, SearchDoc.id == SearchChunk.doc_id)
        .where(SearchChunk.model == model, SearchChunk.dim == dim, where)
        .order_by(distance)
        .limit(n_chunks)
    )
    best: dict[int, tuple[float, int]] = {}
    for doc_id, chunk_id, sim in session.execute(stmt):
        if doc_id not in best or sim > best[doc_id][0]:
            best[doc_id] = (float(sim), int(chunk_id))
    return best


def _stack(vectors: Sequence[Any], dim: int) -> np.ndarray:
    return np.vstack([np.asarray(v, dtype=np.float32) for v in vectors]) if vectors else np.zeros((0, dim), np.float32)


def _calibrate_pg(
    session: Session, best: dict[int, tuple[float, int]], dim: int, reference: np.ndarray, k: int
) -> list[tuple[int, float, int]]:
    """The pool of nearest documents (``best``: doc id → (similarity, passage id), as :func:`_nearest` gives it)
    ranked by :func:`calibrate`, with the passages' hubness kept per index generation; the vectors of passages
    not seen before are read by primary key after ranking (carrying vectors through the ranking query costs far
    more)."""
    ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))[: _pool(k)]
    hits = [(doc_id, sim, chunk_id) for doc_id, (sim, chunk_id) in ranked]

    def vectors_of(positions: list[int]) -> np.ndarray:
        ids = [hits[i][2] for i in positions]
        query = select(SearchChunk.id, SearchChunk.vector).where(SearchChunk.id.in_(ids))
        rows: dict[int, Any] = dict(session.execute(query).all())
        return _stack([rows[i] for i in ids], dim)

    memo: dict[int, float] = _per_generation(session, ("hubness", dim), dict)
    return calibrate(hits, vectors_of, reference, k, memo)


def _reference_pg(session: Session, model: str, dim: int) -> np.ndarray:
    """The hubness sample of passages (PostgreSQL), read once per index generation by primary key."""

    def compute() -> np.ndarray:
        first, last = session.execute(
            select(func.min(SearchChunk.id), func.max(SearchChunk.id)).where(
                SearchChunk.model == model, SearchChunk.dim == dim
            )
        ).one()
        if first is None:
            return np.zeros((0, dim), np.float32)
        wanted = [int(i) for i in _sample_ids(int(first), int(last))]
        rows = session.scalars(
            select(SearchChunk.vector).where(SearchChunk.id.in_(wanted), SearchChunk.model == model)
        ).all()
        return _stack(rows, dim)

    reference: np.ndarray = _per_generation(session, ("hub", model, dim), compute)
    return reference


def _semantic_pg_exact(
    session: Session,
    distance: ColumnElement[float],
    model: str,
    dim: int,
    where: ColumnElement[bool],
    k: int,
    reference: np.ndarray,
) -> list[tuple[int, float, int]]:
    """The nearest documents by an exact scan over the allowed documents' passages: the passages in order of
    distance, each document at its first (nearest) one, until the pool is full; the order by ``distance + 0``, not
    the indexed expression, keeps the planner from walking the HNSW index instead. The allowed documents come from
    an index-only scan (migration 0017), the vectors from the table's rows (0019). One query over all passages
    (the former one lookup per document, LATERAL, took 21 instead of 12 ms at 10k documents; 29 / 21 before 0019)."""
    pool = _pool(k)
    dist = (distance + 0).label("dist")
    limit = 3 * pool  # enough passages for the pool unless documents have many near passages each
    while True:
        stmt = (
            select(SearchChunk.doc_id, SearchChunk.id, dist)
            .join(SearchDoc, SearchDoc.id == SearchChunk.doc_id)
            .where(SearchChunk.model == model, SearchChunk.dim == dim, where)
            .order_by(dist, SearchChunk.id)
            .limit(limit)
        )
        rows = session.execute(stmt).all()
        best: dict[int, tuple[float, int]] = {}
        for doc_id, chunk_id, d in rows:
            if int(doc_id) not in best:
                best[int(doc_id)] = (1 - float(d), int(chunk_id))
                if len(best) == pool:
                    break
        if len(best) == pool or len(rows) < limit:
            return _calibrate_pg(session, best, dim, reference, k)
        limit *= 4


# ---------------------------------------------------------------- fusion


@dataclass
class Candidate:
    doc_id: int
    score: float = 0.0
    semantic: float | None = None
    semantic_rank: int | None = None
    lexical: float | None = None
    lexical_rank: int | None = None
    best_chunk_id: int | None = None
    parts: dict[str, float] = field(default_factory=dict)


def fuse(
    lexical_hits: Sequence[tuple[int, float]],
    semantic_hits: Sequence[tuple[int, float, int]],
    *,
    semantic_weight: float,
    other_language: set[int] | None = None,
) -> list[Candidate]:
    """Reciprocal-rank fusion: each list adds weight / (60 + rank); robust to different score scales.

    Words cannot match across languages, so for documents written in another language than the
    query (``other_language``) the lexical side is missing evidence, not evidence against: their
    semantic rank stands in for it. Otherwise a German need would never rank an English profile above
    a German one that merely shares a few words.
    """
    by_id: dict[int, Candidate] = {}
    for rank, (doc_id, score) in enumerate(lexical_hits, start=1):
        c = by_id.setdefault(doc_id, Candidate(doc_id))
        c.lexical, c.lexical_rank = score, rank
        c.parts["lexical"] = (1 - semantic_weight) / (RRF_K + rank)
    for rank, (doc_id, sim, chunk_id) in enumerate(semantic_hits, start=1):
        c = by_id.setdefault(doc_id, Candidate(doc_id))
        c.semantic, c.semantic_rank, c.best_chunk_id = sim, rank, chunk_id
        c.parts["semantic"] = semantic_weight / (RRF_K + rank)
    if other_language and semantic_weight < 1:
        for c in by_id.values():
            if c.doc_id in other_language and c.lexical_rank is None and c.semantic_rank is not None:
                c.parts["lexical"] = (1 - semantic_weight) / (RRF_K + c.semantic_rank)
    for c in by_id.values():
        c.score = sum(c.parts.values())
    return sorted(by_id.values(), key=lambda c: (-c.score, c.doc_id))
