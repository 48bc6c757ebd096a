"""Which backend answers: the `RAG_LLM` setting, with `auto` probing what this machine has."""

from __future__ import annotations

from rag.config import Settings
from rag.llm.base import LLM
from rag.llm.ollama import OllamaLLM


def ollama_from_settings(settings: Settings) -> OllamaLLM:
    return OllamaLLM(
        host=settings.ollama_host,
        model=settings.ollama_model,
        timeout=settings.ollama_timeout,
        keep_alive=settings.ollama_keep_alive,
        context_tokens=settings.llm_context_tokens,
        max_answer_tokens=settings.llm_max_answer_tokens,
        temperature=settings.llm_temperature,
    )


def llamacpp_from_settings(settings: Settings) -> LLM:
    from rag.llm.llamacpp import LlamaCppLLM  # optional extra: imported only when chosen

    return LlamaCppLLM(
        gguf_path=settings.llm_gguf,
        context_tokens=settings.llm_context_tokens,
        max_answer_tokens=settings.llm_max_answer_tokens,
        temperature=settings.llm_temperature,
    )


def select_llm(settings: Settings) -> LLM | None:
    """The configured generative backend, or None for the extractive answerer (and for `none`).

    `auto` prefers Ollama when it answers and has the model, then a configured GGUF file.
    An explicitly chosen backend is returned even when unreachable, so its error (with the fix)
    reaches the user instead of a silent fallback.
    """
    if settings.llm == "ollama":
        return ollama_from_settings(settings)
    if settings.llm == "llamacpp":
        return llamacpp_from_settings(settings)
    if settings.llm == "auto":
        ollama = ollama_from_settings(settings)
        if ollama.is_available():
            return ollama
        if settings.llm_gguf:
            return llamacpp_from_settings(settings)
    return None
