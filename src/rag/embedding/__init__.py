"""Turn passages and queries into unit vectors: the `Embedder` seam and the one factory behind it.

Cosine similarity is then a plain inner product, which is what the index stores and searches.
Every backend (the sentence-transformers model in PyTorch, and any faster or remote one) satisfies
`Embedder`; `load_embedder` is the only place that chooses one from the settings.
"""

from __future__ import annotations

from rag.config import Settings
from rag.embedding.base import Embedder


def load_embedder(settings: Settings) -> Embedder:
    """The embedding backend the settings ask for, loaded (seconds: torch and the weights)."""
    from rag.embedding.pytorch import SentenceTransformerEmbedder
    from rag.model_files import resolve_model_path

    return SentenceTransformerEmbedder(
        resolve_model_path(settings),
        settings.embed_dtype,
        settings.embed_batch_size,
        model_id=settings.embed_model,
    )


__all__ = ["Embedder", "load_embedder"]
