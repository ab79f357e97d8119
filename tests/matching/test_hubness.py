"""The hubness correction: a passage close to everything loses ground to one close to the query only."""

from __future__ import annotations

import numpy as np
import pytest

from govlotse.config import settings
from govlotse.matching import engine


def _unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v)).astype(np.float32)


@pytest.fixture
def space() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    centre = _unit(rng.normal(size=64))
    # the index: passages spread around a common centre, as embeddings of one domain are
    reference = np.vstack([_unit(centre + 0.8 * _unit(rng.normal(size=64))) for _ in range(300)])
    query = _unit(centre + 0.8 * _unit(rng.normal(size=64)))
    specific = _unit(query + 0.9 * _unit(rng.normal(size=64)))  # close to the query, far from the rest
    hub = _unit(centre + 0.2 * query)  # near the centre: close to the query and to everything else
    return {"reference": reference, "query": query, "specific": specific, "hub": hub}


def test_a_hub_is_ranked_below_a_specific_match(space: dict[str, np.ndarray]) -> None:
    vectors = np.vstack([space["hub"], space["specific"]])
    sims = vectors @ space["query"]
    assert sims[0] > sims[1]  # by plain similarity the hub wins
    hits = [(1, float(sims[0]), 11), (2, float(sims[1]), 12)]
    ranked = engine.calibrate(hits, vectors, space["reference"], k=2)
    assert [doc for doc, _sim, _chunk in ranked] == [2, 1]
    assert ranked[1][1] == pytest.approx(float(sims[0]))  # the similarity shown stays the plain cosine


def test_weight_zero_keeps_the_plain_order(space: dict[str, np.ndarray], monkeypatch) -> None:
    monkeypatch.setattr(settings, "search_hubness_weight", 0.0)
    vectors = np.vstack([space["hub"], space["specific"]])
    sims = vectors @ space["query"]
    hits = [(1, float(sims[0]), 11), (2, float(sims[1]), 12)]
    assert engine.calibrate(hits, vectors, space["reference"], k=2) == hits


def test_the_sample_is_fixed_and_spread_over_the_index() -> None:
    small = engine._sample_ids(5, 100)
    assert list(small) == list(range(5, 101))
    big = engine._sample_ids(1, 1_000_000)
    assert len(big) == engine.HUB_SAMPLE and big.min() >= 1 and big.max() <= 1_000_000
    assert np.array_equal(big, engine._sample_ids(1, 1_000_000))
    assert big.max() - big.min() > 900_000


def test_a_passages_hubness_is_computed_once_per_generation(space: dict[str, np.ndarray]) -> None:
    """The hubness of a passage depends only on it and the sample: later searches take it from the memo."""
    vectors = np.vstack([space["hub"], space["specific"]])
    sims = vectors @ space["query"]
    hits = [(1, float(sims[0]), 11), (2, float(sims[1]), 12)]
    asked: list[list[int]] = []

    def vectors_of(positions: list[int]) -> np.ndarray:
        asked.append(positions)
        return vectors[positions]

    memo: dict[int, float] = {}
    first = engine.calibrate(hits, vectors_of, space["reference"], k=2, memo=memo)
    assert asked == [[0, 1]] and set(memo) == {11, 12}
    again = engine.calibrate(hits, vectors_of, space["reference"], k=2, memo=memo)
    assert again == first == engine.calibrate(hits, vectors, space["reference"], k=2)
    assert asked == [[0, 1]]  # nothing read the second time
