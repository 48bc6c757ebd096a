"""Test doubles that satisfy the product's seams (`rag.embedding.Embedder`), and nothing more."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from rag.embedding import Embedder

_WORD = re.compile(r"\w+")


class HashEmbedder:
    """A deterministic embedder for tests of pure logic: each word adds a fixed random direction,
    so texts sharing words are similar and the same text always gives the same vector."""

    model_id = "test/hash-embedder"
    dimension = 64
    backend = "torch"  # stands in for the default backend in manifests and compatibility checks
    source = "local"

    def encode_documents(self, items: Sequence[tuple[str, str]]) -> np.ndarray:
        return self._encode([f"{title} {text}" for title, text in items])

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(list(texts))

    def _encode(self, texts: list[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                seed = int.from_bytes(hashlib.sha1(word.encode()).digest()[:4], "little")
                vectors[row] += np.random.default_rng(seed).normal(size=self.dimension)
            vectors[row] += 1e-3  # an empty text still gets a direction
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


class MemoEmbedder:
    """The real model, asked once per distinct text in a test session.

    Dozens of tests index the same sample corpus; encoding it again and again was six of the
    suite's fourteen minutes. Every vector still comes from the wrapped model.
    """

    def __init__(self, model: Embedder) -> None:
        self.model = model
        self.model_id = model.model_id
        self.dimension = model.dimension
        self.backend = model.backend
        self.source = model.source
        self._documents: dict[tuple[str, str], np.ndarray] = {}
        self._queries: dict[str, np.ndarray] = {}

    def encode_documents(self, items: Sequence[tuple[str, str]]) -> np.ndarray:
        missing = list(dict.fromkeys(item for item in items if item not in self._documents))
        if missing:
            self._documents.update(zip(missing, self.model.encode_documents(missing), strict=True))
        return self._stack([self._documents[item] for item in items])

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        missing = list(dict.fromkeys(text for text in texts if text not in self._queries))
        if missing:
            self._queries.update(zip(missing, self.model.encode_queries(missing), strict=True))
        return self._stack([self._queries[text] for text in texts])

    def _stack(self, rows: list[np.ndarray]) -> np.ndarray:
        return np.stack(rows) if rows else np.zeros((0, self.dimension), dtype=np.float32)
