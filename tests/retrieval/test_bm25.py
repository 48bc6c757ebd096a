"""Lexical retrieval: Dutch tokens (accents folded, stopwords dropped, stems) and BM25 ranking, equal to
the bm25s reference, after an update and after a reload."""

from __future__ import annotations

import bm25s
import numpy as np
import pytest

from rag.retrieval.bm25 import BM25Index
from rag.terms import TermCounts, tokenize

pytestmark = pytest.mark.unit


def test_tokenizer_folds_accents_drops_stopwords_and_stems():
    assert tokenize("De ideeën van de bewoners") == tokenize("ideeen bewoner")
    assert "de" not in tokenize("de het een") and tokenize("de het een") == []
    assert tokenize("gemeenten") == tokenize("gemeente")


def test_bm25_ranks_the_document_with_the_rare_term_first():
    index = BM25Index.from_texts(["de wijkraad vergadert", "het buurtbudget voor de Vogelbuurt", "koffie"])
    assert index.search("buurtbudgetten", 3)[0][0] == 1
    assert index.search("de het", 3) == []


PASSAGES = [
    "De wijkraad vergadert elke maand in het buurthuis over het buurtbudget.",
    "Bewoners van de Vogelbuurt dienen ideeën in voor het speelveld aan de Lindelaan.",
    "Het buurtbudget van de gemeente is bedoeld voor bewonersinitiatieven in de wijk.",
    "De gemeenteraad bespreekt de voorstellen van de bewoners vóór de zomer.",
    "Koffie en thee staan klaar; de wijkagent vertelt over inbraken in de buurt.",
    "",
]
QUERIES = [
    "buurtbudget wijk",
    "ideeën bewoners speelveld",
    "gemeenteraad zomer voorstellen",
    "inbraak koffie",
]


def test_bm25_scores_equal_the_bm25s_reference():
    reference = bm25s.BM25()  # defaults: method "lucene", k1 1.5, b 0.75
    reference.index([tokenize(text) or [""] for text in PASSAGES[:-1]], show_progress=False)
    index = BM25Index.from_texts(PASSAGES[:-1])

    for query in QUERIES:
        expected = reference.get_scores(tokenize(query))
        found = dict(index.search(query, len(PASSAGES)))
        assert {row for row, score in enumerate(expected) if score > 0} == set(found)
        for row, score in found.items():
            assert score == pytest.approx(float(expected[row]), rel=1e-5)


def test_updated_term_counts_search_as_counts_made_from_scratch():
    """An update keeps the counts of unchanged passages and counts only the new ones."""
    old = TermCounts.count(PASSAGES[:4])
    kept = np.array([0, 2, 3])
    updated = old.updated(kept, PASSAGES[4:])
    fresh = TermCounts.count([PASSAGES[i] for i in kept] + PASSAGES[4:])

    for query in QUERIES:
        assert BM25Index(updated).search(query, 5) == BM25Index(fresh).search(query, 5)


def test_term_counts_saved_and_loaded_give_identical_results(tmp_path):
    counts = TermCounts.count(PASSAGES).updated(
        np.array([1, 2, 4, 5]), ["Nieuwe notulen over het speelveld."]
    )
    counts.save(tmp_path / "bm25.npz")
    loaded = TermCounts.load(tmp_path / "bm25.npz")

    assert loaded.terms == counts.terms
    assert (loaded.counts != counts.counts).nnz == 0
    for query in [*QUERIES, "notulen speelveld"]:
        assert BM25Index(loaded).search(query, 5) == BM25Index(counts).search(query, 5)
