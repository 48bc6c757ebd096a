"""The language of a question: short questions too, Dutch when unsure."""

from __future__ import annotations

import pytest

from rag.language import detect_language

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Wat deed de wethouder met de ambtenaren?", "nl"),
        ("What did the alderman ask of the civil servants?", "en"),
        ("What did women in Kyrgyzstan do against corruption?", "en"),  # once taken for Dutch
        ("How many tasks?", "en"),
        ("En wat deed de vader?", "nl"),
        ("Hoe hoog is de Mount Everest?", "nl"),
        ("Burgerparticipatie?", "nl"),  # one word that could be either: Dutch
    ],
)
def test_language_of_the_question(question: str, language: str) -> None:
    assert detect_language(question) == language
