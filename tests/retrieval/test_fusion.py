"""Fusion of the dense and BM25 lists: pure functions over (row, score) lists."""

from __future__ import annotations

import pytest

from rag.retrieval.fusion import lexical_evidence_is_strong, weighted_rrf, weighted_score_fusion

pytestmark = pytest.mark.unit


def test_weighted_fusion_favours_the_dense_list_and_keeps_both_ranks():
    dense = [(1, 0.9), (2, 0.8), (3, 0.7)]
    lexical = [(3, 12.0), (4, 9.0)]
    fused = weighted_rrf(dense, lexical, dense_weight=0.7)
    assert [f.row for f in fused] == [3, 1, 2, 4]
    assert (fused[0].dense_rank, fused[0].bm25_rank) == (3, 1)
    assert fused[-1].dense_rank is None and fused[-1].bm25_rank == 2
    only_dense = weighted_rrf(dense, lexical, dense_weight=1.0)
    assert [f.row for f in only_dense][:3] == [1, 2, 3]


def test_score_fusion_keeps_a_clear_dense_winner_and_lets_bm25_break_near_ties():
    dense = [(1, 0.80), (2, 0.60), (3, 0.59), (4, 0.40)]  # scaled: 1.0, 0.5, 0.475, 0.0
    lexical = [(3, 20.0), (5, 4.0)]  # scaled: 1.0, 0.0
    fused = weighted_score_fusion(dense, lexical, dense_weight=0.9)
    assert [f.row for f in fused][:3] == [1, 3, 2]  # 3 passes its near-tie 2, not the clear 1
    assert (fused[1].dense_rank, fused[1].bm25_rank) == (3, 1)
    assert [f.row for f in weighted_score_fusion(dense, [], 0.9)] == [1, 2, 3, 4]


def test_bm25_evidence_is_strong_only_when_its_best_score_stands_out():
    flat = [(row, 10.0 - row * 0.1) for row in range(20)]  # common words in many passages
    peaked = [(0, 25.0), *((row, 9.0 - row * 0.1) for row in range(1, 20))]  # a rare name in one
    assert not lexical_evidence_is_strong(flat, min_peak=1.5)
    assert lexical_evidence_is_strong(peaked, min_peak=1.5)
    assert lexical_evidence_is_strong(flat, min_peak=1.0)  # 1.0: BM25 always takes part
    assert lexical_evidence_is_strong(flat[:3], min_peak=1.5)  # matched in only three passages
    assert not lexical_evidence_is_strong([], min_peak=1.5)
