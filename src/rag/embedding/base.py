"""What every embedding backend provides, and the prompt and normalisation rules they share."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Tokenizer

UNTITLED = "title: none"  # EmbeddingGemma's document prompt; its model card says: fill in the title


class Embedder(Protocol):
    """Unit vectors for passages and queries; a row per input, in input order."""

    model_id: str  # the model name recorded in the index: queries must come from the same model
    dimension: int
    # "torch", "onnx-int8" or "openai", recorded in the index: their vectors differ (int8 vs float32:
    # cosine ~0.997), so an index is searched only with queries from the backend that built it
    backend: str
    # where the vectors are computed, recorded in the index: "local", or the URL of an embedding server
    source: str

    def encode_documents(self, items: Sequence[tuple[str, str]]) -> np.ndarray:
        """Embed (title, text) pairs, each with the model's document prompt."""
        ...

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed search queries with the model's query prompt."""
        ...


def with_document_prompt(prompt: str, title: str, text: str) -> str:
    """`text` behind the document prompt, the passage's context (title › headings) in
    EmbeddingGemma's title slot; a model without a title slot reads the context as the text's
    first line, so a passage never loses what it belongs to."""
    title = " ".join(title.split())
    if title and prompt.startswith(UNTITLED):
        return f"title: {title}{prompt[len(UNTITLED) :]}{text}"
    return f"{prompt}{title}\n\n{text}" if title else prompt + text


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Normalise in float32: a bfloat16 model's own normalisation leaves norms up to 0.3% off 1."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12))


class ExportedModel:
    """What sentence-transformers does around the model, for the backends that run an export of it
    (int8 ONNX, compiled PyTorch) without it: the prompts, the length limit and the tokenizer, read
    from the source model's files copied beside the export. A subclass runs the texts (`_encode`)."""

    def __init__(self, directory: Path, model_id: str) -> None:
        self.model_id = model_id
        prompts = json.loads((directory / "config_sentence_transformers.json").read_text("utf-8"))["prompts"]
        self._query_prompt: str = prompts["query"]
        self._document_prompt: str = prompts["document"]
        config = json.loads((directory / "sentence_bert_config.json").read_text("utf-8"))
        self.max_seq_length: int = config["max_seq_length"]
        self._tokenizer = model_tokenizer(directory, self.max_seq_length)

    def encode_documents(self, items: Sequence[tuple[str, str]]) -> np.ndarray:
        return self._encode(
            [with_document_prompt(self._document_prompt, title, text) for title, text in items]
        )

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([self._query_prompt + text for text in texts])

    def _encode(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError


def model_tokenizer(directory: Path, max_length: int) -> Tokenizer:
    """The model's own fast tokenizer (bos/eos added by its post-processor), cut at `max_length`, no
    padding: what sentence-transformers gives the model, for backends that run without it."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length)
    return tokenizer
