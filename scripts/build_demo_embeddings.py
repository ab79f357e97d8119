"""Build src/govlotse/demo/data/embeddings.npz: the vectors of every demo passage.

Run after changing demo data or the default embedder:  python scripts/build_demo_embeddings.py [--fresh]
It loads the demo into a throwaway SQLite database, indexes it with the production pipeline (the
same passages, the same cache keys; needs and solutions also get the query vectors their pages search
with) and stores the vectors in use as float16 (4,000 passages ≈ 3 MB). Vectors already in the shipped file
are reused unless --fresh (use --fresh after changing the embedder).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def main() -> None:
    import govlotse.services  # noqa: F401
    from govlotse.core.migrate import upgrade
    from govlotse.db import db, unit_of_work
    from govlotse.demo import service as demo
    from govlotse.matching import index
    from govlotse.matching.embedder import get_embedder
    from govlotse.matching.models import EmbeddingCache, SearchChunk

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/demo.sqlite3"
        upgrade(url)
        db.configure(url)
        with unit_of_work() as session:
            demo.load(session=session)
        embedder = get_embedder()
        if "--fresh" not in sys.argv:
            with unit_of_work() as session:
                print(f"{demo.prefill_embedding_cache(session=session, model=embedder.name)} vectors reused")
        done = [0]

        def progress(name: str, total: int):  # type: ignore[no-untyped-def]
            print(f"indexing {total} {name} records", flush=True)
            return lambda n: done.__setitem__(0, done[0] + n)

        report = index.rebuild(embedder=embedder, progress=progress)
        print(f"{report.embedded_passages} passages and {report.embedded_queries} query texts embedded")
        with unit_of_work() as session:
            in_use = {index.passage_key(text) for text in session.scalars(select(SearchChunk.text))}
            for kind in index.QUERY_TEXTS:
                in_use |= {index.query_key(t) for t in index.query_texts(session, kind, index.all_ids(session, kind))}
            rows = [
                row
                for row in session.execute(
                    select(EmbeddingCache.content_hash, EmbeddingCache.vector)
                    .where(EmbeddingCache.model == embedder.name)
                    .order_by(EmbeddingCache.content_hash)
                ).all()
                if row[0] in in_use
            ]
    out = ROOT / "src" / "govlotse" / "demo" / "data" / demo.EMBEDDINGS_FILE
    np.savez_compressed(
        out,
        model=np.array(embedder.name),
        keys=np.array([r[0] for r in rows]),
        vectors=np.vstack([r[1] for r in rows]).astype(np.float16),
    )
    print(f"wrote {out} ({len(rows)} vectors, {out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
