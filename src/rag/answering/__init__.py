"""Who writes the answer (`Answerer`), and the one place that picks it from the settings."""

from __future__ import annotations

from rag.answering.base import Answerer, Draft
from rag.answering.extractive import ExtractiveAnswerer
from rag.answering.generative import GenerativeAnswerer
from rag.answering.search_only import SearchOnly
from rag.config import Settings
from rag.embedding import sentence_embedder
from rag.llm.base import LLM
from rag.retrieval.retriever import Retriever


def answerer_from_settings(settings: Settings, retriever: Retriever, llm: LLM | None) -> Answerer:
    """Search only, the language model `llm` (see `llm_from_settings`), else extractive."""
    if settings.answerer == "none":
        return SearchOnly()
    if llm is not None:
        return GenerativeAnswerer(llm, settings.llm_max_answer_tokens)
    return ExtractiveAnswerer(sentence_embedder(settings, retriever.embedder), retriever.index.documents)


__all__ = ["Answerer", "Draft", "ExtractiveAnswerer", "answerer_from_settings"]
