"""What the chat loads once and shares between sessions (`st.cache_resource`).

The embedding model is loaded once per process. A loaded index is cached under its folder and the
name of its current build, so an update written by one session replaces the cached index only
after the new build is saved and made current; until then every session answers from the old one.
"""

from __future__ import annotations

import threading
from pathlib import Path

import streamlit as st

from rag import store
from rag.config import Settings
from rag.embedding import Embedder
from rag.indexing import CorpusDiff, corpus_files, diff_corpus
from rag.retrieval.retriever import Retriever


@st.cache_resource(show_spinner=False)
def _load_embedder(model: str, dtype: str, batch_size: int, models_dir: str, _settings: Settings) -> Embedder:
    return Embedder.from_settings(_settings)


def embedder(settings: Settings) -> Embedder:
    """The embedding model for these settings, loaded on first use (~10 s), then shared."""
    return _load_embedder(
        settings.embed_model,
        settings.embed_dtype,
        settings.embed_batch_size,
        str(settings.models_dir.resolve()),
        settings,
    )


@st.cache_resource(show_spinner=False, max_entries=8)
def _load_retriever(
    index_dir: str,
    build: str,
    model_id: str,
    settings_key: str,
    _embedder: Embedder,
    _settings: Settings,
) -> Retriever:
    retriever = Retriever(store.load(Path(index_dir)), _embedder, _settings)
    retriever.bm25  # noqa: B018 - built now, once, instead of during the first question
    return retriever


def retriever(settings: Settings, embedder: Embedder) -> Retriever:
    """The retriever over the current build; raises IndexStoreError (with the fix) when the index
    is missing, damaged, or built with another embedding model."""
    index_dir = settings.index_dir.resolve()
    build = store.current_build_name(index_dir)
    if build is None:
        store.load(index_dir)  # raises the store's own "no index" error
    loaded = _load_retriever(
        str(index_dir),
        build or "",
        embedder.model_id,
        settings.model_dump_json(),  # retrieval settings live in the Retriever
        embedder,
        settings,
    )
    store.check_compatible(
        loaded.index.manifest, settings.embed_model, settings.index_dir, embedder.dimension
    )
    return loaded


@st.cache_resource(show_spinner=False)
def build_lock() -> threading.Lock:
    """One index update at a time per process; a second request is told to wait."""
    return threading.Lock()


@st.cache_data(show_spinner=False, ttl=15, max_entries=16)
def corpus_diff(corpus_dir: str, index_dir: str, build: str, _known: dict) -> CorpusDiff:
    """Files added/changed/removed since the build; cached briefly (it stats every file)."""
    return diff_corpus(corpus_files(Path(corpus_dir)), _known)
