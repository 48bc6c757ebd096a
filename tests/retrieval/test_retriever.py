"""Retrieval over the sample corpus with the real model: the right passage first, in Dutch and
English; diversity and filters at work."""

from __future__ import annotations

from itertools import pairwise

import pytest

from rag.retrieval.filters import Where
from rag.retrieval.retriever import Retriever

pytestmark = pytest.mark.integration

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
    assert all(a.score >= b.score for a, b in pairwise(hits))
    assert all(h.dense_rank or h.bm25_rank for h in hits)
    document = sample_retriever.index.documents[hits[0].chunk.doc]
    assert hits[0].chunk.start < hits[0].chunk.end <= len(document.text)


def test_bm25_mode_finds_literal_terms(sample_retriever):
    hits = sample_retriever.search("Gemert-Bakel gehandicapte inwoners", k=2, mode="bm25")
    assert hits[0].chunk.doc == MASSY and "gehandicapte" in hits[0].chunk.text
    assert hits[0].bm25_rank == 1 and hits[0].dense_rank is None


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


@pytest.mark.parametrize(("question", "doc", "needle"), QUESTIONS)
def test_hybrid_top_five_are_dense_top_five_reordered(sample_retriever, question, doc, needle):
    hybrid = sample_retriever.search(question, k=10, mode="hybrid")
    dense = sample_retriever.search(question, k=10, mode="dense")

    assert {h.chunk.id for h in hybrid[:5]} == {h.chunk.id for h in dense[:5]}
