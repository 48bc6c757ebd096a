"""Case 5: a rebuild while the chat answers (twenty sessions at once: tests/test_browser.py)."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from rag import store
from rag.config import Settings
from rag.errors import IndexBusyError
from rag.indexing import update_index
from rag.pipeline import Assistant
from rag.retrieval.retriever import Retriever
from tests.files import CORPUS

NEW_DOCUMENT = "Het wijkfonds Oost kende in 2025 veertig aanvragen toe voor straatfeesten en buurtmoestuinen."


@pytest.fixture
def settings(tmp_path: Path, embedder) -> Settings:
    shutil.copytree(CORPUS, tmp_path / "corpus")
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index", llm="extractive")
    update_index(settings, embedder)
    return settings


def test_the_chat_answers_from_the_old_index_while_a_rebuild_runs(settings, embedder, monkeypatch):
    chat = Assistant(settings, Retriever(store.load(settings.index_dir), embedder, settings), llm=None)
    old_build = store.current_build_name(settings.index_dir)
    (settings.corpus_dir / "wijkfonds.txt").write_text(NEW_DOCUMENT, encoding="utf-8")
    embedding, release = threading.Event(), threading.Event()
    encode = embedder.encode_documents

    def slow_encode(pairs, *args, **kwargs):
        if threading.current_thread().name == "builder":
            embedding.set()
            assert release.wait(300)  # the build stays mid-embedding until the chat has answered
        return encode(pairs, *args, **kwargs)

    monkeypatch.setattr(embedder, "encode_documents", slow_encode)
    outcome: dict[str, object] = {}
    builder = threading.Thread(
        target=lambda: outcome.update(report=update_index(settings, embedder, rebuild=True)), name="builder"
    )
    builder.start()
    try:
        assert embedding.wait(300)
        answer = chat.ask("Wat vroeg wethouder Pieter Hilhorst aan de ambtenaren?")
        assert answer.citations and not answer.refused and not answer.error
        with pytest.raises(IndexBusyError):  # a second builder is told to wait, not let in
            update_index(settings, embedder)
        assert store.current_build_name(settings.index_dir) == old_build
        assert "wijkfonds.txt" not in store.load(settings.index_dir).documents
    finally:
        release.set()
        builder.join(300)

    assert outcome["report"].written
    assert store.current_build_name(settings.index_dir) != old_build
    assert "wijkfonds.txt" in store.load(settings.index_dir).documents
    assert (settings.index_dir / old_build).is_dir()  # kept for readers that resolved it just before
    assert chat.ask("Wat vroeg wethouder Pieter Hilhorst aan de ambtenaren?").citations  # still answers
