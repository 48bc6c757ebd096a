"""Fusion of the dense and BM25 lists: pure functions over (row, score) lists."""

from __future__ import annotations

import pytest

from rag.retrieval.fusion import weighted_rrf, weighted_score_fusion, within_dense_shortlist

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


def test_bm25_reorders_only_the_dense_shortlist():
    dense = [(row, 0.9 - row * 0.01) for row in range(10)]  # a near-tie: BM25 decides the order
    lexical = [(8, 30.0), (3, 29.0), (9, 10.0), (42, 1.0)]  # sure of 8, which dense ranks low
    fused = weighted_score_fusion(dense, lexical, dense_weight=0.5)
    assert {f.row for f in fused[:5]} != set(range(5))  # plain fusion pushes dense's top 5 out

    shortlisted = within_dense_shortlist(fused, dense, shortlist=5)

    assert {f.row for f in shortlisted[:5]} == set(range(5))  # recall@5 is dense's
    assert shortlisted[0].row == 3  # BM25's favourite among them comes first
    assert sorted(f.row for f in shortlisted) == sorted(f.row for f in fused)  # nothing lost


@pytest.mark.parametrize("fuse", [weighted_score_fusion, weighted_rrf])
def test_bm25_lifts_only_its_own_best_passages(fuse):
    """A passage BM25 ranks below its top `lexical_top` never passes dense's top hit on that."""
    dense = [(row, 0.90 - row * 0.001) for row in range(5)] + [(row, 0.5) for row in range(5, 10)]
    # dense's best five are a near-tie: BM25 could decide their order
    lexical = [(7, 30.0), (8, 29.5), (9, 29.0), (4, 28.5), (0, 1.0)]  # 4 is BM25's 4th

    def dense_rows_in_order(**top) -> list[int]:
        return [f.row for f in within_dense_shortlist(fuse(dense, lexical, 0.5, **top), dense, 5)][:5]

    assert dense_rows_in_order(lexical_top=4)[0] == 4  # counted: it passes dense's top hit
    assert dense_rows_in_order(lexical_top=3) == [0, 1, 2, 3, 4]  # not counted: dense's order stands
