"""The sidebar: index status and update button, answer settings, and conversation actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import get_args

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from rag import store
from rag.config import AnswererChoice, RetrievalMode, Settings
from rag.errors import ConfigError
from rag.llm import auto_answerer
from rag.retrieval.filters import Where
from rag.retrieval.retriever import Retriever
from rag.store import Manifest
from rag.ui import build, resources
from rag.ui.conversation import MESSAGES, Options
from rag.ui.export import chat_markdown
from rag.ui.highlight import escape_markdown
from rag.ui.texts import Texts

ANSWERERS: tuple[AnswererChoice, ...] = get_args(AnswererChoice)
MODES: tuple[RetrievalMode, ...] = get_args(RetrievalMode)
MAX_K = 20


@dataclass(frozen=True)
class Slots:
    """Sidebar sections in display order, filled as the script learns what to show."""

    status: DeltaGenerator
    rebuild: DeltaGenerator
    options: DeltaGenerator
    actions: DeltaGenerator

    @classmethod
    def create(cls) -> Slots:
        with st.sidebar:
            return cls(st.container(), st.container(), st.container(), st.container())


def render_rebuild_button(slot: DeltaGenerator, texts: Texts) -> None:
    slot.button(
        texts("rebuild"),
        help=texts("rebuild_help"),
        icon=":material/sync:",
        on_click=build.request_rebuild,
        args=("sidebar",),
        key="rebuild_sidebar",
    )


def render_options(slot: DeltaGenerator, settings: Settings, texts: Texts) -> Options:
    with slot:
        st.subheader(texts("settings_header"))
        available = resources.answerers(settings)
        answerer = st.selectbox(
            texts("llm_label"),
            ANSWERERS,
            index=ANSWERERS.index(settings.answerer),
            format_func=lambda choice: (
                texts(f"llm_{choice}") + ("" if available[choice] else f" — {texts('unavailable')}")
            ),
            help=texts("llm_help"),
            key="llm",
        )
        if answerer == "auto":
            now = auto_answerer(settings, available["ollama"])
            st.caption(texts("llm_auto_now", answerer=texts(f"backend_{now}")))
        ollama_model = settings.ollama_model
        if answerer in ("auto", "ollama"):
            ollama_model = (
                st.text_input(
                    texts("ollama_model_label"),
                    value=settings.ollama_model,
                    help=texts("ollama_model_help"),
                    key="ollama_model",
                ).strip()
                or settings.ollama_model
            )
        if answerer in ("auto", "llamacpp") and settings.llm_gguf:
            st.caption(texts("gguf_file", path=settings.llm_gguf.name))
        k = st.slider(texts("k_label"), 1, max(MAX_K, settings.top_k), settings.top_k, key="k")
        mode = st.selectbox(
            texts("mode_label"),
            MODES,
            index=MODES.index(settings.retrieval_mode),
            format_func=lambda choice: texts(f"mode_{choice}"),
            key="mode",
        )
        search_only = st.toggle(
            texts("search_only"),
            value=settings.answerer == "none",
            help=texts("search_only_help"),
            key="search_only",
        )
        where = _render_filter(texts)
    return Options("none" if search_only else answerer, ollama_model, k, mode, where)


def _render_filter(texts: Texts) -> Where | None:
    """Path glob, title words and year: the same filter as `rag search --where`."""
    with st.expander(texts("filter_header"), icon=":material/filter_alt:"):
        path = st.text_input(texts("filter_path"), key="filter_path").strip()
        title = st.text_input(texts("filter_title"), key="filter_title").strip()
        year = st.number_input(texts("filter_year"), 1900, 2100, value=None, step=1, key="filter_year")
        where = Where(path or None, title or None, int(year) if year else None)
        if where == Where():
            return None
        st.caption(texts("filter_active"))
        return where


def render_status(
    slot: DeltaGenerator, settings: Settings, retriever: Retriever | None, texts: Texts
) -> None:
    with slot:
        st.subheader(texts("status_header"))
        if retriever is None:
            return
        index = retriever.index
        manifest = index.manifest
        built = datetime.fromtimestamp(manifest.built_at).strftime(texts("date_format"))
        st.markdown(texts("status_counts", docs=len(manifest.files), chunks=len(index.chunks)))
        st.caption(texts("status_model", model=manifest.model))
        st.caption(texts("status_built", built=built))
        if manifest.unread_scans:
            st.warning(
                texts(
                    "status_scans_unreadable", n=len(manifest.unread_scans), packages=manifest.scan_packages()
                ),
                icon=":material/document_scanner:",
            )
        _render_stale(settings, manifest, texts)


def _render_stale(settings: Settings, manifest: Manifest, texts: Texts) -> None:
    folder = settings.corpus_dir.resolve()
    index_dir = settings.index_dir.resolve()
    try:
        diff = resources.corpus_diff(
            str(folder), str(index_dir), store.current_build_name(index_dir) or "", manifest
        )
    except ConfigError:
        st.warning(texts("status_corpus_missing", folder=folder))
        return
    rows = [
        (texts(label), path)
        for label, paths in (
            ("stale_added", diff.added),
            ("stale_changed", diff.changed),
            ("stale_removed", diff.removed),
        )
        for path in paths
    ]
    stale = len(rows)
    rows += [
        (texts("stale_failed"), f"{path} ({texts.read_failure(reason)})")
        for path, reason in manifest.failed.items()
    ]
    rows += [
        (texts("stale_partly_read"), path) for path in manifest.unread_scans if path not in manifest.failed
    ]
    if stale:
        st.warning(texts("status_stale", n=stale), icon=":material/update:")
    elif manifest.failed:  # an update would only fail on them again
        st.caption(texts("status_unreadable", n=len(manifest.failed)), help=str(folder))
    else:
        st.caption(texts("status_up_to_date"), help=str(folder))
    if rows:
        with st.expander(texts("stale_details")):
            st.markdown("\n".join(f"- {label}: {escape_markdown(path)}" for label, path in rows))


def _clear() -> None:
    """Button callback: forget the conversation."""
    st.session_state[MESSAGES] = []


def render_actions(slot: DeltaGenerator, texts: Texts) -> None:
    messages = st.session_state.get(MESSAGES, [])
    with slot:
        st.subheader(texts("chat_header"))
        st.button(
            texts("clear"),
            icon=":material/delete:",
            on_click=_clear,
            disabled=not messages,
            key="clear_chat",
        )
        st.download_button(
            texts("export"),
            data=chat_markdown(messages, texts) if messages else "",
            file_name=f"{texts('export_file')}-{datetime.now():%Y%m%d-%H%M}.md",
            mime="text/markdown",
            icon=":material/download:",
            on_click="ignore",
            disabled=not messages,
            key="export_chat",
        )
