"""Language model backends behind one protocol (`LLM`), and the one place that picks one.

The llama.cpp backend is an optional extra, so it is imported only when chosen.
"""

from __future__ import annotations

import importlib.util

from rag.config import AnswererChoice, Settings
from rag.llm.base import LLM, estimate_tokens
from rag.llm.ollama import OllamaLLM
from rag.llm.openai import OpenAILLM


def llm_from_settings(settings: Settings) -> LLM | None:
    """The language model that writes answers, or None when the answerer is not one.

    `auto` prefers Ollama when it answers and has the model (one short probe), then a configured
    GGUF file, else None (the extractive answerer, whose notice names the options). An
    OpenAI-compatible server is used only when chosen: a shared server is a decision, not a
    fallback. An explicitly chosen backend is returned even when unreachable, so its error (with
    the fix) reaches the user instead of a silent fallback.
    """
    choice = settings.answerer
    if choice == "auto":
        choice = auto_answerer(settings, OllamaLLM.from_settings(settings).is_available())
    if choice == "ollama":
        return OllamaLLM.from_settings(settings)
    if choice == "llamacpp":
        from rag.llm.llamacpp import LlamaCppLLM

        return LlamaCppLLM.from_settings(settings)
    if choice == "openai":
        return OpenAILLM.from_settings(settings)
    return None


def auto_answerer(settings: Settings, ollama_available: bool) -> AnswererChoice:
    """What `auto` answers with: Ollama when it answers and has the model, else a configured GGUF
    file, else the extractive answerer."""
    if ollama_available:
        return "ollama"
    return "llamacpp" if settings.llm_gguf else "extractive"


def available_answerers(settings: Settings) -> dict[AnswererChoice, bool]:
    """Which answerers can answer now: Ollama and an OpenAI-compatible server when they answer and
    have the model, llama.cpp when its package is installed and a GGUF file is configured; the
    others always can."""
    gguf = settings.llm_gguf
    return {
        "auto": True,
        "ollama": OllamaLLM.from_settings(settings).is_available(),
        "llamacpp": importlib.util.find_spec("xllamacpp") is not None and gguf is not None and gguf.is_file(),
        "openai": OpenAILLM.from_settings(settings).is_available(),
        "extractive": True,
        "none": True,
    }


__all__ = ["LLM", "auto_answerer", "available_answerers", "estimate_tokens", "llm_from_settings"]
