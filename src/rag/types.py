"""Plain data types that flow through the pipeline; this module imports nothing of the package.

Offsets (`start`, `end`) always index into `Document.text`, the text exactly as extracted from the
file (for .txt/.md: the decoded file content), so a passage can be highlighted in its document.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal, TypedDict

Language = Literal["nl", "en"]  # of a question, and so of its answer and notices
# How sure the assistant is that the passages answer the question (`answerability.py`).
Confidence = Literal["high", "weak"]


class Message(TypedDict):
    """One turn of a conversation, as chat-completion APIs take it."""

    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True, slots=True)
class Document:
    """One source file, read and decoded."""

    path: str  # relative to the corpus folder, POSIX separators
    title: str
    text: str  # extracted text; chunk offsets point into this
    sha256: str  # of the file's bytes
    mtime: float
    page_starts: tuple[int, ...] = ()  # PDF, image: offset in `text` where each page begins
    ocr_pages: tuple[int, ...] = ()  # 1-based pages whose text was recognised from a scan (OCR)

    def page_at(self, offset: int) -> int | None:
        """1-based page number that contains `offset`, or None for formats without pages."""
        if not self.page_starts:
            return None
        page = 0
        for index, start in enumerate(self.page_starts):
            if start <= offset:
                page = index
            else:
                break
        return page + 1

    def ocr_at(self, offset: int) -> bool:
        """True when the text at `offset` was recognised from a scan and may hold OCR errors."""
        return self.page_at(offset) in self.ocr_pages


@dataclass(frozen=True, slots=True)
class Chunk:
    """A passage of a document: the unit that is embedded, retrieved and cited."""

    id: str  # stable: derived from document path and offsets
    doc: str  # Document.path
    title: str  # document title
    headings: tuple[str, ...]  # heading path inside the document, outermost first
    start: int  # offset in Document.text
    end: int  # exclusive
    text: str  # whitespace-normalised Document.text[start:end]
    page: int | None = None  # PDF page of `start`
    lead: str = ""  # the sentence introducing the list this passage starts inside ("… bevat:")
    body_offset: int = 0  # where `text` continues after the heading lines `headings` already names

    @property
    def context(self) -> str:
        """Where the passage stands: "title › chapter › article › lead-in", each named once.

        Embedded in the model's title slot and indexed by BM25, so a passage deep inside a long
        statute or one report among many is found by what it belongs to; never quoted.
        """
        return " › ".join(dict.fromkeys(part for part in (self.title, *self.headings, self.lead) if part))

    @property
    def body(self) -> str:
        """The passage without its leading heading lines: what is embedded behind the context."""
        return self.text[self.body_offset :] or self.text


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its place in the ranking."""

    rank: int  # 1-based
    score: float  # fused score (or the single retriever's score)
    chunk: Chunk
    dense_rank: int | None = None  # 1-based rank in dense retrieval, None if not retrieved there
    bm25_rank: int | None = None
    dense_score: float | None = None  # cosine similarity to the query, when retrieved densely

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "score": round(self.score, 6),
            "doc": self.chunk.doc,
            "title": self.chunk.title,
            "chunk_id": self.chunk.id,
            "start": self.chunk.start,
            "end": self.chunk.end,
            "text": self.chunk.text,
            "dense_rank": self.dense_rank,
            "bm25_rank": self.bm25_rank,
            "dense_score": None if self.dense_score is None else round(self.dense_score, 6),
        }


@dataclass(frozen=True)
class Citation:
    """One `[n]` in an answer, resolved to its passage and checked against it."""

    n: int
    doc: str
    title: str
    chunk_id: str
    start: int
    end: int
    text: str
    supported: bool


@dataclass
class Answer:
    """The result of asking a question: the text, how it was made, and what backs it."""

    text: str
    refused: bool  # "not in the documents": `passages` then holds the closest matches
    backend: str
    model: str
    query: str  # the standalone query used for retrieval (rewritten for follow-ups)
    question: str = ""
    passages: list[Hit] = field(default_factory=list)
    language: Language = "nl"  # of the question: the answer and every notice use it
    confidence: Confidence | None = None  # of a written answer; None when refused or search only
    answerability: float | None = None  # estimated chance that the passages hold the answer
    citations: list[Citation] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    incomplete: bool = False  # generation stopped early (timeout, server error); text is partial
    error: str = ""  # why generation failed, with the fix; the passages are still valid
    notice: str = ""  # how the answer was made, when the user should know (e.g. extractive)
    unsupported_sentences: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "answer": self.text,
            "refused": self.refused,
            "confidence": self.confidence,
            "answerability": None if self.answerability is None else round(self.answerability, 4),
            "language": self.language,
            "backend": self.backend,
            "model": self.model,
            "query": self.query,
            "question": self.question,
            "citations": [asdict(c) for c in self.citations],
            "passages": [h.to_dict() for h in self.passages],
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "warnings": self.warnings,
            "incomplete": self.incomplete,
            "error": self.error,
            "notice": self.notice,
            "unsupported_sentences": self.unsupported_sentences,
        }
