"""One place picks who answers: the RAG_ANSWERER choice, with `auto` probing for Ollama once."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.answering import ExtractiveAnswerer, answerer_from_settings
from rag.answering.generative import GenerativeAnswerer
from rag.answering.search_only import SearchOnly
from rag.config import Settings
from rag.indexing import update_index
from rag.llm import llm_from_settings
from rag.pipeline import Assistant
from rag.retrieval.retriever import Retriever
from tests.fakes import HashEmbedder
from tests.network import free_port
from tests.ollama_server import FakeOllama

pytestmark = pytest.mark.unit


@pytest.fixture
def retriever(tmp_path: Path, hash_embedder: HashEmbedder) -> Retriever:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "wijkraad.txt").write_text("De wijkraad vergadert elke maand in het buurthuis.", "utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    update_index(settings, hash_embedder)
    return Retriever.open(settings.model_copy(update={"embed_model": hash_embedder.model_id}), hash_embedder)


def dead_host() -> str:
    return f"http://127.0.0.1:{free_port()}"


def chosen(retriever: Retriever, **settings: object) -> Assistant:
    return Assistant.from_settings(retriever.settings.model_copy(update=settings), retriever=retriever)


def test_search_only_and_extractive_need_no_language_model(retriever: Retriever) -> None:
    search = chosen(retriever, answerer="none")
    assert isinstance(search.answerer, SearchOnly) and not search.answerer.writes_answers
    extractive = chosen(retriever, answerer="extractive")
    assert isinstance(extractive.answerer, ExtractiveAnswerer) and extractive.rewriter is None


def test_auto_picks_ollama_when_it_has_the_model(retriever: Retriever, fake_ollama: FakeOllama) -> None:
    assistant = chosen(retriever, answerer="auto", ollama_host=fake_ollama.url)

    assert isinstance(assistant.answerer, GenerativeAnswerer)
    assert (assistant.answerer.name, assistant.answerer.model) == ("ollama", "gemma3:4b")
    assert assistant.rewriter is assistant.answerer.llm  # follow-ups are rewritten by the same model
    assert [r.path for r in fake_ollama.requests] == ["/api/show"]  # probed once, when built


def test_auto_falls_back_to_extractive_without_ollama_or_gguf(
    retriever: Retriever, fake_ollama: FakeOllama
) -> None:
    fake_ollama.models = ["llama3.2:1b"]
    assert isinstance(
        chosen(retriever, answerer="auto", ollama_host=fake_ollama.url).answerer, ExtractiveAnswerer
    )
    assert isinstance(
        chosen(retriever, answerer="auto", ollama_host=dead_host()).answerer, ExtractiveAnswerer
    )


def test_an_explicit_choice_is_kept_even_when_unreachable(retriever: Retriever) -> None:
    """Its error, with the fix, then reaches the user instead of a silent fallback."""
    settings = retriever.settings.model_copy(update={"answerer": "ollama", "ollama_host": dead_host()})
    llm = llm_from_settings(settings)
    assert llm is not None and llm.name == "ollama"
    assert isinstance(answerer_from_settings(settings, retriever, llm), GenerativeAnswerer)
