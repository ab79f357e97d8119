"""Shared helpers for the benchmarks: throwaway databases of both kinds, a synthetic embedder, output."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).parent / "results"
SHARED = Path(os.environ.get("GOVLOTSE_SHARED", Path(__file__).resolve().parents[2] / "shared"))


@contextmanager
def database(kind: str, keep: Path | None = None) -> Iterator[str]:
    """A migrated database URL: a SQLite file, or a PostgreSQL 16 started with pgserver. Throwaway, or kept in the
    folder ``keep`` (created on first use, reused by the next run: see bench/latency.py --keep)."""
    from govlotse.core.migrate import upgrade

    with tempfile.TemporaryDirectory(prefix=f"govlotse-bench-{kind}-") as scratch:
        folder = Path(scratch) if keep is None else keep
        fresh = not folder.exists() or not any(folder.iterdir())
        folder.mkdir(parents=True, exist_ok=True)
        if kind == "sqlite":
            url = f"sqlite:///{folder}/bench.sqlite3"
            upgrade(url)
            yield url
            return
        import pgserver

        cleanup = "stop" if keep is None else None
        server = pgserver.get_server(folder, cleanup_mode=cleanup)
        if fresh:
            # Configured as docs/operations.md recommends: shared_buffers a quarter of the RAM (pgserver: 128 MB).
            ram_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
            server.psql(f"ALTER SYSTEM SET shared_buffers = '{ram_mb // 4}MB';")
            server.cleanup()  # a restart applies it
            server = pgserver.get_server(folder, cleanup_mode=cleanup)
            server.psql("CREATE DATABASE bench;")
        try:
            url = server.get_uri("bench").replace("postgresql://", "postgresql+psycopg://", 1)
            upgrade(url)
            yield url
        finally:
            server.cleanup()


class SyntheticEmbedder:
    """Deterministic pseudo-random unit vectors, for measuring scale, not quality. They lie as a real model's do:
    around a common direction (two of them at cosine 0.75 on average) and spread unevenly over the dimensions, the
    main third carrying 71 % of the variance, as with the default model's vectors of the evaluation corpora (so that
    the embedded mode's shortlist works on them as on real ones; bench/shortlist.py)."""

    name = "synthetic-384"
    dim = 384
    _spread = np.arange(1, dim + 1, dtype=np.float32) ** -0.38
    _spread *= np.float32(np.sqrt(1 / 3) / np.linalg.norm(_spread))  # spread² : common part² = 1 : 3
    _common = np.full(dim, 1 / np.sqrt(dim), dtype=np.float32)

    def _vec(self, text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
        v = self._common + self._spread * np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
        return v / np.linalg.norm(v)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return np.vstack([self._vec("q" + t) for t in texts])

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return np.vstack([self._vec("p" + t) for t in texts])


def machine() -> dict[str, object]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": time.strftime("%Y-%m-%d"),
    }


def write(name: str, data: dict[str, object]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **data}, indent=2, ensure_ascii=False) + "\n")
    return path


def percentile(values: list[float], p: float) -> float:
    return float(np.percentile(np.array(values), p)) if values else float("nan")
