"""Maximal marginal relevance against a planted near-duplicate."""

from __future__ import annotations

import numpy as np
import pytest

from rag.retrieval.diversity import mmr

pytestmark = pytest.mark.unit


def unit(vectors: np.ndarray) -> np.ndarray:
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype("float32")


def test_mmr_demotes_a_planted_near_duplicate():
    rng = np.random.default_rng(7)
    base = unit(rng.normal(size=(3, 64)))
    duplicate = unit(base[0:1] + 0.01 * rng.normal(size=(1, 64)))
    vectors = np.vstack([base, duplicate])  # row 3 is a near copy of row 0
    rows, relevance = [0, 3, 1, 2], [1.0, 0.99, 0.8, 0.7]

    assert mmr(rows, relevance, vectors[rows], k=3, weight=1.0) == [0, 3, 1]
    assert mmr(rows, relevance, vectors[rows], k=3, weight=0.7) == [0, 1, 2]
