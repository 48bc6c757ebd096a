"""Settings: environment variables with the RAG_ prefix, checked, with messages that name them."""

from __future__ import annotations

import pytest

from rag.config import load_settings
from rag.errors import ConfigError

pytestmark = pytest.mark.unit


def test_the_answerer_is_read_under_its_name_and_its_older_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAG_ANSWERER", raising=False)
    monkeypatch.setenv("RAG_LLM", "extractive")
    assert load_settings().answerer == "extractive"
    monkeypatch.setenv("RAG_ANSWERER", "none")
    assert load_settings().answerer == "none"
    assert load_settings(answerer="ollama").answerer == "ollama"  # a CLI flag wins


def test_an_invalid_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_TOP_K", "nul")
    with pytest.raises(ConfigError, match="RAG_TOP_K"):
        load_settings()


def test_overlap_must_be_smaller_than_the_chunk_size() -> None:
    with pytest.raises(
        ConfigError, match=r"RAG_CHUNK_OVERLAP \(1000\) must be smaller than RAG_CHUNK_SIZE \(500\)"
    ):
        load_settings(chunk_size=500, chunk_overlap=1000)
