"""The reference backend: the sentence-transformers model run by PyTorch on this machine.

torch and sentence-transformers take seconds to import, so they are imported when the model is
loaded, not when the package is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from rag.embedding import cpu
from rag.embedding.base import unit_rows, with_document_prompt
from rag.errors import ModelError
from rag.model_files import hub_reachable

EmbedDtype = Literal["auto", "float32", "bfloat16"]
DOCUMENT_PROMPT_NAMES = ("document", "passage", "corpus")  # the order encode_document tries


class SentenceTransformerEmbedder:
    """A loaded sentence-transformers model with the prompts it was trained with."""

    backend = "torch"
    source = "local"

    def __init__(
        self,
        model: str,
        dtype: EmbedDtype = "auto",
        batch_size: int = 16,
        *,
        model_id: str | None = None,
    ) -> None:
        """`model` is a local folder or a hub id; `model_id` is the name recorded in the index."""
        if batch_size <= 0:
            raise ValueError(f"batch_size must be greater than 0, got {batch_size}")
        self.model_id = model_id or model
        self.dtype = choose_dtype(dtype)
        self.batch_size = batch_size
        self._model = _load(model, self.dtype, self.model_id)
        self.dimension: int = _dimension(self._model)
        self.max_seq_length: int = self._model.max_seq_length
        self._document_prompt = _document_prompt(self._model.prompts)

    @property
    def module(self) -> Any:
        """The SentenceTransformer itself, for the ONNX export."""
        return self._model

    def encode_documents(self, items: Sequence[tuple[str, str]]) -> np.ndarray:
        texts = [with_document_prompt(self._document_prompt, title, text) for title, text in items]
        # prompt="" because the prompt is already in each text (it differs per title).
        return self._encode(self._model.encode_document, texts, prompt="")

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(self._model.encode_query, list(texts))

    def _encode(self, method: Callable[..., Any], texts: list[str], **kwargs: Any) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = method(
            texts, batch_size=self.batch_size, convert_to_numpy=True, show_progress_bar=False, **kwargs
        )
        return unit_rows(vectors)


def choose_dtype(dtype: EmbedDtype) -> Literal["float32", "bfloat16"]:
    """Resolve "auto": bfloat16 only on CPUs with bfloat16 instructions (AVX512-BF16 or AMX).

    Measured with benchmarks/embed_dtype.py on 2 cores with AVX512-BF16: bfloat16 encodes 1.5-1.8x
    faster, vectors at cosine >= 0.9999 to float32, the same top-1 passage for 93 of 94 queries.
    With those instructions masked PyTorch emulates bfloat16: 0.7x the float32 speed on AVX-512,
    0.3x on AVX2. Other CPUs (ARM) are unmeasured, so they keep float32.
    """
    if dtype != "auto":
        return dtype
    return "bfloat16" if cpu.has(cpu.BFLOAT16) else "float32"


def _load(path: str, dtype: str, model_id: str) -> Any:
    """Load without touching the network when the model is local (or the hub is unreachable)."""
    import torch
    from sentence_transformers import SentenceTransformer

    offline = Path(path).is_dir() or not hub_reachable()
    try:
        return SentenceTransformer(
            path,
            local_files_only=offline,
            model_kwargs={"dtype": getattr(torch, dtype)},
        )
    except Exception as error:  # every loading failure means the same to the user
        raise ModelError(
            f"Could not load the embedding model {model_id!r} (from {path}): {error}. "
            "Run `rag model fetch` to install the default model, or set RAG_EMBED_MODEL to a "
            "local model folder or a Hugging Face model id."
        ) from error


def _dimension(model: Any) -> int:
    """sentence-transformers 6 renamed get_sentence_embedding_dimension; 5.x has only the old name."""
    getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(getter())


def _document_prompt(prompts: dict[str, str]) -> str:
    return next((prompts[name] for name in DOCUMENT_PROMPT_NAMES if prompts.get(name)), "")
