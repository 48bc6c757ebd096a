"""What the chat loads once and shares between sessions (`st.cache_resource`).

The embedding model is loaded once per process. A loaded index is cached under its folder and the
name of its current build, so an update written by one session replaces the cached index only
after the new build is saved and made current; until then every session answers from the old one.
"""

from __future__ import annotations

import threading
from pathlib import Path

import streamlit as st

from rag import language, store
from rag.config import AnswererChoice, Settings
from rag.embedding import Embedder, load_embedder, model_name, resolve_backend, sentence_embedder
from rag.indexing import CorpusDiff, corpus_files, pending_changes
from rag.llm import available_answerers
from rag.retrieval.retriever import Retriever
from rag.store import Manifest


@st.cache_resource(show_spinner=False)
def _load_embedder(
    model: str, models_dir: str, backend: str, embedding_key: str, _settings: Settings
) -> Embedder:
    language.preload()  # with the model, not during the first question
    embedder = load_embedder(_settings)
    # The extractive answerer's sentence model (seconds to load) loads while the user reads the
    # first screen and types, not during the first question.
    threading.Thread(target=sentence_embedder, args=(_settings, embedder), daemon=True).start()
    return embedder


def embedder(settings: Settings) -> Embedder:
    """The embedding model for these settings, loaded on first use (~10 s), then shared."""
    return _load_embedder(
        model_name(settings),
        str(settings.models_dir.resolve()),
        resolve_backend(settings),  # "auto" changes once `rag model fetch` has built the ONNX model
        # Every other embedding setting (dtype, batch sizes, a server's URL and prompts) is part of
        # the key too: another server must not be answered by the client of the previous one.
        settings.model_dump_json(
            include={name for name in Settings.model_fields if name.startswith("embed_")}
        ),
        settings,
    )


@st.cache_resource(show_spinner=False, max_entries=8)
def _open_retriever(
    index_dir: str, build: str, settings_key: str, _embedder: Embedder, _settings: Settings
) -> Retriever:
    retriever = Retriever.open(_settings, _embedder)
    retriever.bm25  # noqa: B018 - built now, once, instead of during the first question
    return retriever


def retriever(settings: Settings, embedder: Embedder) -> Retriever:
    """The retriever over the current build; raises IndexStoreError (with the fix) when the index
    is missing, damaged, or built with another embedding model.

    Cached per build: a new build replaces it for every session once it is current.
    """
    index_dir = settings.index_dir.resolve()
    build = store.current_build_name(index_dir) or ""
    # Retrieval settings live in the Retriever, so they are part of the key.
    return _open_retriever(str(index_dir), build, settings.model_dump_json(), embedder, settings)


@st.cache_resource(show_spinner=False)
def build_lock() -> threading.Lock:
    """One index update at a time per process; a second request is told to wait."""
    return threading.Lock()


@st.cache_data(show_spinner=False, ttl=15, max_entries=16)
def corpus_diff(corpus_dir: str, index_dir: str, build: str, _manifest: Manifest) -> CorpusDiff:
    """Files an update would add, change or remove; cached briefly (it stats every file)."""
    return pending_changes(corpus_files(Path(corpus_dir)), _manifest)


@st.cache_data(show_spinner=False, ttl=60, max_entries=8)
def _answerers(
    host: str, model: str, gguf: str, server: str, server_model: str, _settings: Settings
) -> dict[AnswererChoice, bool]:
    return available_answerers(_settings)


def answerers(settings: Settings) -> dict[AnswererChoice, bool]:
    """Which answerers can answer now; probed once a minute at most (a probe takes up to 2 s
    when a server is not running)."""
    return _answerers(
        settings.ollama_host,
        settings.ollama_model,
        str(settings.llm_gguf or ""),
        settings.openai_base_url,
        settings.openai_model or "",
        settings,
    )
