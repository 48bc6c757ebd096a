"""The first screen: what the index holds, and three questions to start with.

The example questions come from the user's own documents (their section headings, else their
titles), so they need no language model and always lead somewhere.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import streamlit as st

from rag.types import Chunk, Document
from rag.ui.conversation import EXAMPLE
from rag.ui.highlight import escape_markdown
from rag.ui.texts import Texts

_TITLES_SHOWN = 5
_EXAMPLES = 3
_TOPIC_CHARS = (8, 70)  # a heading shorter is a label ("Inleiding"), longer is a sentence


def example_questions(chunks: list[Chunk], texts: Texts, count: int = _EXAMPLES) -> list[str]:
    """One question per document, the largest documents first: about its first section heading
    that names a topic, or else about the document itself."""
    size = Counter(chunk.doc for chunk in chunks)
    topics: dict[str, str] = {}
    titles: dict[str, str] = {}
    for chunk in chunks:
        titles.setdefault(chunk.doc, chunk.title)
        for heading in chunk.headings:
            low, high = _TOPIC_CHARS
            if chunk.doc not in topics and low <= len(heading) <= high and heading != chunk.title:
                topics[chunk.doc] = heading
    questions = []
    for doc, _ in size.most_common():
        if doc in topics:
            questions.append(texts("example_topic", topic=topics[doc]))
        else:
            questions.append(texts("example_document", title=titles[doc]))
        if len(questions) == count:
            break
    return questions


def _ask(question: str) -> None:
    """Button callback: the chat asks the example at the top of the next run."""
    st.session_state[EXAMPLE] = question


def render_welcome(documents: Mapping[str, Document], chunks: list[Chunk], texts: Texts) -> None:
    titles = sorted(document.title for document in documents.values())
    st.markdown(texts("welcome_index", docs=len(documents), chunks=len(chunks)))
    st.markdown("\n".join(f"- {escape_markdown(title)}" for title in titles[:_TITLES_SHOWN]))
    if len(titles) > _TITLES_SHOWN:
        with st.expander(texts("welcome_all_documents", n=len(titles))):
            st.markdown("\n".join(f"- {escape_markdown(title)}" for title in titles))
    st.markdown(texts("welcome_try"))
    for number, question in enumerate(example_questions(chunks, texts)):
        st.button(
            question,
            icon=":material/chat:",
            key=f"example-{number}",
            on_click=_ask,
            args=(question,),
        )
