"""Which passages an answer lists under it, numbered as its `[n]` markers number them."""

from __future__ import annotations

from dataclasses import dataclass

from rag.types import Answer


@dataclass(frozen=True)
class Source:
    n: int  # the number the answer's [n] markers use
    title: str
    doc: str  # Document.path
    start: int  # offsets into Document.text
    end: int
    text: str  # the passage (whitespace-normalised)
    page: int | None = None
    supported: bool = True  # False: a sentence cites it, but the passage does not back it
    cited: bool = True  # False: a retrieved passage the answer does not cite
    relevance: float | None = None  # cosine similarity of the passage to the question


def answer_sources(answer: Answer) -> list[Source]:
    """The cited passages; without citations (search only, a refusal, a failed or uncited answer)
    every retrieved passage, so the user always has the closest matches to read."""
    if answer.citations:
        hits = dict(enumerate(answer.passages, start=1))
        return [
            Source(
                c.n,
                c.title,
                c.doc,
                c.start,
                c.end,
                c.text,
                hits[c.n].chunk.page,
                c.supported,
                relevance=hits[c.n].dense_score,
            )
            for c in answer.citations
        ]
    return [
        Source(
            n,
            h.chunk.title,
            h.chunk.doc,
            h.chunk.start,
            h.chunk.end,
            h.chunk.text,
            h.chunk.page,
            cited=False,
            relevance=h.dense_score,
        )
        for n, h in enumerate(answer.passages, start=1)
    ]


def spans_in(sources: list[Source], doc: str) -> list[tuple[int, int, int]]:
    """(start, end, n) of every listed passage of `doc`, for the whole-document view."""
    return [(s.start, s.end, s.n) for s in sources if s.doc == doc]
