"""Language model backends behind one protocol (`LLM`)."""

from rag.llm.base import LLM, Message, estimate_tokens

__all__ = ["LLM", "Message", "estimate_tokens"]
