"""Dense, BM25 or hybrid search over a loaded index, returning ranked `Hit`s."""

from __future__ import annotations

from functools import cached_property, lru_cache

import numpy as np

from rag import store
from rag.config import RetrievalMode, Settings
from rag.embedding import Embedder, model_name
from rag.retrieval.bm25 import BM25Index
from rag.retrieval.diversity import mmr
from rag.retrieval.filters import Where
from rag.retrieval.fusion import Fused, weighted_rrf, weighted_score_fusion, within_dense_shortlist
from rag.store import IndexStore
from rag.types import Hit

_MMR_POOL = 4  # MMR chooses k passages from the best k * _MMR_POOL candidates


class Retriever:
    """Answers queries against one index; the BM25 side is derived from the stored term counts on
    first use (a fraction of a second at 100k passages)."""

    def __init__(self, index: IndexStore, embedder: Embedder, settings: Settings) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self._allowed_rows = lru_cache(maxsize=32)(self._rows_where)
        # A question is embedded once, however many times it is searched (modes, answerability).
        self._query_vector = lru_cache(maxsize=256)(self._embed_query)

    @classmethod
    def open(cls, settings: Settings, embedder: Embedder) -> Retriever:
        """The live index at settings.index_dir, searched with `embedder`.

        Raises IndexStoreError (with the fix) when the index is missing, damaged, or was built by
        another embedding model or backend than the settings and `embedder` name.
        """
        index = store.load(settings.index_dir)
        store.check_compatible(
            index.manifest, model_name(settings), settings.index_dir, embedder.dimension, embedder.backend
        )
        return cls(index, embedder, settings)

    @cached_property
    def bm25(self) -> BM25Index:
        return BM25Index(self.index.terms)

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
            weight, top = self.settings.dense_weight, self.settings.fusion_bm25_top
            fused = fuse(dense, lexical, weight, lexical_top=top)
            ranked = within_dense_shortlist(fused, dense, self.settings.fusion_shortlist)
        elif mode == "dense":
            ranked = [Fused(row, score, rank, None) for rank, (row, score) in enumerate(dense, start=1)]
        else:
            ranked = [Fused(row, score, None, rank) for rank, (row, score) in enumerate(lexical, start=1)]
        if diverse:
            pool = ranked[: k * _MMR_POOL]
            rows_in_pool = [f.row for f in pool]
            picked = mmr(
                rows_in_pool,
                [f.score for f in pool],
                self.index.vectors.matrix(rows_in_pool),
                k,
                self.settings.mmr_lambda,
            )
            by_row = {f.row: f for f in pool}
            ranked = [by_row[row] for row in picked]
        similarity = dict(dense)
        return [
            Hit(rank, f.score, self.index.chunks[f.row], f.dense_rank, f.bm25_rank, similarity.get(f.row))
            for rank, f in enumerate(ranked[:k], start=1)
        ]

    def dense(self, query: str, k: int, rows: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(row, cosine similarity) of the k nearest chunks, among `rows` when given."""
        vector = self._query_vector(query)
        if rows is None:
            return self.index.search(vector[None], k)[0]
        scores = self.index.vectors.matrix(rows) @ vector
        best = np.argsort(-scores, kind="stable")[:k]
        return [(int(rows[i]), float(scores[i])) for i in best]

    def _embed_query(self, query: str) -> np.ndarray:
        return self.embedder.encode_queries([query])[0]

    def _rows_where(self, where: Where) -> np.ndarray:
        documents = self.index.documents
        allowed = {path for path, doc in documents.items() if where.allows(doc)}
        return np.array([i for i, c in enumerate(self.index.chunks) if c.doc in allowed], dtype="int64")
