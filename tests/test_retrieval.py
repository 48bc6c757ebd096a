"""Retrieval over the sample corpus: the right passage first, in Dutch and in English."""

from __future__ import annotations

import pytest

from rag.retrieval.bm25 import BM25Index, tokenize
from rag.retrieval.fusion import weighted_rrf, weighted_score_fusion

MASSY = "talentprogramma-burgerparticipatie-gemeente-massy.txt"
WIKISTAD = "wikistad-een-andere-overheid-amsterdam-nieuw-west.txt"

QUESTIONS = [
    # (question, document, words the passage must contain)
    (
        "Wat zijn de belangrijkste taken van de beleidsmedewerker bij de gemeente Massy?",
        MASSY,
        "drie hoofdtaken",
    ),
    ("Hoeveel medewerkers heeft de gemeentelijke dienst in Amsterdam?", WIKISTAD, "500 werknemers"),
    ("Wat vond de deelnemer het interessantst tijdens de training?", MASSY, "verantwoordingsmechanismen"),
    ("What are the main duties of the policy officer in Massy?", MASSY, "drie hoofdtaken"),
    ("Who prepared the meal before the afternoon in Slotermeer?", WIKISTAD, "bereidde de maaltijd"),
]


@pytest.mark.parametrize("mode", ["hybrid", "dense"])
@pytest.mark.parametrize(("question", "doc", "needle"), QUESTIONS)
def test_right_passage_ranks_first(sample_retriever, mode, question, doc, needle):
    hits = sample_retriever.search(question, k=3, mode=mode)
    assert hits[0].chunk.doc == doc
    assert needle in hits[0].chunk.text


def test_hits_carry_ranks_offsets_and_scores(sample_retriever):
    hits = sample_retriever.search("burgerkracht en eigen kracht van bewoners", k=4, mode="hybrid")
    assert [h.rank for h in hits] == [1, 2, 3, 4]
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:]))
    assert all(h.dense_rank or h.bm25_rank for h in hits)
    document = sample_retriever.index.documents[hits[0].chunk.doc]
    assert hits[0].chunk.start < hits[0].chunk.end <= len(document.text)


def test_bm25_mode_finds_literal_terms(sample_retriever):
    hits = sample_retriever.search("Gemert-Bakel gehandicapte inwoners", k=2, mode="bm25")
    assert hits[0].chunk.doc == MASSY and "gehandicapte" in hits[0].chunk.text
    assert hits[0].bm25_rank == 1 and hits[0].dense_rank is None


def test_tokenizer_folds_accents_drops_stopwords_and_stems():
    assert tokenize("De ideeën van de bewoners") == tokenize("ideeen bewoner")
    assert "de" not in tokenize("de het een") and tokenize("de het een") == []
    assert tokenize("gemeenten") == tokenize("gemeente")


def test_bm25_ranks_the_document_with_the_rare_term_first():
    index = BM25Index(["de wijkraad vergadert", "het buurtbudget voor de Vogelbuurt", "koffie"])
    assert index.search("buurtbudgetten", 3)[0][0] == 1
    assert index.search("de het", 3) == []


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
