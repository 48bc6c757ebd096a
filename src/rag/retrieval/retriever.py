"""Dense, BM25 or hybrid search over a loaded index, returning ranked `Hit`s."""

from __future__ import annotations

from functools import cached_property

from rag.config import RetrievalMode, Settings
from rag.embedding import Embedder
from rag.retrieval.bm25 import BM25Index
from rag.retrieval.fusion import weighted_rrf
from rag.store import IndexStore
from rag.types import Hit


class Retriever:
    """Answers queries against one index; the BM25 side is built on first use."""

    def __init__(self, index: IndexStore, embedder: Embedder, settings: Settings) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings

    @cached_property
    def bm25(self) -> BM25Index:
        # Title and headings are part of what a passage is about, so BM25 sees them too.
        return BM25Index(
            [" ".join((c.title, *c.headings, c.text)) for c in self.index.chunks]
        )

    def search(self, query: str, k: int | None = None, mode: RetrievalMode | None = None) -> list[Hit]:
        """The k best passages for `query` (k and mode default to the settings)."""
        k = k or self.settings.top_k
        mode = mode or self.settings.retrieval_mode
        depth = max(k, self.settings.candidates)
        if mode == "bm25":
            return self._hits(self.bm25.search(query, k), bm25=True)
        dense = self.dense(query, depth if mode == "hybrid" else k)
        if mode == "dense":
            return self._hits(dense, bm25=False)
        fused = weighted_rrf(dense, self.bm25.search(query, depth), self.settings.dense_weight)
        similarity = dict(dense)
        chunks = self.index.chunks
        return [
            Hit(rank, f.score, chunks[f.row], f.dense_rank, f.bm25_rank, similarity.get(f.row))
            for rank, f in enumerate(fused[:k], start=1)
        ]

    def dense(self, query: str, k: int) -> list[tuple[int, float]]:
        """(row, cosine similarity) of the k nearest chunks."""
        vector = self.embedder.encode_queries([query])
        return self.index.search(vector, k)[0]

    def _hits(self, ranked: list[tuple[int, float]], bm25: bool) -> list[Hit]:
        chunks = self.index.chunks
        return [
            Hit(
                rank,
                score,
                chunks[row],
                dense_rank=None if bm25 else rank,
                bm25_rank=rank if bm25 else None,
                dense_score=None if bm25 else score,
            )
            for rank, (row, score) in enumerate(ranked, start=1)
        ]
