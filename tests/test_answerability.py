"""Answerability: the signals a near-miss question gives away, and the three outcomes."""

from __future__ import annotations

import pytest

from rag.answerability import Thresholds, judge, signals
from rag.types import Chunk, Hit

pytestmark = pytest.mark.unit

BRP = (
    "Een uittreksel uit de Basisregistratie Personen (BRP) vraagt u aan bij uw gemeente. "
    "U heeft een geldig identiteitsbewijs nodig. Het uittreksel is direct klaar."
)


def hits(text: str, similarity: float) -> list[Hit]:
    chunk = Chunk("c1", "brp.md", "BRP", (), 0, len(text), text)
    return [Hit(1, 1.0, chunk, dense_rank=1, dense_score=similarity)]


@pytest.mark.parametrize(
    ("question", "passage", "found"),
    [
        ("Wat kost een uittreksel uit de BRP?", BRP, 0.0),
        ("Wat kost een uittreksel uit de BRP?", BRP + " Een uittreksel kost € 14,50.", 1.0),
        ("How much does a BRP extract cost?", BRP.replace("direct klaar", "gratis"), 1.0),
        ("Sinds wanneer bestaat de BRP?", BRP, 0.0),
        ("Sinds wanneer bestaat de BRP?", BRP + " De BRP bestaat sinds 6 januari 2014.", 1.0),
        ("Hoeveel uittreksels vroegen inwoners in 2023 aan?", BRP + " Dat was in 2023.", 0.0),
        ("Waar vraag ik een uittreksel aan?", BRP, 1.0),  # asks for no particular kind
    ],
)
def test_a_question_asking_for_an_amount_number_or_date_needs_one_near_its_words(
    question: str, passage: str, found: float
) -> None:
    assert signals(question, hits(passage, 0.6), [0.6, 0.3], "nl")["expected_kind_found"] == found


def test_outcomes_follow_the_score_and_the_thresholds() -> None:
    question = "Waar vraag ik een uittreksel uit de BRP aan?"
    usual = Thresholds(
        confident_above=0.5, refuse_below=0.1, off_topic_below=0.3, off_topic_other_language_below=0.2
    )
    on_topic = judge(question, hits(BRP, 0.75), [0.75, 0.2], "nl", usual)
    off_topic = judge("Hoe hoog is de Mount Everest?", hits(BRP, 0.15), [0.15, 0.1], "nl", usual)
    assert on_topic.score > off_topic.score
    assert on_topic.outcome == "answered" and off_topic.outcome == "refused"
    strict = Thresholds(
        confident_above=0.999, refuse_below=0.1, off_topic_below=0.3, off_topic_other_language_below=0.2
    )
    assert judge(question, hits(BRP, 0.75), [0.75, 0.2], "nl", strict).outcome == "weak"


def test_a_vague_question_about_something_else_is_refused_by_the_similarity_floor() -> None:
    """Nothing specific is asked, so the other signals do not object: the floor must."""
    question = "What is the recipe for apple pie?"
    floor = Thresholds(
        confident_above=0.5, refuse_below=0.0, off_topic_below=0.3, off_topic_other_language_below=0.2
    )
    assert judge(question, hits(BRP, 0.11), [0.11, 0.05], "en", floor).outcome == "refused"
    assert judge(question, hits(BRP, 0.30), [0.30, 0.05], "en", floor).outcome != "refused"


def test_the_floor_is_lower_for_a_question_in_another_language_than_its_passage() -> None:
    """An English question over Dutch text scores lower than its Dutch twin: one floor for both
    would either let Dutch off-topic questions through or refuse answerable English ones."""
    floor = Thresholds(
        confident_above=0.5, refuse_below=0.0, off_topic_below=0.3, off_topic_other_language_below=0.2
    )
    dutch = judge("Wat is een goed recept voor appeltaart?", hits(BRP, 0.27), [0.27, 0.05], "nl", floor)
    english = judge("Where do I request a BRP extract?", hits(BRP, 0.27), [0.27, 0.05], "en", floor)
    assert dutch.outcome == "refused"
    assert english.outcome != "refused"
