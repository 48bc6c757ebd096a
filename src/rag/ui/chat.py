"""Asking a question from the chat: the answer streams into the page as it is generated."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import streamlit as st

from rag.config import Settings
from rag.errors import RagError
from rag.llm.base import Message
from rag.llm.select import select_llm
from rag.pipeline import Assistant
from rag.retrieval.retriever import Retriever
from rag.ui.highlight import answer_html
from rag.ui.texts import Texts
from rag.ui.views import render_user, show_answer

if TYPE_CHECKING:
    from rag.ui.sidebar import Options

MESSAGES = "messages"  # session_state: the conversation, oldest first
_NEXT_ID = "next_message_id"
logger = logging.getLogger(__name__)


def init_state() -> list[dict[str, Any]]:
    st.session_state.setdefault(MESSAGES, [])
    st.session_state.setdefault(_NEXT_ID, 0)
    return st.session_state[MESSAGES]


def clear() -> None:
    """Button callback: forget the conversation."""
    st.session_state[MESSAGES] = []


def conversation(messages: list[dict[str, Any]]) -> list[Message]:
    """The history `Assistant.ask` takes, for rewriting follow-up questions."""
    return [{"role": m["role"], "content": m["content"]} for m in messages if m["content"]]


def _new_id() -> str:
    st.session_state[_NEXT_ID] += 1
    return str(st.session_state[_NEXT_ID])


def ask(question: str, retriever: Retriever, settings: Settings, options: Options, texts: Texts) -> None:
    """Show the question, stream the answer below it, and keep both in the conversation."""
    messages = init_state()
    history = conversation(messages)
    messages.append({"role": "user", "content": question})
    render_user(question)
    message: dict[str, Any] = {"role": "assistant", "content": "", "id": _new_id(), "docs": {}}
    try:
        with st.chat_message("assistant"):
            slot = st.empty()
            slot.caption(texts("searching"))
            streamed: list[str] = []

            def on_token(piece: str) -> None:
                streamed.append(piece)
                slot.html(answer_html("".join(streamed), cursor=True))

            try:
                answer = _assistant(retriever, settings, options).ask(
                    question,
                    history,
                    k=options.k,
                    mode=options.mode,
                    where=options.where,
                    on_token=on_token,
                )
            except RagError as error:
                slot.empty()
                message["error"] = str(error)
                st.error(message["error"], icon=":material/error:")
                return
            except Exception as error:  # a bug: logged with its traceback, shown as one line
                logger.exception("answering %r failed", question)
                slot.empty()
                message["error"] = texts("unexpected", kind=type(error).__name__, detail=error)
                st.error(message["error"], icon=":material/error:")
                return
            documents = retriever.index.documents
            message["docs"] = {
                hit.chunk.doc: documents[hit.chunk.doc]
                for hit in answer.passages
                if hit.chunk.doc in documents
            }
            message.update(content=answer.answer, answer=answer)
            show_answer(answer, message["docs"], texts, message["id"], slot)
    finally:  # also when a rerun interrupts the answer: keep what there is to show
        if message.get("answer") is not None or message.get("error"):
            messages.append(message)


def _assistant(retriever: Retriever, settings: Settings, options: Options) -> Assistant:
    chosen = settings.model_copy(update={"llm": options.llm, "ollama_model": options.ollama_model})
    llm = None if options.search_only else select_llm(chosen)
    return Assistant(chosen, retriever, llm, search_only=options.search_only)
