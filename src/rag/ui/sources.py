"""The sources listed under an answer: one per stretch of a document, numbered 1..n in the order
the answer cites them, each with the sentence that backs the claim.

Retrieval returns overlapping chunks (chunks share an overlap) and several chunks of one document;
listed as they come, the user sees two sources that are one and numbers with gaps ("[3]" only).
So cited passages of one document that overlap or touch are merged, and the answer's markers
are renumbered to the merged sources.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from rag.chunking import normalize_whitespace, split_sentences
from rag.citations import MARKER, cited_sentences, format_marker, marker_numbers, parse_marker
from rag.terms import tokenize
from rag.types import Answer, Chunk, Document, Hit

_ADJACENT_CHARS = 40  # passages of one document this close together are one source
_MIN_OVERLAP = 0.2  # a passage sentence backs a claim when they share this much of their words
_SNIPPET_CHARS = 180


@dataclass(frozen=True)
class Source:
    n: int  # the number the (renumbered) answer's [n] markers use
    title: str
    doc: str  # Document.path
    start: int  # offsets into Document.text
    end: int
    text: str  # the passage (whitespace-normalised)
    section: str | None = None  # innermost heading above the passage
    page: int | None = None
    supported: bool = True  # False: a sentence cites it, but the passage does not back it
    cited: bool = True  # False: a retrieved passage the answer does not cite
    relevance: float | None = None  # cosine similarity of the passage to the question
    marks: tuple[tuple[int, int], ...] = ()  # the sentences that back the answer (document offsets)
    snippet: str = ""  # one line to recognise the source by: its first marked sentence


@dataclass(frozen=True)
class Sourced:
    """An answer's text with its markers renumbered to `sources`."""

    text: str
    sources: list[Source] = field(default_factory=list)


@dataclass
class _Group:
    doc: str
    start: int
    end: int
    hits: list[Hit]
    supported: bool = True

    def takes(self, hit: Hit) -> bool:
        chunk = hit.chunk
        return (
            chunk.doc == self.doc
            and chunk.start <= self.end + _ADJACENT_CHARS
            and chunk.end >= self.start - _ADJACENT_CHARS
        )

    def add(self, hit: Hit) -> None:
        self.hits.append(hit)
        self.start, self.end = min(self.start, hit.chunk.start), max(self.end, hit.chunk.end)


def sourced_answer(answer: Answer, documents: Mapping[str, Document]) -> Sourced:
    """The cited passages, merged and renumbered; without citations (search only, a refusal, an
    uncited answer) every retrieved passage, so the user always has the closest matches to read."""
    if not answer.citations:
        groups = _grouped(answer.passages)
        sources = [_source(n, g, [answer.query], documents, cited=False) for n, g in enumerate(groups, 1)]
        return Sourced(answer.text, sources)
    supported = {c.n: c.supported for c in answer.citations}
    order = [n for n in dict.fromkeys(marker_numbers(answer.text)) if n in supported]
    order += [n for n in supported if n not in order]
    groups = _grouped([answer.passages[n - 1] for n in order])
    renumbered: dict[int, int] = {}
    for old in order:
        chunk = answer.passages[old - 1].chunk
        position = next(i for i, g in enumerate(groups) if any(h.chunk is chunk for h in g.hits))
        renumbered[old] = position + 1
        groups[position].supported &= supported[old]
    text = _renumber(answer.text, renumbered)
    claims: dict[int, list[str]] = {}
    for sentence, numbers in cited_sentences(text):
        for n in dict.fromkeys(numbers):
            claims.setdefault(n, []).append(MARKER.sub("", sentence))
    sources = [_source(n, g, claims.get(n, []), documents) for n, g in enumerate(groups, 1)]
    return Sourced(text, sources)


def _renumber(text: str, renumbered: Mapping[int, int]) -> str:
    def replace(match: re.Match[str]) -> str:
        numbers = dict.fromkeys(renumbered[n] for n in parse_marker(match.group(1)) if n in renumbered)
        return format_marker(sorted(numbers))

    return MARKER.sub(replace, text)


def _grouped(hits: list[Hit]) -> list[_Group]:
    groups: list[_Group] = []
    for hit in hits:
        group = next((g for g in groups if g.takes(hit)), None)
        if group is None:
            groups.append(_Group(hit.chunk.doc, hit.chunk.start, hit.chunk.end, [hit]))
        else:
            group.add(hit)
    return groups


def _source(
    n: int, group: _Group, claims: list[str], documents: Mapping[str, Document], *, cited: bool = True
) -> Source:
    first = min(group.hits, key=lambda hit: hit.chunk.start).chunk
    document = documents.get(group.doc)
    marks: tuple[tuple[int, int], ...] = ()
    if document is None:  # the document left the index: show the chunk as retrieved
        start, end, text = first.start, first.end, first.text
    else:
        start, end = group.start, group.end
        text = normalize_whitespace(document.text[start:end])
        marks = _backing_sentences(document.text, start, end, claims)
    scores = [h.dense_score for h in group.hits if h.dense_score is not None]
    snippet = normalize_whitespace(document.text[marks[0][0] : marks[0][1]]) if document and marks else text
    return Source(
        n,
        first.title,
        group.doc,
        start,
        end,
        text,
        _section(first),
        first.page,
        group.supported,
        cited,
        max(scores) if scores else None,
        marks,
        _shortened(snippet),
    )


def _section(chunk: Chunk) -> str | None:
    """The innermost heading above the passage, unless it only repeats the document's title (a
    page whose first heading is its title showed "Title · Title")."""
    heading = chunk.headings[-1] if chunk.headings else None
    return None if heading is None or heading.casefold() == chunk.title.casefold() else heading


def _backing_sentences(text: str, start: int, end: int, claims: list[str]) -> tuple[tuple[int, int], ...]:
    """For each claim, the sentence of text[start:end] that shares most of its words: a quote
    finds itself, a paraphrase the sentence it was made from."""
    sentences = [(start + a, start + b) for a, b in split_sentences(text[start:end])]
    words = [set(tokenize(text[a:b])) for a, b in sentences]
    marks: dict[tuple[int, int], None] = {}
    for claim in claims:
        claimed = set(tokenize(claim))
        scored = [(_overlap(claimed, found), span) for found, span in zip(words, sentences, strict=True)]
        best_score, best = max(scored, default=(0.0, (0, 0)))
        if best_score >= _MIN_OVERLAP:
            marks[best] = None
    return tuple(sorted(marks))


def _overlap(a: set[str], b: set[str]) -> float:
    """Dice coefficient: neither a short heading nor a long paragraph wins by its length alone."""
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def _shortened(text: str) -> str:
    if len(text) <= _SNIPPET_CHARS:
        return text
    return text[:_SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"


def spans_in(sources: list[Source], doc: str) -> list[tuple[int, int, int]]:
    """(start, end, n) of every listed passage of `doc`, for the whole-document view."""
    return [(s.start, s.end, s.n) for s in sources if s.doc == doc]
