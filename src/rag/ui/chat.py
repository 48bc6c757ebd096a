"""Asking a question from the chat: the answer streams into the page as it is generated."""

from __future__ import annotations

import logging

import streamlit as st

from rag.config import Settings
from rag.errors import RagError
from rag.pipeline import Assistant, Stage
from rag.retrieval.retriever import Retriever
from rag.ui.conversation import MESSAGES, ChatMessage, Options, history
from rag.ui.highlight import answer_html
from rag.ui.texts import Texts
from rag.ui.views import render_user, scroll_to_newest_question, show_answer

_NEXT_ID = "next_message_id"
_ASSISTANT = "assistant"  # session_state: (what it was built for, the Assistant)
logger = logging.getLogger(__name__)


def init_state() -> list[ChatMessage]:
    st.session_state.setdefault(MESSAGES, [])
    st.session_state.setdefault(_NEXT_ID, 0)
    messages: list[ChatMessage] = st.session_state[MESSAGES]
    return messages


def _new_id() -> str:
    st.session_state[_NEXT_ID] += 1
    return str(st.session_state[_NEXT_ID])


def ask(
    question: str,
    retriever: Retriever,
    settings: Settings,
    options: Options,
    texts: Texts,
    *,
    force: bool = False,
    as_typed: bool = False,
) -> None:
    """Show the question, stream the answer below it, and keep both in the conversation;
    `force` answers from the closest passages even when none seems to answer, `as_typed`
    searches a follow-up without the conversation's context."""
    messages = init_state()
    earlier = history(messages)
    messages.append({"role": "user", "content": question})
    render_user(question)
    message: ChatMessage = {"role": "assistant", "content": "", "id": _new_id(), "docs": {}}
    try:
        with st.chat_message("assistant"):
            slot = st.empty()
            slot.caption(texts("stage_searching"))
            streamed: list[str] = []

            def on_stage(stage: Stage, found: int) -> None:
                slot.caption(texts(f"stage_{stage}", n=found))

            def on_token(piece: str) -> None:
                streamed.append(piece)
                slot.html(answer_html("".join(streamed), cursor=True))

            try:
                answer = _assistant(retriever, settings, options).ask(
                    question,
                    earlier,
                    k=options.k,
                    mode=options.mode,
                    where=options.where,
                    on_token=on_token,
                    on_stage=on_stage,
                    force=force,
                    as_typed=as_typed,
                )
            except RagError as error:
                slot.empty()
                message["error"] = texts.error(error)
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
            message.update(content=answer.text, answer=answer)
            show_answer(answer, message["docs"], texts, message["id"], slot)
            # Last, so that the elements before it keep their places when the history is shown.
            scroll_to_newest_question()
    finally:  # also when a rerun interrupts the answer: keep what there is to show
        if message.get("answer") is not None or message.get("error"):
            messages.append(message)


def _assistant(retriever: Retriever, settings: Settings, options: Options) -> Assistant:
    """This session's assistant for the chosen answerer, built (and `auto` probed) once."""
    key = (options.answerer, options.ollama_model, id(retriever))
    cached = st.session_state.get(_ASSISTANT)
    if cached is None or cached[0] != key:
        chosen = settings.model_copy(
            update={"answerer": options.answerer, "ollama_model": options.ollama_model}
        )
        cached = (key, Assistant.from_settings(chosen, retriever=retriever))
        st.session_state[_ASSISTANT] = cached
    assistant: Assistant = cached[1]
    return assistant
