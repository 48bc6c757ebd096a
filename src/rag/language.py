"""The language of a question, which the answer and every notice about it follow.

Questions are short ("En de vader?", "How many tasks?"), where word lists fail, so a statistical
identifier (lingua, n-gram models, offline) decides between the two languages the product speaks.
Dutch is the default: English only when the identifier is fairly sure.
"""

from __future__ import annotations

from functools import cache

from lingua import Language as LinguaLanguage
from lingua import LanguageDetector, LanguageDetectorBuilder

from rag.types import Language

ENGLISH_CONFIDENCE = 0.6  # "Burgerparticipatie?" is 0.51 English: a single Dutch word stays Dutch


@cache
def _detector() -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(LinguaLanguage.DUTCH, LinguaLanguage.ENGLISH).build()


def detect_language(text: str) -> Language:
    """ "en" when the text is confidently English, else "nl"."""
    english = _detector().compute_language_confidence(text, LinguaLanguage.ENGLISH)
    return "en" if english >= ENGLISH_CONFIDENCE else "nl"


def preload() -> None:
    """Load the identifier's models now (seconds), not during a user's first question."""
    detect_language("Wat doet de wijkraad?")
