"""Case 5 and 11: a rebuild while the chat answers, and twenty chat sessions at once."""

from __future__ import annotations

import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rag import store
from rag.config import Settings
from rag.errors import IndexBusyError
from rag.indexing import update_index
from rag.pipeline import Assistant
from rag.retrieval.retriever import Retriever
from rag.ui import resources
from tests.files import CORPUS

ROOT = Path(__file__).resolve().parents[2]
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


QUESTIONS = [
    ("Wat vroeg wethouder Pieter Hilhorst aan de ambtenaren?", "wikistad"),
    ("Welke taken heeft de beleidsmedewerker burgerparticipatie in Massy?", "talentprogramma"),
]
SESSIONS = 20


def test_twenty_chat_sessions_at_once_each_get_their_own_answer(settings, embedder, monkeypatch):
    monkeypatch.setattr(resources, "embedder", lambda _settings: embedder)
    monkeypatch.setenv("RAG_CORPUS_DIR", str(settings.corpus_dir))
    monkeypatch.setenv("RAG_INDEX_DIR", str(settings.index_dir))
    monkeypatch.setenv("RAG_MODELS_DIR", str(ROOT / "models"))
    monkeypatch.setenv("RAG_LLM", "none")  # search only: the load is the retrieval every answer needs
    monkeypatch.setenv("RAG_TOP_K", "3")

    def session(number: int) -> tuple[list[str], list[str]]:
        question, _ = QUESTIONS[number % 2]
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600).run()
        at.chat_input[0].set_value(question).run()
        problems = [str(e) for e in at.exception] + [e.value for e in at.error]
        return [e.label for e in at.main.expander], problems

    with ThreadPoolExecutor(SESSIONS) as pool:
        results = list(pool.map(session, range(SESSIONS)))

    for number, (labels, problems) in enumerate(results):
        assert not problems, (number, problems)
        _, expected_doc = QUESTIONS[number % 2]
        assert len(labels) == 3 and expected_doc.lower() in labels[0].lower(), (number, labels)
