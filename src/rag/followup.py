"""Follow-up questions become standalone queries before retrieval, and only follow-up questions.

"En wat deed de vader?" retrieves nothing useful on its own; the conversation says whose father.
But "Wat is een kinegram?" after a question about passports is a question of its own, and gluing
the two together would search for a mix of two topics. So a question is rewritten only when it
leans on the conversation: it refers back (a pronoun, "de andere", "there"), or it continues the
previous question ("En …?", "And …?") without saying enough to stand alone. Measured on
`eval/followups.jsonl` (`benchmarks/followups.py`, figures in benchmarks/README.md).

A language model rewrites when one is configured; otherwise the previous question is put in front.
"""

from __future__ import annotations

import re

from rag.errors import LLMError
from rag.llm.base import LLM
from rag.terms import tokenize
from rag.types import Message

_WORD = re.compile(r"\w+")
# Words that point back at something said before.
_REFERRING = frozenset(
    "hij zij ze hem haar hun hen daar daarvan daarover daarmee daarvoor daarbij daarna ervan erover "
    "erbij ermee ervoor hiervan hierover hiermee "
    "he she they him her them his their its it there "
    "andere overige anders other others else rest".split()
)
# Demonstratives point back only when no noun follows: "Kan dat ook?" but not "dat formulier".
_DEMONSTRATIVES = frozenset("dat dit die deze het this that these those".split())
# A question that starts like this continues the previous one ...
_CONTINUING = frozenset("en and maar but ook also of or".split())
# ... unless it names enough of its own topic (content words, as BM25 sees them).
_OWN_TOPIC_WORDS = 3

REWRITE_PROMPT = """Rewrite the last question as one standalone search question that can be understood without the conversation. Keep the language of the last question. Reply with the question only, no explanation.

Conversation:
{history}

Last question: {question}"""


def leans_on_conversation(question: str) -> bool:
    """Whether `question` cannot be understood without the questions before it."""
    words = [w.lower() for w in _WORD.findall(question)]
    if not words:
        return False
    if any(w in _REFERRING for w in words):
        return True
    if any(w in _DEMONSTRATIVES and _points_back(words, i) for i, w in enumerate(words)):
        return True
    return words[0] in _CONTINUING and len(set(tokenize(question))) < _OWN_TOPIC_WORDS


def _points_back(words: list[str], index: int) -> bool:
    """A demonstrative at the end, or followed by a word without content ("dat ook", "it is")."""
    following = words[index + 1 : index + 2]
    return not following or not tokenize(following[0])


def rule_based_rewrite(question: str, history: list[Message]) -> str:
    """The previous question in front of this one."""
    earlier = [m["content"] for m in history if m["role"] == "user"]
    return f"{earlier[-1]} {question}" if earlier else question


def rewrite_query(question: str, history: list[Message], llm: LLM | None) -> str:
    """The standalone query for retrieval; unchanged unless the question leans on the conversation.

    The rule is the fallback when the language model fails or gives something unusable.
    """
    if not history or not leans_on_conversation(question):
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
