"""Lexical retrieval: Dutch tokens (accents folded, stopwords dropped, stems) and BM25 ranking."""

from __future__ import annotations

import pytest

from rag.retrieval.bm25 import BM25Index
from rag.terms import tokenize

pytestmark = pytest.mark.unit


def test_tokenizer_folds_accents_drops_stopwords_and_stems():
    assert tokenize("De ideeën van de bewoners") == tokenize("ideeen bewoner")
    assert "de" not in tokenize("de het een") and tokenize("de het een") == []
    assert tokenize("gemeenten") == tokenize("gemeente")


def test_bm25_ranks_the_document_with_the_rare_term_first():
    index = BM25Index.from_texts(["de wijkraad vergadert", "het buurtbudget voor de Vogelbuurt", "koffie"])
    assert index.search("buurtbudgetten", 3)[0][0] == 1
    assert index.search("de het", 3) == []
