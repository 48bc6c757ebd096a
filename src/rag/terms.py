"""What BM25 counts of a passage: Dutch-aware terms (accent folding, stopwords, Snowball stemmer)
and a term-count row per passage.

The counts are stored with the build so that neither a start nor an update tokenises the
passages already indexed (104 s at 100k passages): an update keeps the rows of unchanged
passages and counts only the new ones. BM25 weights (idf, lengths) are derived from the counts
when searching (`rag.retrieval.bm25`).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import snowballstemmer
from bm25s.stopwords import STOPWORDS_DUTCH, STOPWORDS_EN
from scipy import sparse

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
    """What BM25 indexes of a passage: where it stands is part of what it is about."""
    return f"{chunk.context} {chunk.body}"


@dataclass(frozen=True)
class TermCounts:
    """How often each term occurs in each passage: row i is chunk row i, column j is terms[j].

    Terms of removed passages stay in the vocabulary (with no counts) until the next full build.
    """

    terms: tuple[str, ...]
    counts: sparse.csr_matrix  # float32, (passages, len(terms))

    def __post_init__(self) -> None:
        if self.counts.shape[1] != len(self.terms):
            raise ValueError(f"{self.counts.shape[1]} count columns for {len(self.terms)} terms")

    def __len__(self) -> int:
        return int(self.counts.shape[0])

    @classmethod
    def count(cls, texts: Sequence[str]) -> TermCounts:
        return cls((), sparse.csr_matrix((0, 0), dtype=np.float32)).updated(np.arange(0), texts)

    def updated(self, kept_rows: np.ndarray, texts: Sequence[str]) -> TermCounts:
        """These counts with only `kept_rows`, followed by a row per text in `texts`."""
        column = {term: j for j, term in enumerate(self.terms)}
        terms = list(self.terms)
        indptr, indices, data = [0], [], []
        for text in texts:
            for term, times in Counter(tokenize(text)).items():
                j = column.setdefault(term, len(column))
                if j == len(terms):
                    terms.append(term)
                indices.append(j)
                data.append(times)
            indptr.append(len(indices))
        new = sparse.csr_matrix(
            (np.array(data, np.float32), np.array(indices, np.int32), np.array(indptr, np.int64)),
            shape=(len(texts), len(terms)),
        )
        kept = self.counts[np.asarray(kept_rows, dtype=np.int64)]
        kept.resize(kept.shape[0], len(terms))
        return TermCounts(tuple(terms), sparse.vstack([kept, new], format="csr", dtype=np.float32))

    def save(self, path: Path) -> None:
        np.savez(
            path,
            terms=np.array(self.terms, dtype=str),
            data=self.counts.data,
            indices=self.counts.indices,
            indptr=self.counts.indptr,
            shape=np.array(self.counts.shape),
        )

    @classmethod
    def load(cls, path: Path) -> TermCounts:
        with np.load(path, allow_pickle=False) as saved:
            matrix = sparse.csr_matrix(
                (saved["data"], saved["indices"], saved["indptr"]), shape=tuple(saved["shape"])
            )
            return cls(tuple(saved["terms"].tolist()), matrix)
