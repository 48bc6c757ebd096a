"""The one seam between answering and a language model backend.

A backend streams the answer as text pieces and says how many tokens a text costs, so the prompt
builder can fill `context_tokens` without the backend silently cutting the prompt.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Protocol

from rag.types import Message

# Measured on the Dutch sample corpus: SmolLM2's English-centric tokenizer gives 2.7 characters per
# token, multilingual ones (Gemma, Llama 3) more. Dividing by 2.5 overcounts for all of them, so a
# prompt built from the estimate fits.
CHARS_PER_TOKEN = 2.5
# Seconds a backend's `is_available` probe may take: it must not hold up the start of a chat.
PROBE_TIMEOUT = 2.0


def estimate_tokens(text: str) -> int:
    """Conservative token count for backends without a tokenizer we can call."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


class LLM(Protocol):
    """A chat model that writes answers (and rewrites follow-up questions)."""

    name: str  # backend: "ollama" | "llamacpp" | ...
    model: str  # model shown to the user
    context_tokens: int  # prompt + answer budget

    def count_tokens(self, text: str) -> int:
        """Tokens `text` costs in a prompt; may be an estimate (`estimate_tokens`)."""
        ...

    def stream(self, messages: list[Message]) -> Iterator[str]:
        """Yield the answer in pieces as generated; failures raise `LLMError(message, partial)`."""
        ...
