"""Dense, BM25 or hybrid search over a loaded index, returning ranked `Hit`s."""

from __future__ import annotations

from functools import cached_property, lru_cache

import numpy as np

from rag.config import RetrievalMode, Settings
from rag.embedding import Embedder
from rag.retrieval.bm25 import BM25Index, searchable_text
from rag.retrieval.diversity import mmr
from rag.retrieval.filters import Where
from rag.retrieval.fusion import weighted_rrf, weighted_score_fusion
from rag.store import IndexStore
from rag.types import Hit

_MMR_POOL = 4  # MMR chooses k passages from the best k * _MMR_POOL candidates


class Retriever:
    """Answers queries against one index; the BM25 side is built on first use."""

    def __init__(self, index: IndexStore, embedder: Embedder, settings: Settings) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self._allowed_rows = lru_cache(maxsize=32)(self._rows_where)

    @cached_property
    def bm25(self) -> BM25Index:
        return BM25Index([searchable_text(c) for c in self.index.chunks])

    def search(
        self,
        query: str,
        k: int | None = None,
        mode: RetrievalMode | None = None,
        where: Where | None = None,
    ) -> list[Hit]:
        """The k best passages for `query` (k and mode default to the settings)."""
        k = k or self.settings.top_k
        mode = mode or self.settings.retrieval_mode
        rows = self._allowed_rows(where) if where else None
        diverse = self.settings.mmr_lambda < 1.0
        depth = max(k * _MMR_POOL if diverse else k, self.settings.candidates if mode == "hybrid" else 0)

        dense = self.dense(query, depth, rows) if mode != "bm25" else []
        lexical = self.bm25.search(query, depth, rows) if mode != "dense" else []
        if mode == "hybrid":
            fuse = weighted_score_fusion if self.settings.fusion == "score" else weighted_rrf
            ranked = [(f.row, f.score) for f in fuse(dense, lexical, self.settings.dense_weight)]
        else:
            ranked = dense or lexical
        if diverse:
            pool = ranked[: k * _MMR_POOL]
            picked = mmr(
                [r for r, _ in pool], [s for _, s in pool], self.index.vectors, k, self.settings.mmr_lambda
            )
            scores = dict(pool)
            ranked = [(row, scores[row]) for row in picked]
        return self._hits(ranked[:k], dense, lexical)

    def dense(self, query: str, k: int, rows: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(row, cosine similarity) of the k nearest chunks, among `rows` when given."""
        vector = self.embedder.encode_queries([query])
        if rows is None:
            return self.index.search(vector, k)[0]
        scores = self.index.vectors[rows] @ vector[0]
        best = np.argsort(-scores, kind="stable")[:k]
        return [(int(rows[i]), float(scores[i])) for i in best]

    def _rows_where(self, where: Where) -> np.ndarray:
        documents = self.index.documents
        allowed = {path for path, doc in documents.items() if where.allows(doc)}
        return np.array([i for i, c in enumerate(self.index.chunks) if c.doc in allowed], dtype="int64")

    def _hits(
        self,
        ranked: list[tuple[int, float]],
        dense: list[tuple[int, float]],
        lexical: list[tuple[int, float]],
    ) -> list[Hit]:
        dense_rank = {row: rank for rank, (row, _) in enumerate(dense, start=1)}
        lexical_rank = {row: rank for rank, (row, _) in enumerate(lexical, start=1)}
        similarity = dict(dense)
        chunks = self.index.chunks
        return [
            Hit(rank, score, chunks[row], dense_rank.get(row), lexical_rank.get(row), similarity.get(row))
            for rank, (row, score) in enumerate(ranked, start=1)
        ]
