"""Lexical retrieval: BM25 over the term counts stored with the build (`rag.terms`).

The scoring is bm25s's default ("lucene": idf = ln(1 + (N - df + 0.5) / (df + 0.5)), term weight
tf / (tf + k1 (1 - b + b len / avg len)), k1 1.5, b 0.75), computed per query over the posting
lists of its terms. bm25s precomputes every weight at indexing time instead, which makes removing
or adding a passage re-index all of them (20 s at 300k passages); counts can be updated in place.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rag.terms import TermCounts, tokenize

_K1 = 1.5
_B = 0.75


class BM25Index:
    """BM25 over term counts; rows are the counts' rows (chunk rows)."""

    def __init__(self, terms: TermCounts) -> None:
        self._size = len(terms)
        self._column = {term: j for j, term in enumerate(terms.terms)}
        self._postings = terms.counts.tocsc()  # a query reads whole columns: one per query term
        lengths = np.asarray(terms.counts.sum(axis=1), dtype=np.float32).ravel()
        average = float(lengths.mean()) if self._size else 1.0
        self._norm = _K1 * (1 - _B + _B * lengths / (average or 1.0))
        df = np.diff(self._postings.indptr).astype(np.float32)
        self._idf = np.log1p((self._size - df + 0.5) / (df + 0.5))

    @classmethod
    def from_texts(cls, texts: Sequence[str]) -> BM25Index:
        return cls(TermCounts.count(texts))

    def search(self, query: str, k: int, rows: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top-k (row, score) with a positive score, best first; only among `rows` when given."""
        columns = [self._column[t] for t in tokenize(query) if t in self._column]
        if not columns or not self._size:
            return []
        scores = np.zeros(self._size, dtype=np.float32)
        for j in columns:  # a repeated query term counts again, as in bm25s
            begin, end = self._postings.indptr[j], self._postings.indptr[j + 1]
            hits = self._postings.indices[begin:end]
            tf = self._postings.data[begin:end]
            scores[hits] += self._idf[j] * tf / (tf + self._norm[hits])
        if rows is not None:
            masked = np.zeros_like(scores)
            masked[rows] = scores[rows]
            scores = masked
        k = min(k, self._size)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(row), float(scores[row])) for row in top if scores[row] > 0]
