"""Check an answer's `[n]` markers against the passages they point at.

A marker to a passage that does not exist is removed and reported. Every sentence must cite a
passage that backs it: enough of its content words (stemmed, as BM25 sees them) occur in the
passage. The check is lexical on purpose: it is cheap, explainable and language-agnostic, and an
answer built from the passages (the only kind allowed) shares their words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.chunking import split_sentences
from rag.terms import tokenize
from rag.types import Citation, Hit

MARKER = re.compile(r"\s*\[(\d+(?:\s*(?:[-–,]|&)\s*\d+)*)\]")
_LEADING_MARKERS = re.compile(r"^(?:\s*\[[\d,\s\-–&]+\])+")
SUPPORT_THRESHOLD = 0.5  # share of a sentence's content words found in a cited passage


@dataclass
class CitationReport:
    text: str  # the answer with invalid markers removed
    citations: list[Citation]
    unsupported_sentences: list[str] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)  # cited numbers with no such passage


def parse_marker(body: str) -> list[int]:
    """'1', '1, 3', '2-4' -> passage numbers; an odd form such as '1-2-3' yields each number."""
    numbers: list[int] = []
    for part in re.split(r"\s*[,&]\s*", body):
        ends = [int(x) for x in re.split(r"\s*[-–]\s*", part) if x.strip()]
        if len(ends) == 2 and 0 < ends[1] - ends[0] < 20:
            numbers.extend(range(ends[0], ends[1] + 1))
        else:
            numbers.extend(ends)
    return numbers


def support(sentence: str, passage: str) -> float:
    """Share of the sentence's content words (without markers) that occur in the passage."""
    words = set(tokenize(MARKER.sub(" ", sentence)))
    if not words:
        return 1.0
    return len(words & set(tokenize(passage))) / len(words)


def check_citations(answer: str, passages: list[Hit]) -> CitationReport:
    """Remove markers to missing passages, then check each sentence against what it cites."""
    removed: list[int] = []

    def keep_valid(match: re.Match[str]) -> str:
        numbers = parse_marker(match.group(1))
        valid = [n for n in dict.fromkeys(numbers) if 1 <= n <= len(passages)]
        removed.extend(n for n in numbers if n not in valid)
        return format_marker(valid)

    text = answer
    while (cleaned := MARKER.sub(keep_valid, text)) != text:  # "[2[9]]" becomes "[2]": check again
        text = cleaned
    text = text.strip()
    backed: dict[int, list[bool]] = {}
    unsupported: list[str] = []
    for sentence, cited in cited_sentences(text):
        checks = {n: support(sentence, passages[n - 1].chunk.text) >= SUPPORT_THRESHOLD for n in cited}
        for n, ok in checks.items():
            backed.setdefault(n, []).append(ok)
        if not any(checks.values()):
            unsupported.append(sentence)
    citations = [_citation(n, passages[n - 1], all(oks)) for n, oks in sorted(backed.items())]
    return CitationReport(text, citations, unsupported, removed)


def cited_sentences(text: str) -> list[tuple[str, list[int]]]:
    """Sentences with the passage numbers they cite.

    In "claim. [1] Next claim." the sentence splitter puts "[1]" at the start of the next sentence,
    but it cites the claim before it.
    """
    result: list[tuple[str, list[int]]] = []
    for start, end in split_sentences(text):
        sentence = text[start:end]
        leading = _LEADING_MARKERS.match(sentence)
        if leading and result:
            previous, cited = result[-1]
            result[-1] = (previous + leading.group(), cited + marker_numbers(leading.group()))
            sentence = sentence[leading.end() :].strip()
        if sentence:
            result.append((sentence, marker_numbers(sentence)))
    return result


def format_marker(numbers: list[int]) -> str:
    """The marker written after a sentence, such as " [1, 3]"; nothing when no number is left."""
    return f" [{', '.join(map(str, numbers))}]" if numbers else ""


def marker_numbers(text: str) -> list[int]:
    """Every passage number the text's [n] markers cite, in order."""
    return [n for match in MARKER.finditer(text) for n in parse_marker(match.group(1))]


def _citation(n: int, hit: Hit, supported: bool) -> Citation:
    chunk = hit.chunk
    return Citation(n, chunk.doc, chunk.title, chunk.id, chunk.start, chunk.end, chunk.text, supported)
