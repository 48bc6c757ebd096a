"""Rendering the conversation: questions, answers, and their sources with highlighted passages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from rag.types import Answer, Document
from rag.ui.conversation import FORCED
from rag.ui.highlight import answer_html, document_html, escape_markdown, passage_html
from rag.ui.sources import Source, answer_sources, spans_in
from rag.ui.texts import Texts

CSS = """<style>
.rag-text { white-space: pre-wrap; line-height: 1.55; font-size: 0.95rem; overflow-wrap: anywhere; }
.rag-document { max-height: 28rem; overflow-y: auto; padding: 0.75rem 1rem;
  border: 1px solid rgba(128, 128, 128, 0.35); border-radius: 0.5rem; }
mark.rag-mark { background: #fde68a; color: #1f2937; padding: 0.05em 0.15em; border-radius: 0.2em; }
.rag-n { font-size: 0.75em; font-weight: 600; color: #b45309; margin-right: 0.2em; }
.rag-cite { font-size: 0.78em; font-weight: 600; color: #1d4ed8; background: rgba(59, 130, 246, 0.12);
  padding: 0 0.3em; border-radius: 0.3em; white-space: nowrap; }
.rag-answer { line-height: 1.6; }
.rag-answer p { margin: 0 0 0.6em 0; }
.rag-answer ul, .rag-answer ol { margin: 0 0 0.6em 1.2em; }
.rag-cursor { opacity: 0.6; }
</style>"""


def inject_css() -> None:
    st.html(CSS)


def render_user(content: str) -> None:
    with st.chat_message("user"):
        st.markdown(escape_markdown(content))


def render_history(messages: list[dict[str, Any]], texts: Texts) -> None:
    for message in messages:
        if message["role"] == "user":
            render_user(message["content"])
            continue
        with st.chat_message("assistant"):
            if message.get("error"):
                st.error(message["error"], icon=":material/error:")
            if message.get("answer") is not None:
                show_answer(message["answer"], message["docs"], texts, message["id"], st.empty())


def show_answer(
    answer: Answer, docs: Mapping[str, Document], texts: Texts, key: str, slot: DeltaGenerator
) -> None:
    """The answer in `slot` (where it was streamed), then its notes and sources below it."""
    if answer.text:
        slot.html(answer_html(answer.text))
    else:
        slot.empty()
    if answer.incomplete:
        st.warning(texts("incomplete"), icon=":material/hourglass_disabled:")
    if answer.error:
        st.error(f"**{texts('llm_failed')}** {answer.error}", icon=":material/error:")
    asked_in = Texts(answer.language)  # notices about the answer follow the question's language
    if answer.confidence == "weak":
        st.warning(asked_in("weak_label"), icon=":material/help:")
    if answer.notice:
        st.info(answer.notice, icon=":material/info:")
    for warning in answer.warnings:
        st.warning(warning, icon=":material/warning:")
    if answer.query and answer.query != answer.question:
        st.caption(texts("rewritten", query=escape_markdown(answer.query)))
    sources = answer_sources(answer)
    if sources:
        heading = "closest" if answer.refused else "sources" if sources[0].cited else "passages"
        render_sources(sources, docs, texts, key, texts(heading))
    elif not answer.passages:
        st.caption(texts("no_passages"))
    if answer.refused and sources:
        st.button(
            asked_in("answer_anyway"),
            icon=":material/quick_reference_all:",
            key=f"force-{key}",
            on_click=_answer_anyway,
            args=(answer.question,),
        )
    st.caption(_made_by(answer, texts))


def _answer_anyway(question: str) -> None:
    """Button callback: the chat asks `question` again at the top of the next run, answering it
    from the closest passages (labelled weak)."""
    st.session_state[FORCED] = question


def _made_by(answer: Answer, texts: Texts) -> str:
    backend = texts(f"backend_{answer.backend}")
    model = answer.model.rsplit("/", 1)[-1] if answer.model else "–"
    seconds = answer.timings.get("total", 0.0)
    return escape_markdown(texts("answered_by", backend=backend, model=model, seconds=seconds))


def source_label(source: Source, texts: Texts) -> str:
    """Expander label: Markdown-escaped, because titles and file names come from documents."""
    label = f"[{source.n}] {escape_markdown(source.title)} — {escape_markdown(source.doc)}"
    if source.page:
        label += f" · {texts('page', page=source.page)}"
    if source.relevance is not None:
        label += f" · {texts('relevance', value=source.relevance)}"
    if not source.supported:
        label += f" · {texts('not_supported')}"
    return label


def render_sources(
    sources: list[Source], docs: Mapping[str, Document], texts: Texts, key: str, heading: str
) -> None:
    st.markdown(f"**{heading}**")
    for source in sources:
        icon = ":material/description:" if source.supported else ":material/warning:"
        with st.expander(source_label(source, texts), icon=icon):
            if not source.supported:
                st.caption(texts("not_supported_help"))
            document = docs.get(source.doc)
            if document is None:
                st.html(passage_html(source.text, 0, len(source.text)))
                st.caption(texts("document_gone"))
                continue
            st.html(passage_html(document.text, source.start, source.end))
            st.caption(
                escape_markdown(f"{source.doc} · {texts('characters', start=source.start, end=source.end)}")
            )
            if document.ocr_at(source.start):
                st.caption(f":material/document_scanner: {texts('ocr_note')}")
            if st.toggle(texts("show_document"), key=f"doc-{key}-{source.n}"):
                st.html(document_html(document.text, spans_in(sources, source.doc)))
