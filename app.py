"""participatie-assistent: the chat. `streamlit run app.py` (or `make run`).

Only wiring: the pieces live in `rag.ui`, the pipeline in `rag`.
"""

from __future__ import annotations

import streamlit as st

from rag import store
from rag.config import load_settings
from rag.errors import RagError
from rag.ui import build, chat, resources, sidebar, views, welcome
from rag.ui.conversation import AS_TYPED, EXAMPLE, FORCED
from rag.ui.texts import Texts


def main() -> None:
    try:
        settings = load_settings()
    except RagError as error:
        st.error(str(error), icon=":material/error:")
        st.stop()
    texts = Texts(settings.ui_language)
    # An emoji icon: a Material icon as page icon is fetched from fonts.gstatic.com by the browser.
    st.set_page_config(page_title=texts("title"), page_icon="💬", layout="centered")
    views.inject_css()
    st.title(texts("title"))
    st.caption(texts("subtitle"))
    messages = chat.init_state()
    slots = sidebar.Slots.create()
    sidebar.render_rebuild_button(slots.rebuild, texts)
    options = sidebar.render_options(slots.options, settings, texts)

    if build.explain_missing_documents(settings, texts):
        sidebar.render_actions(slots.actions, texts)
        st.stop()
    try:
        with st.spinner(texts("loading_model")):
            embedder = resources.embedder(settings)
    except RagError as error:
        st.error(f"{texts('model_error')} {error}", icon=":material/error:")
        st.stop()

    requested = st.session_state.pop(build.REBUILD_KEY, None)
    if requested or store.current_build_name(settings.index_dir) is None:
        if not requested:
            st.info(texts("first_start"), icon=":material/build:")
        target = slots.rebuild if requested == "sidebar" else st.container()
        build.build_index(settings, embedder, texts, target)

    try:
        retriever = resources.retriever(settings, embedder)
    except RagError as error:
        retriever = None
        st.error(texts.error(error), icon=":material/error:")
        st.info(texts("index_problem"))
        st.button(
            texts("rebuild_now"),
            type="primary",
            icon=":material/build:",
            on_click=build.request_rebuild,
            args=("main",),
            key="rebuild_main",
        )
    sidebar.render_status(slots.status, settings, retriever, texts)

    views.render_history(messages, texts)
    typed = st.chat_input(texts("chat_placeholder"), disabled=retriever is None)
    # Buttons ask too: "answer anyway" under a refusal, "search as typed", an example question.
    forced, as_typed, example = (st.session_state.pop(key, None) for key in (FORCED, AS_TYPED, EXAMPLE))
    question = typed or forced or as_typed or example
    if retriever is not None and not messages and not question:
        welcome.render_welcome(retriever.index.documents, retriever.index.chunks, texts)
    if retriever is not None and question:
        chat.ask(
            question,
            retriever,
            settings,
            options,
            texts,
            force=question == forced and not typed,
            as_typed=question == as_typed and not typed,
        )
    sidebar.render_actions(slots.actions, texts)  # last: the export includes this answer


main()
