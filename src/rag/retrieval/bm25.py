"""Lexical retrieval: BM25 over Dutch-aware tokens (accent folding, stopwords, Snowball stemmer)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import bm25s
import numpy as np
import snowballstemmer
from bm25s.stopwords import STOPWORDS_DUTCH, STOPWORDS_EN

from rag.types import Chunk

_WORD = re.compile(r"\w+", re.UNICODE)
# Questions come in Dutch and English; both languages' function words carry no topic.
_STOPWORDS = frozenset(STOPWORDS_DUTCH) | frozenset(STOPWORDS_EN)
# The classic Snowball Dutch stemmer: the newer "dutch" (Kraaij-Pohlmann) strips "ge-" and maps
# "gemeente" to "meen", colliding with "menen".
_STEMMER = snowballstemmer.stemmer("dutch_porter")


def fold_accents(text: str) -> str:
    """'geïnteresseerd' and 'geinteresseerd' must match: users type without diacritics."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _STEMMER.stemWord(word)


def tokenize(text: str) -> list[str]:
    """Lowercased, accent-folded, stopword-free Dutch stems."""
    words = _WORD.findall(fold_accents(text.lower()))
    return [_stem(w) for w in words if w not in _STOPWORDS]


def searchable_text(chunk: Chunk) -> str:
    """What BM25 indexes of a passage: title and headings are part of what it is about."""
    return " ".join((chunk.title, *chunk.headings, chunk.text))


class BM25Index:
    """BM25 over a fixed list of texts; rows are positions in that list."""

    def __init__(self, texts: Sequence[str]) -> None:
        self._size = len(texts)
        self._bm25 = bm25s.BM25()
        if texts:
            self._bm25.index([tokenize(t) or [""] for t in texts], show_progress=False)

    def search(self, query: str, k: int, rows: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top-k (row, score) with a positive score, best first; only among `rows` when given."""
        tokens = tokenize(query)
        if not tokens or not self._size:
            return []
        scores = self._bm25.get_scores(tokens)
        if rows is not None:
            masked = np.zeros_like(scores)
            masked[rows] = scores[rows]
            scores = masked
        k = min(k, self._size)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(row), float(scores[row])) for row in top if scores[row] > 0]
