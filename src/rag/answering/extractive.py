"""The no-model answerer: quotes the retrieved sentences that best answer the question.

It cannot invent anything: every sentence it returns is copied from a passage and followed by that
passage's number. It reuses the embedding model to score sentences against the question.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np

from rag.answering.base import Draft
from rag.chunking import normalize_whitespace, split_sentences
from rag.embedding import Embedder
from rag.types import Document, Hit, Language

_MIN_SENTENCE_CHARS = 25  # shorter "sentences" are headings or fragments, not answers
_MAX_SENTENCES = 4
_MARGIN = 0.1  # keep sentences scoring within this of the best one

NOTICE = {
    "nl": "Extractief antwoord — geen taalmodel ingesteld: letterlijke zinnen uit de bronnen.",
    "en": "Extractive answer — no language model configured: sentences quoted from the sources.",
}


class ExtractiveAnswerer:
    """Selects sentences; `name`/`model` are shown with every answer like an LLM backend's."""

    name = "extractive"
    writes_answers = True

    def __init__(
        self,
        embedder: Embedder,
        documents: Mapping[str, Document],
        max_sentences: int = _MAX_SENTENCES,
    ) -> None:
        self.embedder = embedder
        self.documents = documents
        self.model = embedder.model_id
        self.max_sentences = max_sentences

    def draft(self, question: str, passages: list[Hit], language: Language) -> Draft:
        return Draft(passages, self._sentences_for(question, passages), notice=NOTICE[language])

    def _sentences_for(self, question: str, passages: list[Hit]) -> Iterator[str]:
        """Yield `sentence [n]` pieces in passage order."""
        candidates = self.candidates(passages)
        if not candidates:
            return
        query = self.embedder.encode_queries([question])[0]
        vectors = self.embedder.encode_documents([(title, text) for _, _, text, title in candidates])
        scores = vectors @ query
        best = float(np.max(scores))
        ranked = np.argsort(-scores)[: self.max_sentences]
        chosen = sorted(
            (candidates[i] for i in ranked if scores[i] >= best - _MARGIN),
            key=lambda c: (c[0], c[1]),
        )
        for index, (n, _, text, _) in enumerate(chosen):
            yield f"{'' if index == 0 else ' '}{text} [{n}]"

    def candidates(self, passages: list[Hit]) -> list[tuple[int, int, str, str]]:
        """(passage number, position, sentence, title) of every sentence long enough to answer."""
        return [
            (n, position, sentence, hit.chunk.title)
            for n, hit in enumerate(passages, start=1)
            for position, sentence in enumerate(self._sentences(hit))
            if len(sentence) >= _MIN_SENTENCE_CHARS
        ]

    def _sentences(self, hit: Hit) -> list[str]:
        """Sentences of the passage, split on the original text so headings stay apart."""
        chunk = hit.chunk
        document = self.documents.get(chunk.doc)
        original = document.text[chunk.start : chunk.end] if document else chunk.text
        return [normalize_whitespace(original[a:b]) for a, b in split_sentences(original)]
