"""Citation markers are parsed, invalid ones removed, and each sentence checked against its passage."""

from __future__ import annotations

import pytest

from rag.citations import check_citations, parse_marker
from rag.types import Chunk, Hit


def passage(n: int, text: str) -> Hit:
    return Hit(n, 1.0, Chunk(f"c{n}", f"doc{n}.txt", f"Titel {n}", (), 0, len(text), text))


PASSAGES = [
    passage(1, "De wijkraad van Zuid vergadert elke eerste maandag van de maand in het buurthuis."),
    passage(2, "Het buurtbudget bedraagt vijftigduizend euro per jaar en wordt verdeeld door bewoners."),
    passage(3, "Vrijwilligers onderhouden de moestuin aan de Lindelaan."),
]


@pytest.mark.parametrize(
    ("body", "numbers"),
    [("1", [1]), ("1, 3", [1, 3]), ("2-3", [2, 3]), ("1–3", [1, 2, 3]), ("2,3 , 1", [2, 3, 1])],
)
def test_parse_marker_forms(body, numbers):
    assert parse_marker(body) == numbers


def test_supported_sentences_map_to_their_passages():
    report = check_citations(
        "De wijkraad vergadert elke eerste maandag in het buurthuis [1]. "
        "Bewoners verdelen het buurtbudget van vijftigduizend euro [2, 3].",
        PASSAGES,
    )
    assert [c.n for c in report.citations] == [1, 2, 3]
    assert report.citations[0].supported and report.citations[1].supported
    assert not report.citations[2].supported  # passage 3 says nothing about the budget
    assert report.unsupported_sentences == [] and report.removed == []
    assert report.citations[1].doc == "doc2.txt" and report.citations[1].end == len(PASSAGES[1].chunk.text)


def test_marker_to_a_missing_passage_is_removed_and_reported():
    report = check_citations("Vrijwilligers onderhouden de moestuin [3][7].", PASSAGES)
    assert report.text == "Vrijwilligers onderhouden de moestuin [3]."
    assert report.removed == [7]


def test_unbacked_and_uncited_sentences_are_flagged():
    report = check_citations(
        "De burgemeester opent morgen een zwembad [1]. Het buurtbudget is vijftigduizend euro.",
        PASSAGES,
    )
    assert report.unsupported_sentences == [
        "De burgemeester opent morgen een zwembad [1].",
        "Het buurtbudget is vijftigduizend euro.",
    ]
    assert not report.citations[0].supported


def test_marker_after_the_full_stop_belongs_to_that_sentence():
    report = check_citations(
        "Vrijwilligers onderhouden de moestuin aan de Lindelaan. [3] De wijkraad vergadert in het buurthuis. [1]",
        PASSAGES,
    )
    assert [c.n for c in report.citations] == [1, 3]
    assert all(c.supported for c in report.citations) and not report.unsupported_sentences
