"""Diversity (MMR), document filters and approximate search, each against a plain reference."""

from __future__ import annotations

import numpy as np
import pytest

from rag.errors import ConfigError
from rag.retrieval.diversity import mmr
from rag.retrieval.filters import Where, parse_where
from rag.retrieval.retriever import Retriever
from rag.store import build_faiss

MASSY = "talentprogramma-burgerparticipatie-gemeente-massy.txt"
WIKISTAD = "wikistad-een-andere-overheid-amsterdam-nieuw-west.txt"


def unit(vectors: np.ndarray) -> np.ndarray:
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype("float32")


def test_mmr_demotes_a_planted_near_duplicate():
    rng = np.random.default_rng(7)
    base = unit(rng.normal(size=(3, 64)))
    duplicate = unit(base[0:1] + 0.01 * rng.normal(size=(1, 64)))
    vectors = np.vstack([base, duplicate])  # row 3 is a near copy of row 0
    rows, relevance = [0, 3, 1, 2], [1.0, 0.99, 0.8, 0.7]

    assert mmr(rows, relevance, vectors, k=3, weight=1.0) == [0, 3, 1]
    assert mmr(rows, relevance, vectors, k=3, weight=0.7) == [0, 1, 2]


def test_mmr_in_the_retriever_spreads_results_over_documents(sample_retriever):
    question = "Wat leerde de deelnemer over burgerparticipatie in Nederland?"
    plain = sample_retriever.search(question, k=3, mode="dense")
    diverse_settings = sample_retriever.settings.model_copy(update={"mmr_lambda": 0.5})
    diverse = Retriever(sample_retriever.index, sample_retriever.embedder, diverse_settings)
    spread = diverse.search(question, k=3, mode="dense")
    assert spread[0].chunk.id == plain[0].chunk.id  # the best passage stays first
    assert len({h.chunk.doc for h in spread}) >= len({h.chunk.doc for h in plain})
    assert len({h.chunk.doc for h in spread}) == 2


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_filters_restrict_results(sample_retriever, mode):
    question = "burgerparticipatie en betrokkenheid van bewoners"
    only_wikistad = sample_retriever.search(question, k=5, mode=mode, where=Where(path="wikistad*"))
    assert only_wikistad and {h.chunk.doc for h in only_wikistad} == {WIKISTAD}
    by_year = sample_retriever.search(question, k=5, mode=mode, where=Where(year=2016))
    assert by_year and {h.chunk.doc for h in by_year} == {MASSY}  # "Jaar van deelname: 2016"
    by_title = sample_retriever.search(question, k=5, mode=mode, where=Where(title="MOBILISATIE"))
    assert {h.chunk.doc for h in by_title} == {MASSY}
    assert sample_retriever.search(question, k=5, mode=mode, where=Where(year=1999)) == []


def test_where_expressions_parse_and_bad_ones_name_the_fix():
    assert parse_where(["path:verslagen/*.pdf", "year:2016"]) == Where("verslagen/*.pdf", None, 2016)
    assert parse_where(None) is None
    with pytest.raises(ConfigError, match="path:GLOB"):
        parse_where(["auteur:Jan"])
    with pytest.raises(ConfigError, match="2016"):
        parse_where(["year:vorig jaar"])


def test_hnsw_agrees_with_exact_search():
    rng = np.random.default_rng(42)
    vectors = unit(rng.normal(size=(10_000, 128)))
    queries = unit(vectors[rng.choice(len(vectors), 100)] + 0.3 * rng.normal(size=(100, 128)))
    _, exact = build_faiss(vectors, "flat").search(queries, 10)
    _, approximate = build_faiss(vectors, "hnsw").search(queries, 10)
    recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approximate, exact)])
    assert recall >= 0.95
