"""Answers written by a language model from a grounded prompt (`prompting.build_prompt`)."""

from __future__ import annotations

from rag.answering.base import Draft
from rag.llm.base import LLM
from rag.prompting import build_prompt
from rag.types import Hit, Language

DROPPED = {
    "nl": "{n} passage(s) weggelaten om in het contextvenster van {tokens} tokens te passen.",
    "en": "{n} passage(s) left out to fit the model's context window of {tokens} tokens.",
}


class GenerativeAnswerer:
    """A language model answers; the passages that fit its context window are numbered 1..n."""

    writes_answers = True

    def __init__(self, llm: LLM, max_answer_tokens: int) -> None:
        self.llm = llm
        self.name = llm.name
        self.model = llm.model
        self.max_answer_tokens = max_answer_tokens

    def draft(self, question: str, passages: list[Hit], language: Language) -> Draft:
        prompt = build_prompt(
            question,
            passages,
            language,
            self.llm.count_tokens,
            self.llm.context_tokens,
            self.max_answer_tokens,
        )
        warnings = []
        if prompt.dropped:
            template = DROPPED[language]
            warnings.append(template.format(n=len(prompt.dropped), tokens=self.llm.context_tokens))
        return Draft(prompt.passages, self.llm.stream(prompt.messages), warnings=warnings)
