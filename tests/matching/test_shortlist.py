"""The shortlist of large embedded indexes: compared along the main directions first, then in full."""

from __future__ import annotations

import numpy as np
import pytest

from govlotse.matching import engine


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=-1, keepdims=True)).astype(np.float32)


@pytest.fixture
def big(monkeypatch) -> engine._Matrix:
    """1,500 documents of 1-3 passages, in topics around a common centre (as embeddings of one domain lie)."""
    monkeypatch.setattr(engine, "SHORTLIST", 300)
    rng = np.random.default_rng(11)
    centre = rng.normal(size=384)
    topics = centre + 0.9 * np.linalg.norm(centre) * _unit(rng.normal(size=(40, 384)))
    docs = np.repeat(np.arange(1500), rng.integers(1, 4, size=1500))
    noise = _unit(rng.normal(size=(len(docs), 384)))
    vectors = _unit(_unit(topics[rng.integers(0, 40, size=1500)][docs]) + 0.6 * noise)
    basis, projected = engine._projection(vectors, least=0)
    assert basis is not None and projected is not None and basis.shape == (384, engine.PROJECTED_DIM)
    return engine._Matrix(
        "g", "m", np.arange(1500) * 10, vectors, docs, np.arange(len(docs)) + 5000, basis=basis, projected=projected
    )


def _exact(m: engine._Matrix) -> engine._Matrix:
    return engine._Matrix("g", "m", m.doc_ids, m.vectors, m.chunk_doc, m.chunk_ids)


def test_the_shortlist_finds_what_the_exact_search_finds(big: engine._Matrix) -> None:
    rng = np.random.default_rng(3)
    allowed = np.ones(len(big.doc_ids), dtype=bool)
    kept = []
    for q in _unit(big.vectors[rng.integers(0, len(big.vectors), size=20)] + 0.5 * _unit(rng.normal(size=(20, 384)))):
        exact = engine.nearest_passages(_exact(big), q, allowed, 40)
        short = engine.nearest_passages(big, q, allowed, 40)
        assert short[:10] == exact[:10]
        kept.append(len({d for d, _s, _r in short} & {d for d, _s, _r in exact}) / 40)
        for doc, sim, row in short:  # each document with its own best passage's cosine
            assert big.chunk_doc[row] == doc
            assert sim == pytest.approx(float(big.vectors[row] @ q), abs=1e-5)
            assert sim == pytest.approx(float(np.max(big.vectors[big.chunk_doc == doc] @ q)), abs=1e-5)
    assert np.mean(kept) >= 0.95


def test_the_filters_apply_before_the_shortlist(big: engine._Matrix) -> None:
    """A filter leaving a few documents: those are compared in full (and so exactly); a wide one: only allowed
    documents, never fewer than asked for."""
    q = big.vectors[7]
    few = np.zeros(len(big.doc_ids), dtype=bool)
    few[::50] = True
    assert engine.nearest_passages(big, q, few, 40) == engine.nearest_passages(_exact(big), q, few, 40)
    wide = np.ones(len(big.doc_ids), dtype=bool)
    wide[big.chunk_doc[7]] = False  # the document of the passage asked for is excluded
    got = engine.nearest_passages(big, q, wide, 40)
    assert len(got) == 40 and all(wide[doc] for doc, _s, _r in got)
    assert [s for _d, s, _r in got] == sorted((s for _d, s, _r in got), reverse=True)


def test_small_indexes_and_evenly_spread_vectors_are_searched_exactly(big: engine._Matrix) -> None:
    vectors = big.vectors[:50]
    assert engine._projection(vectors) == (None, None)  # below EXACT_PASSAGES
    assert engine._projection(vectors[:, :64], least=0) == (None, None)  # too few dimensions to leave any out
    even = _unit(np.random.default_rng(1).normal(size=(3000, 384)))  # no main directions to shortlist along
    assert engine._projection(even, least=0) == (None, None)


def test_large_products_are_split_in_halves_with_the_same_result(big: engine._Matrix, monkeypatch) -> None:
    """From SPLIT_ROWS rows the product runs in two halves on two threads: the same numbers (up to the last bit a
    BLAS kernel may round differently), and the same nearest passages as one product gives."""
    rng = np.random.default_rng(5)
    matrix = rng.normal(size=(1001, 64)).astype(np.float32)
    vector = rng.normal(size=64).astype(np.float32)
    monkeypatch.setattr(engine, "SPLIT_ROWS", 10)
    assert np.allclose(engine._matvec(matrix, vector), matrix @ vector, rtol=1e-6, atol=1e-6)
    query = big.vectors[42]
    allowed = np.ones(len(big.doc_ids), dtype=bool)
    split = engine.nearest_passages(big, query, allowed, 50)
    monkeypatch.setattr(engine, "SPLIT_ROWS", 10**9)
    whole = engine.nearest_passages(big, query, allowed, 50)
    assert [(doc, row) for doc, _sim, row in split] == [(doc, row) for doc, _sim, row in whole]
    assert [sim for _doc, sim, _row in split] == pytest.approx([sim for _doc, sim, _row in whole], abs=1e-6)
