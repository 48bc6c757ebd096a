"""The conversation and the user's choices, as plain data (no Streamlit): shared by the chat and
the sidebar, and readable by the export."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rag.config import RetrievalMode
from rag.retrieval.filters import Where
from rag.types import Message

MESSAGES = "messages"  # session_state key: the conversation, oldest first
FORCED = "forced_question"  # session_state key: a refused question the user wants answered anyway
AS_TYPED = "question_as_typed"  # session_state key: a rewritten follow-up to search as typed
EXAMPLE = "example_question"  # session_state key: an example question the user clicked

# One message as the chat keeps it: {"role", "content"}, and for answers also "id", "answer"
# (an `Answer`), "docs" (the documents its sources come from) and "error".
ChatMessage = dict[str, Any]


@dataclass(frozen=True)
class Options:
    """What the user chose in the sidebar for the next question."""

    answerer: str  # a RAG_ANSWERER choice; "none" when the user wants search only
    ollama_model: str
    k: int
    mode: RetrievalMode
    where: Where | None = None


def history(messages: list[ChatMessage]) -> list[Message]:
    """The turns `Assistant.ask` takes, for rewriting follow-up questions. A question is given as
    the standalone query it was searched as, so a follow-up of a follow-up still has its topic."""
    turns: list[Message] = []
    for position, message in enumerate(messages):
        content = message["content"]
        following = messages[position + 1] if position + 1 < len(messages) else {}
        if message["role"] == "user" and following.get("answer") is not None:
            content = following["answer"].query
        if content:
            turns.append({"role": message["role"], "content": content})
    return turns
