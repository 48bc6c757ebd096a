"""Rendering the conversation: questions, answers, and their sources with highlighted passages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from rag.types import Answer, Document
from rag.ui.conversation import AS_TYPED, FORCED
from rag.ui.highlight import answer_html, document_html, escape_html, escape_markdown, passage_html
from rag.ui.sources import Source, sourced_answer, spans_in
from rag.ui.texts import Texts

CSS = """<style>
.rag-text { white-space: pre-wrap; line-height: 1.55; font-size: 0.95rem; overflow-wrap: anywhere; }
.rag-document { max-height: 28rem; overflow-y: auto; padding: 0.75rem 1rem;
  border: 1px solid rgba(128, 128, 128, 0.35); border-radius: 0.5rem; }
mark.rag-mark { background: #fef3c7; color: #1f2937; padding: 0.05em 0.15em; border-radius: 0.2em; }
mark.rag-cited { background: #fbbf24; color: #111827; padding: 0; font-weight: 500; }
.rag-source { margin: 0.6rem 0 0.15rem 0; line-height: 1.45; scroll-margin-top: 4rem; }
.rag-source:target { outline: 2px solid #f59e0b; border-radius: 0.3rem; }
.rag-details { font-size: 0.85em; opacity: 0.75; }
.rag-flag { color: #b91c1c; }
.rag-snippet { font-size: 0.9em; opacity: 0.85; font-style: italic; overflow-wrap: anywhere; }
.rag-n { font-size: 0.75em; font-weight: 600; color: #b45309; margin-right: 0.2em; }
.rag-cite a { color: inherit; text-decoration: none; }
.rag-cite a:hover { text-decoration: underline; }
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


# Brings the newest question to the top of the view, so its answer is read from the start. The
# chat's own stick-to-bottom only follows when the view is already at the end; after reading an
# earlier answer or a click on a citation, a new answer would appear out of sight.
_SCROLL_TO_NEWEST_QUESTION = """<script>
const avatars = window.parent.document.querySelectorAll('[data-testid="stChatMessageAvatarUser"]');
const newest = avatars.length ? avatars[avatars.length - 1].closest('[data-testid="stChatMessage"]') : null;
if (newest) newest.scrollIntoView({block: "start"});
</script>"""


def scroll_to_newest_question() -> None:
    """Our own script (no document text in it), in a frame as high as its content: none."""
    st.iframe(_SCROLL_TO_NEWEST_QUESTION, height="content")


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
    sourced = sourced_answer(answer, docs)
    anchor = f"bron-{key}"
    if answer.text:
        slot.html(answer_html(sourced.text, anchor=anchor))
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
        st.caption(asked_in("rewritten", query=escape_markdown(answer.query)))
        st.button(
            asked_in("search_as_typed"),
            icon=":material/undo:",
            key=f"typed-{key}",
            on_click=_ask_again,
            args=(AS_TYPED, answer.question),
        )
    sources = sourced.sources
    if sources:
        heading = (
            asked_in("closest") if answer.refused else texts("sources" if sources[0].cited else "passages")
        )
        render_sources(sources, docs, texts, anchor, heading)
    elif not answer.passages:
        st.caption(asked_in("no_passages"))
    if answer.refused and sources:
        st.button(
            asked_in("answer_anyway"),
            icon=":material/quick_reference_all:",
            key=f"force-{key}",
            on_click=_ask_again,
            args=(FORCED, answer.question),
        )
    st.caption(_made_by(answer, texts))


def _ask_again(how: str, question: str) -> None:
    """Button callback: the chat asks `question` again at the top of the next run, `how` says in
    which way (answered anyway from the closest passages, or searched as typed)."""
    st.session_state[how] = question


def _made_by(answer: Answer, texts: Texts) -> str:
    backend = texts(f"backend_{answer.backend}")
    model = answer.model.rsplit("/", 1)[-1] if answer.model else "–"
    seconds = answer.timings.get("total", 0.0)
    return escape_markdown(texts("answered_by", backend=backend, model=model, seconds=seconds))


def _where(source: Source, texts: Texts) -> list[str]:
    """Where the passage is, as a reader finds it back: section heading and page."""
    places = [source.section] if source.section else []
    if source.page:
        places.append(texts("page", page=source.page))
    return places


def source_card_html(source: Source, anchor: str, texts: Texts) -> str:
    """Title, section/page, relevance and the backing sentence: enough to tell sources apart.
    Its id is what the answer's [n] links jump to."""
    details = [escape_html(place) for place in _where(source, texts)]
    if source.relevance is not None:
        details.append(texts("relevance", value=source.relevance))
    if not source.supported:
        details.append(f'<span class="rag-flag">{texts("not_supported")}</span>')
    return (
        f'<div class="rag-source" id="{anchor}-{source.n}">'
        f'<span class="rag-n">[{source.n}]</span> <strong>{escape_html(source.title)}</strong>'
        f'<span class="rag-details"> · {" · ".join(details)}</span>'
        f'<div class="rag-snippet">{escape_html(source.snippet)}</div></div>'
    )


def render_sources(
    sources: list[Source], docs: Mapping[str, Document], texts: Texts, anchor: str, heading: str
) -> None:
    st.markdown(f"**{heading}**")
    for source in sources:
        st.html(source_card_html(source, anchor, texts))
        icon = ":material/description:" if source.supported else ":material/warning:"
        with st.expander(texts("open_passage", n=source.n, doc=escape_markdown(source.doc)), icon=icon):
            if not source.supported:
                st.caption(texts("not_supported_help"))
            document = docs.get(source.doc)
            if document is None:
                st.html(passage_html(source.text, 0, len(source.text)))
                st.caption(texts("document_gone"))
                continue
            st.html(passage_html(document.text, source.start, source.end, source.marks))
            if document.ocr_at(source.start):
                st.caption(f":material/document_scanner: {texts('ocr_note')}")
            if st.toggle(texts("show_document"), key=f"doc-{anchor}-{source.n}"):
                st.html(document_html(document.text, spans_in(sources, source.doc)))
