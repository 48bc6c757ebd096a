"""Maximal marginal relevance: near-duplicate chunks of one document must not crowd out others."""

from __future__ import annotations

import numpy as np


def mmr(rows: list[int], relevance: list[float], vectors: np.ndarray, k: int, weight: float) -> list[int]:
    """Pick k of `rows` (best first), trading relevance against similarity to those picked;
    `vectors` holds the vector of each of `rows`, in the same order.

    `weight` 1.0 keeps the relevance order; lower values penalise redundancy more. Relevance is
    scaled to [0, 1] so fused rank scores and cosine similarities are comparable.
    """
    if weight >= 1.0 or len(rows) <= 1:
        return rows[:k]
    top = max(relevance) or 1.0
    scaled = np.asarray(relevance, dtype="float32") / top
    similarity = vectors @ vectors.T
    chosen: list[int] = []
    redundancy = np.full(len(rows), -np.inf, dtype="float32")
    remaining = np.ones(len(rows), dtype=bool)
    for _ in range(min(k, len(rows))):
        penalty = np.where(np.isfinite(redundancy), redundancy, 0.0)
        score = np.where(remaining, weight * scaled - (1.0 - weight) * penalty, -np.inf)
        best = int(np.argmax(score))
        chosen.append(best)
        remaining[best] = False
        redundancy = np.maximum(redundancy, similarity[best])
    return [rows[i] for i in chosen]
