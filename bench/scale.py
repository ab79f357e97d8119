"""Scale benchmark: the semantic index at 1,000,000 solution profiles on PostgreSQL (pgvector HNSW), and at
100,000 in embedded mode (SQLite, in process: exact below ``engine.EXACT_PASSAGES``, above through the shortlist;
recall@10 against the exact search), to document when to switch.

Profiles are synthetic but clustered like real ones (2,000 topics, each profile a noisy variant of its
topic), so that "nearest neighbours" mean something and the HNSW recall is not flattered by uniform noise.
The rows go into the product's own tables (``search_docs``, ``search_chunks``) and the searches run through
the product's own functions (``engine.semantic`` with the HNSW path, ``engine._semantic_pg_exact`` as the
truth for recall@10). Writes ``bench/results/scale.json``.

    .venv/bin/python -m bench.scale              # 1M on PostgreSQL + 100k on SQLite (about an hour)
    .venv/bin/python -m bench.scale --pg 100000  # smaller run
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from typing import Any

import numpy as np

from bench.common import RESULTS, database, percentile, write

DIM = 384
TOPICS = 2000
MODEL = "synthetic-384"
NOISE = 0.9  # distance of a profile from its topic centre, relative to the centre's length


def vectors(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(1).standard_normal((TOPICS, DIM)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    out = centres[rng.integers(0, TOPICS, n)]
    out = out + rng.standard_normal((n, DIM)).astype(np.float32) * (NOISE / np.sqrt(DIM))
    return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)


def _doc_row(i: int) -> tuple[Any, ...]:
    title = f"Lösung {i}"
    body = f"Synthetisches Profil {i} für den Skalierungstest"
    return (
        i,
        "solution",
        i,
        title,
        body,
        "de",
        "",
        0,
        hashlib.sha256(body.encode()).hexdigest(),
        MODEL,
        i % 5 != 0,
        i % 1000 + 1,
        "startup",
        "pilot_ready",
        None,
        1 << (i % 5),
        0,
        "2026-11-29 00:00:00+00",
    )


DOC_COLUMNS = (
    "id, entity_type, entity_id, title, body, lang, tokens, n_tokens, content_hash, model, public, org_id, "
    "org_kind, maturity, status, hosting_bits, cert_bits, updated_at"
)


def fill_pg(url: str, n: int) -> float:
    """COPY n documents with one passage each into the product's tables; returns seconds."""
    import psycopg
    from pgvector.psycopg import register_vector

    started = time.perf_counter()
    dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(dsn) as conn:
        register_vector(conn)
        batch = 50_000
        with conn.cursor() as cur:
            for start in range(0, n, batch):
                stop = min(start + batch, n)
                vecs = vectors(stop - start, seed=1000 + start)
                with cur.copy(f"COPY search_docs ({DOC_COLUMNS}) FROM STDIN") as copy:
                    for i in range(start + 1, stop + 1):
                        copy.write_row(_doc_row(i))
                columns = "id, doc_id, chunk_no, text, model, dim, vector"
                with cur.copy(f"COPY search_chunks ({columns}) FROM STDIN WITH (FORMAT BINARY)") as copy:
                    copy.set_types(["int4", "int4", "int2", "text", "varchar", "int2", "vector"])
                    for j, i in enumerate(range(start + 1, stop + 1)):
                        copy.write_row((i, i, 0, "", MODEL, DIM, vecs[j]))
                conn.commit()
                print(f"  loaded {stop}/{n}", end="\r", file=sys.stderr, flush=True)
        print(file=sys.stderr)
        conn.execute("ANALYZE search_docs")
        conn.execute("ANALYZE search_chunks")
        conn.commit()
    return time.perf_counter() - started


def build_hnsw(url: str) -> tuple[float, int]:
    """Build the product's HNSW index; returns (seconds, bytes)."""
    from sqlalchemy import text

    from govlotse.db import db, unit_of_work
    from govlotse.matching import engine

    db.configure(url)
    started = time.perf_counter()
    with unit_of_work() as session:
        session.execute(text("SET maintenance_work_mem = '8GB'"))
        session.execute(text("SET max_parallel_maintenance_workers = 1"))  # leader + 1 = both cores
        engine.ensure_vector_index(session, DIM)
    seconds = time.perf_counter() - started
    with unit_of_work() as session:
        size = session.scalar(text(f"SELECT pg_relation_size('ix_search_chunks_hnsw_{DIM}')")) or 0
        table = session.scalar(text("SELECT pg_total_relation_size('search_chunks')")) or 0
    print(f"  HNSW built in {seconds:.0f} s, {size / 2**20:.0f} MiB (table with indexes {table / 2**20:.0f} MiB)")
    return seconds, int(size)


EF_SEARCH = (40, 100, 200, 400)


def exact_truth(url: str, queries: np.ndarray) -> tuple[list[set[int]], list[float]]:
    """The true top 10 of each query by an exact scan (the product's exact path), and its times."""
    from govlotse.core.actor import SYSTEM
    from govlotse.db import db, unit_of_work
    from govlotse.matching import engine

    db.configure(url)
    filters = engine.Filters(entity_types=("solution",))
    truth: list[set[int]] = []
    times: list[float] = []
    for q in queries:
        with unit_of_work() as session:
            t = time.perf_counter()
            where = engine.sql_conditions(filters, SYSTEM)
            reference = engine._reference_pg(session, MODEL, DIM)  # the hubness sample, as engine.semantic uses
            hits = engine._semantic_pg_exact(session, engine._distance(q), MODEL, DIM, where, 10, reference)
            times.append((time.perf_counter() - t) * 1000)
        truth.append({h[0] for h in hits})
    return truth, times


def search_pg(url: str, queries: np.ndarray, truth: list[set[int]], ef_search: int) -> dict[str, float]:
    """Search through the product's HNSW path; recall@10 on the first ``len(truth)`` queries."""
    from govlotse.config import settings
    from govlotse.core.actor import SYSTEM
    from govlotse.db import db, unit_of_work
    from govlotse.matching import engine

    db.configure(url)
    settings.search_ef_search = ef_search
    filters = engine.Filters(entity_types=("solution",))
    times: list[float] = []
    recalls: list[float] = []
    for n, q in enumerate(queries):
        with unit_of_work() as session:
            t = time.perf_counter()
            hits = engine.semantic(session, q, MODEL, filters, SYSTEM, 10)
            times.append((time.perf_counter() - t) * 1000)
        if n < len(truth):
            recalls.append(len({h[0] for h in hits} & truth[n]) / max(len(truth[n]), 1))
    return {
        "ef_search": ef_search,
        "queries": len(times),
        "p50_ms": round(percentile(times, 50), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "p99_ms": round(percentile(times, 99), 1),
        "recall_at_10": round(float(np.mean(recalls)), 4) if recalls else None,
    }


def run_pg(n: int, n_queries: int, recall_queries: int) -> dict[str, Any]:
    with database("postgresql") as url:
        load = fill_pg(url, n)
        print(f"  loaded {n} profiles in {load:.0f} s")
        build_s, size = build_hnsw(url)
        queries = vectors(n_queries, seed=99)
        truth, exact_ms = exact_truth(url, queries[:recall_queries])
        print(f"  exact search p50 {percentile(exact_ms, 50):.0f} ms")
        search_pg(url, queries[:20], [], 100)  # warm the buffer cache
        sweep = []
        for ef in EF_SEARCH:
            sweep.append(search_pg(url, queries, truth, ef))
            print(f"  {sweep[-1]}")
        return {
            "profiles": n,
            "load_s": round(load, 1),
            "hnsw_build_s": round(build_s, 1),
            "hnsw_index_mib": round(size / 2**20, 1),
            "hnsw": {"m": 16, "ef_construction": 64},
            "exact_p50_ms": round(percentile(exact_ms, 50), 1),
            "recall_queries": len(truth),
            "search": sweep,
        }


def run_sqlite(n: int, n_queries: int) -> dict[str, Any]:
    """The embedded mode: exact search over the in-process matrix (recall 1.0 by construction)."""
    import sqlite3

    from govlotse.core.actor import SYSTEM
    from govlotse.db import db, unit_of_work
    from govlotse.matching import engine

    with database("sqlite") as url:
        started = time.perf_counter()
        con = sqlite3.connect(url.removeprefix("sqlite:///"))
        batch = 50_000
        for start in range(0, n, batch):
            stop = min(start + batch, n)
            vecs = vectors(stop - start, seed=1000 + start)
            marks = ",".join("?" * 18)
            con.executemany(
                f"INSERT INTO search_docs ({DOC_COLUMNS}) VALUES ({marks})",
                (_doc_row(i) for i in range(start + 1, stop + 1)),
            )
            con.executemany(
                "INSERT INTO search_chunks (id, doc_id, chunk_no, text, model, dim, vector) VALUES (?,?,?,?,?,?,?)",
                ((i, i, 0, "", MODEL, DIM, vecs[j].tobytes()) for j, i in enumerate(range(start + 1, stop + 1))),
            )
            con.commit()
        con.close()
        load = time.perf_counter() - started
        db.configure(url)
        filters = engine.Filters(entity_types=("solution",))
        queries = vectors(n_queries, seed=99)
        started = time.perf_counter()
        with unit_of_work() as session:
            engine.semantic(session, queries[0], MODEL, filters, SYSTEM, 10)  # loads the matrix once
        first = time.perf_counter() - started
        times, found = [], []
        for q in queries:
            with unit_of_work() as session:
                t = time.perf_counter()
                found.append([doc for doc, _s, _c in engine.semantic(session, q, MODEL, filters, SYSTEM, 10)])
                times.append((time.perf_counter() - t) * 1000)
        shortlisted = any(m.projected is not None for m in engine._matrices.values())
        # The truth: the same search with every passage compared in full (no shortlist; reloads the vectors).
        exact_below, engine.EXACT_PASSAGES = engine.EXACT_PASSAGES, n + 1
        engine._matrices.clear()
        try:
            with unit_of_work() as session:
                truth = [
                    [doc for doc, _s, _c in engine.semantic(session, q, MODEL, filters, SYSTEM, 10)] for q in queries
                ]
        finally:
            engine.EXACT_PASSAGES = exact_below
            engine._matrices.clear()
        recall = np.mean([len(set(a) & set(b)) / len(b) for a, b in zip(found, truth, strict=True)])
        result = {
            "profiles": n,
            "load_s": round(load, 1),
            "matrix_load_s": round(first, 1),
            "matrix_mib": round(n * DIM * 4 / 2**20, 1),
            "shortlist": shortlisted,
            "search": {
                "queries": len(times),
                "p50_ms": round(percentile(times, 50), 1),
                "p95_ms": round(percentile(times, 95), 1),
                "p99_ms": round(percentile(times, 99), 1),
                "recall_at_10": round(float(recall), 3),
            },
            "measured": time.strftime("%Y-%m-%d"),
        }
        print(f"  sqlite {result}")
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", type=int, default=1_000_000, help="profiles in PostgreSQL")
    parser.add_argument("--sqlite", type=int, default=100_000, help="profiles in SQLite (0: skip)")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--recall-queries", type=int, default=100)
    args = parser.parse_args()
    out: dict[str, Any] = {"dim": DIM, "topics": TOPICS}
    previous = RESULTS / "scale.json"
    if previous.exists():  # a run of one part keeps the other's figures of an earlier run
        kept = json.loads(previous.read_text())
        out.update({part: kept[part] for part in ("sqlite", "postgresql") if part in kept})
    if args.sqlite:
        print(f"SQLite, {args.sqlite} profiles")
        out["sqlite"] = run_sqlite(args.sqlite, args.queries)
    if args.pg:
        print(f"PostgreSQL, {args.pg} profiles")
        out["postgresql"] = run_pg(args.pg, args.queries, args.recall_queries)
    print(f"wrote {write('scale', out)}")


if __name__ == "__main__":
    main()
