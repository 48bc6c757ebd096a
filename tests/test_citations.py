"""Citation markers are parsed, invalid ones removed, and each sentence checked against its passage."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rag.citations import MARKER, check_citations, parse_marker
from rag.types import Chunk, Hit

pytestmark = pytest.mark.unit


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
        "Vrijwilligers onderhouden de moestuin aan de Lindelaan. [3] "
        "De wijkraad vergadert in het buurthuis. [1]",
        PASSAGES,
    )
    assert [c.n for c in report.citations] == [1, 3]
    assert all(c.supported for c in report.citations) and not report.unsupported_sentences


# --- properties (hypothesis) -------------------------------------------------------------------

TWO_PASSAGES = [
    Hit(n, 1.0, Chunk(f"c{n}", "d.txt", "T", (), 0, 40, text))
    for n, text in enumerate(["De wijkraad vergadert elke maand.", "Bewoners dienen plannen in."], start=1)
]
ANSWER = st.lists(
    st.sampled_from(list("[]0123456789,-–& .?!\nabc") + ["[1]", "[2]", "[3]", "[1-2]", "[99]", "wijkraad "]),
    max_size=120,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(answer=ANSWER)
@example(answer="Een claim [3[99]].")  # removing [99] must not leave an unchecked [3]
def test_citation_check_never_raises_and_keeps_only_existing_passages(answer):
    report = check_citations(answer, TWO_PASSAGES)
    assert all(1 <= c.n <= len(TWO_PASSAGES) for c in report.citations)
    assert all(n < 1 or n > len(TWO_PASSAGES) for n in report.removed)


@given(body=st.text(alphabet=st.sampled_from(list("0123456789,-–& ")), max_size=40))
@example(body="1-2-3")
def test_marker_parser_never_raises_on_marker_bodies(body):
    match = MARKER.fullmatch(f"[{body}]")
    if match:
        assert all(isinstance(n, int) for n in parse_marker(match.group(1)))
