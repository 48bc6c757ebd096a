"""Search only: the retrieved passages are the result; no answer is written or refused."""

from __future__ import annotations

from rag.answering.base import Draft
from rag.types import Hit, Language

NOTICE = {
    "nl": "Alleen zoeken: de best passende passages, zonder antwoord.",
    "en": "Search only: the best matching passages, without an answer.",
}


class SearchOnly:
    name = "none"
    model = ""
    writes_answers = False

    def draft(self, question: str, passages: list[Hit], language: Language) -> Draft:
        return Draft(passages, iter(()), notice=NOTICE[language])
