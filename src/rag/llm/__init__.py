"""Language model backends behind one protocol (`LLM`), and the one place that picks one.

The llama.cpp backend is an optional extra, so it is imported only when chosen.
"""

from __future__ import annotations

from rag.config import Settings
from rag.llm.base import LLM, estimate_tokens
from rag.llm.ollama import OllamaLLM


def llm_from_settings(settings: Settings) -> LLM | None:
    """The language model that writes answers, or None when the answerer is not one.

    `auto` prefers Ollama when it answers and has the model (one short probe), then a configured
    GGUF file, else None (the extractive answerer). An explicitly chosen backend is returned even
    when unreachable, so its error (with the fix) reaches the user instead of a silent fallback.
    """
    choice = settings.answerer
    if choice == "auto":
        if OllamaLLM.from_settings(settings).is_available():
            choice = "ollama"
        elif settings.llm_gguf:
            choice = "llamacpp"
    if choice == "ollama":
        return OllamaLLM.from_settings(settings)
    if choice == "llamacpp":
        from rag.llm.llamacpp import LlamaCppLLM

        return LlamaCppLLM.from_settings(settings)
    return None


__all__ = ["LLM", "estimate_tokens", "llm_from_settings"]
