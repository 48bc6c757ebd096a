"""The seam between the pipeline and whoever writes the answer: a language model, the extractive
answerer, or nobody (search only)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from rag.types import Hit, Language


@dataclass
class Draft:
    """An answer about to be written: the passages it may cite and its text as it is produced."""

    passages: list[Hit]  # numbered 1..n in this order; `[n]` in the text points here
    pieces: Iterator[str]  # the answer in pieces; failures raise `LLMError(message, partial)`
    notice: str = ""  # how the answer is made, when the user should know (e.g. quoted sentences)
    warnings: list[str] = field(default_factory=list)  # e.g. passages left out to fit the context


class Answerer(Protocol):
    """Writes an answer from retrieved passages only."""

    name: str  # shown with every answer: "ollama", "llamacpp", "extractive", "none"
    model: str  # shown with every answer ("" when there is none)
    writes_answers: bool  # False: search only; the passages are the result, nothing is refused

    def draft(self, question: str, passages: list[Hit], language: Language) -> Draft:
        """The answer to `question` from `passages`, in `language`; nothing runs until iterated."""
        ...
