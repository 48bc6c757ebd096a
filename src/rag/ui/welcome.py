"""The first screen: what the index holds, and three questions to start with.

The example questions come from the user's own documents (their section headings, else their
titles), so they need no language model and always lead somewhere.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from itertools import zip_longest

import streamlit as st

from rag.types import Chunk, Document
from rag.ui.conversation import EXAMPLE
from rag.ui.highlight import escape_markdown
from rag.ui.texts import Texts

_TITLES_SHOWN = 5
_EXAMPLES = 3
_TOPIC_CHARS = (8, 70)  # a heading shorter is a label ("Inleiding"), longer is a sentence
# "Artikel 1", "Hoofdstuk 2", "§ 3": a division's number, no topic to ask about.
_NUMBERED_DIVISION = re.compile(
    r"^(artikel|hoofdstuk|afdeling|paragraaf|titel|bijlage|article|chapter|section|annex|§)\s*"
    r"[\dIVXLC]+[a-z]?(\.\d+)*\.?$",
    re.I,
)


def example_questions(chunks: list[Chunk], texts: Texts, count: int = _EXAMPLES) -> list[str]:
    """Questions about the documents' section headings that name a topic, taking the largest
    documents first and one heading per document per round; a document without such headings
    gets a question about itself."""
    size = Counter(chunk.doc for chunk in chunks)
    topics: dict[str, dict[str, None]] = {doc: {} for doc in size}
    titles: dict[str, str] = {}
    low, high = _TOPIC_CHARS
    for chunk in chunks:
        titles.setdefault(chunk.doc, chunk.title)
        for heading in chunk.headings:
            if (
                low <= len(heading) <= high
                and heading != chunk.title
                and not _NUMBERED_DIVISION.match(heading)
            ):
                topics[chunk.doc][heading] = None
    rounds = [
        [texts("example_topic", topic=topic) for topic in topics[doc]]
        or [texts("example_document", title=titles[doc])]
        for doc, _ in size.most_common()
    ]
    questions = [q for questions in zip_longest(*rounds) for q in questions if q is not None]
    return questions[:count]


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
            escape_markdown(question),  # a label is Markdown; headings come from documents
            icon=":material/chat:",
            key=f"example-{number}",
            on_click=_ask,
            args=(question,),
        )
