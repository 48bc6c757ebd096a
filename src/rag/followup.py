"""Follow-up questions become standalone queries before retrieval.

"En hoeveel kostte dat?" retrieves nothing useful on its own; the conversation says what "dat" is.
An LLM rewrites when one is configured; otherwise a deterministic rule adds the previous question.
"""

from __future__ import annotations

import re

from rag.errors import LLMError
from rag.llm.base import LLM
from rag.types import Message

_REFERRING = frozenset(
    "dat dit die deze het hij zij ze hun hem haar daar daarvan daarover ervan erover erbij hiervan "
    "hierover zo ook nog en maar waarom hoe wanneer "
    "it its this that these those they them their he she his her there also and why how when".split()
)
_WORD = re.compile(r"\w+")
_SELF_CONTAINED_WORDS = 9  # longer questions without referring words stand on their own

REWRITE_PROMPT = """Rewrite the last question as one standalone search question that can be understood without the conversation. Keep the language of the last question. Reply with the question only, no explanation.

Conversation:
{history}

Last question: {question}"""


def previous_questions(history: list[Message]) -> list[str]:
    return [m["content"] for m in history if m["role"] == "user"]


def needs_context(question: str) -> bool:
    words = [w.lower() for w in _WORD.findall(question)]
    return len(words) < _SELF_CONTAINED_WORDS or any(w in _REFERRING for w in words[:3])


def rule_based_rewrite(question: str, history: list[Message]) -> str:
    """Prefix the previous question when this one leans on it."""
    earlier = previous_questions(history)
    if not earlier or not needs_context(question):
        return question
    return f"{earlier[-1]} {question}"


def rewrite_query(question: str, history: list[Message], llm: LLM | None) -> str:
    """The standalone query for retrieval; the rule is the fallback when the LLM fails."""
    if not history or not needs_context(question):
        return question
    if llm is None:
        return rule_based_rewrite(question, history)
    transcript = "\n".join(f"{m['role']}: {m['content'][:500]}" for m in history[-6:])
    prompt = REWRITE_PROMPT.format(history=transcript, question=question)
    try:
        rewritten = "".join(llm.stream([{"role": "user", "content": prompt}])).strip()
    except LLMError:
        return rule_based_rewrite(question, history)
    first_line = rewritten.splitlines()[0].strip() if rewritten else ""
    return first_line if 3 <= len(first_line) <= 400 else rule_based_rewrite(question, history)
