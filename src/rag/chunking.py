"""Split a document into passages that follow its structure: sections, paragraphs, sentences.

A chunk never starts inside a section and runs on into the next: every heading starts a new chunk
(a heading directly followed by a sub-heading stays with it), so a passage and its heading path
agree. Within a section, sentences are packed up to `size` characters; when a section needs
several chunks, each next chunk repeats the previous chunk's last sentence(s) (at most `overlap`
characters) so a statement cut at a boundary is still found whole.

Headings are Markdown `#` lines (the loaders write HTML and DOCX headings that way too). A text
without any `#` heading gets heuristic headings instead: a short line standing at the start of
a paragraph, without closing punctuation, followed by ordinary prose.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import NamedTuple

from rag.types import Chunk, Document

_MAX_HEADING = 200  # a longer "# line" is prose, not a heading
_MAX_PLAIN_HEADING = 80
_CONTENT_LINE = re.compile(r"^[^\S\n]*(\S(?:[^\n]*\S)?)", re.MULTILINE)
_MD_HEADING = re.compile(r"(#{1,6})\s+(.*?)[\s#]*$")
_FENCE = re.compile(r"```|~~~")
_LIST_ITEM = re.compile(r"(?:[-*+•▪–]|\d{1,3}[.)])\s")
_KEY_VALUE = re.compile(r"[^\W\d][\w ]{0,40}:\s")
_CLOSING = "\"'”’»)]"
_OPENING = "\"'“‘«(["
_NO_HEADING_END = ".,;:!…"
_BODY_END = ".!?:;…"
# A sentence ends at . ! ? or … (plus closing quotes/brackets) followed by whitespace; group 1 is
# the mark, group 2 the whitespace, group 3 the first character of the next sentence. The
# lookbehind keeps matching linear on long runs of dots.
_SENTENCE_END = re.compile(r"(?<![.!?…])([.!?…]+)[\"'”’»)\]]*(\s+)(\S)")
_WORD_BEFORE = re.compile(r"\S*$")
_MAX_ABBREVIATION = 8
_ABBREVIATIONS = frozenset(
    "art bijv blz ca d.w.z dhr dr drs e.a e.d evt excl i.p.v incl ing ir jl m.b.t max mevr min mr "
    "nl nr o.a p prof resp st t.a.v tel vgl z.g.a.n zgn".split()
)


class _Unit(NamedTuple):
    """A span of the document text that is never split: a heading, a sentence or a piece."""

    start: int
    end: int
    headings: tuple[str, ...]
    is_heading: bool = False


def chunk_document(doc: Document, size: int, overlap: int) -> list[Chunk]:
    """Chunks of at most `size` characters (a single longer word is kept whole)."""
    chunks = []
    for units in _pack(_units(doc.text, size), size, overlap):
        start, end = units[0].start, units[-1].end
        text = normalize_whitespace(doc.text[start:end])
        if not any(ch.isalnum() for ch in text):
            continue
        chunks.append(
            Chunk(
                id=_chunk_id(doc.path, start, end, text),
                doc=doc.path,
                title=doc.title,
                headings=units[-1].headings,
                start=start,
                end=end,
                text=text,
                page=doc.page_at(start),
            )
        )
    return chunks


def normalize_whitespace(text: str) -> str:
    """Any run of whitespace (newlines, tabs, no-break spaces) becomes one space: `Chunk.text`."""
    return " ".join(text.split())


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`, without surrounding whitespace.

    The same rules as for chunking: paragraphs, list items and heading lines always end a
    sentence; abbreviations such as "bijv." and initials do not.
    """
    return [(unit.start, unit.end) for unit in _units(text, size=len(text))]


def _chunk_id(path: str, start: int, end: int, text: str) -> str:
    """Same document content → same id, so an unchanged file keeps its chunk ids on re-index."""
    return hashlib.sha1(f"{path}\0{start}\0{end}\0{text}".encode()).hexdigest()[:16]


# --- structure ---------------------------------------------------------------------------------


class _Line(NamedTuple):
    """A non-blank line's content, without surrounding whitespace."""

    start: int
    end: int
    text: str
    starts_paragraph: bool  # first line of the text or after a blank line


_HeadingFinder = Callable[[int, _Line], tuple[int, str] | None]


def _lines(text: str) -> list[_Line]:
    lines: list[_Line] = []
    previous_end = 0
    for match in _CONTENT_LINE.finditer(text):
        start, end = match.span(1)
        starts_paragraph = not lines or text.count("\n", previous_end, start) > 1
        lines.append(_Line(start, end, match.group(1), starts_paragraph))
        previous_end = end
    return lines


def _units(text: str, size: int) -> list[_Unit]:
    """Headings and sentences (pieces of at most `size` for long ones), in text order."""
    lines = _lines(text)
    markdown = any(_markdown_heading(0, line) for line in lines)
    find_heading = _markdown_heading if markdown else _plain_heading_finder(lines)
    units: list[_Unit] = []
    path: tuple[tuple[int, str], ...] = ()  # (level, heading) of the enclosing headings
    names: tuple[str, ...] = ()
    block: list[_Line] = []
    in_fence = False

    def flush() -> None:
        if block:
            units.extend(_sentences(text, block[0].start, block[-1].end, size, names))
            block.clear()

    for index, line in enumerate(lines):
        if _FENCE.match(line.text):
            in_fence = not in_fence
        heading = None if in_fence else find_heading(index, line)
        if line.starts_paragraph or heading or _LIST_ITEM.match(line.text):
            flush()
        if heading:
            path = (*(outer for outer in path if outer[0] < heading[0]), heading)
            names = tuple(name for _, name in path)
            units.append(_Unit(line.start, line.end, names, is_heading=True))
        else:
            block.append(line)
    flush()
    return units


def _markdown_heading(_index: int, line: _Line) -> tuple[int, str] | None:
    match = _MD_HEADING.match(line.text) if line.text.startswith("#") else None
    if not match or not match.group(2) or len(line.text) > _MAX_HEADING:
        return None
    return len(match.group(1)), normalize_whitespace(match.group(2))


def _plain_heading_finder(lines: list[_Line]) -> _HeadingFinder:
    """Heading rule for plain text, which needs to look at the next line."""

    def find(index: int, line: _Line) -> tuple[int, str] | None:
        following = lines[index + 1].text if index + 1 < len(lines) else ""
        if not (line.starts_paragraph and _looks_like_prose(following)):
            return None
        return (1, normalize_whitespace(line.text)) if _looks_like_heading(line.text) else None

    return find


def _looks_like_heading(text: str) -> bool:
    """Short, starts with a capital or digit, no closing punctuation, not a `Key: value` line."""
    if not 2 <= len(text) <= _MAX_PLAIN_HEADING:
        return False
    if not (text[0].isupper() or text[0].isdigit()):
        return False
    return text.rstrip(_CLOSING)[-1:] not in _NO_HEADING_END and not _KEY_VALUE.match(text)


def _looks_like_prose(text: str) -> bool:
    """A long line or one ending like a sentence: follows a heading, unlike an address line."""
    last = text.rstrip(_CLOSING)[-1:]
    return len(text) > _MAX_PLAIN_HEADING or (last != "" and last in _BODY_END)


# --- sentences ---------------------------------------------------------------------------------


def _sentences(text: str, start: int, end: int, size: int, headings: tuple[str, ...]) -> list[_Unit]:
    """Split text[start:end] (one paragraph) into sentence units of at most `size` characters."""
    return [
        piece
        for a, b in _sentence_spans(text[start:end])
        for piece in _pieces(text, start + a, start + b, size, headings)
    ]


def _sentence_spans(block: str) -> list[tuple[int, int]]:
    """Sentences of a stripped paragraph, as spans relative to it."""
    spans = []
    begin = 0
    for match in _SENTENCE_END.finditer(block):
        if _is_sentence_break(block, match):
            spans.append((begin, match.start(2)))
            begin = match.end(2)
    spans.append((begin, len(block)))
    return spans


def _is_sentence_break(block: str, match: re.Match[str]) -> bool:
    """Only before a capital, digit or opening quote, and not after an abbreviation or initial."""
    following = match.group(3)
    if not (following.isupper() or following.isdigit() or following in _OPENING):
        return False
    if match.group(1) != ".":
        return True
    window = block[max(0, match.start() - _MAX_ABBREVIATION) : match.start()]
    word = _WORD_BEFORE.search(window).group().lstrip(_OPENING).lower()
    return word not in _ABBREVIATIONS and not (len(word) == 1 and word.isalpha())


def _pieces(text: str, start: int, end: int, size: int, headings: tuple[str, ...]) -> list[_Unit]:
    """The sentence itself, or, if longer than `size`, pieces cut at whitespace."""
    if end - start <= size:
        return [_Unit(start, end, headings)]
    pieces: list[_Unit] = []
    piece_start = piece_end = start
    for word in re.finditer(r"\S+", text[start:end]):
        word_start, word_end = start + word.start(), start + word.end()
        if word_end - piece_start > size and piece_end > piece_start:
            pieces.append(_Unit(piece_start, piece_end, headings))
            piece_start = word_start
        piece_end = word_end
    pieces.append(_Unit(piece_start, piece_end, headings))
    return pieces


# --- packing -----------------------------------------------------------------------------------


def _pack(units: list[_Unit], size: int, overlap: int) -> list[list[_Unit]]:
    """Group consecutive units into chunks: a new one at each heading or when `size` is reached."""
    chunks: list[list[_Unit]] = []
    current: list[_Unit] = []
    for unit in units:
        has_body = any(not u.is_heading for u in current)
        if current and unit.is_heading and has_body:
            chunks.append(current)
            current = []
        elif current and unit.end - current[0].start > size:
            chunks.append(current)
            current = _overlap(current, unit, size, overlap)
        current.append(unit)
    if current:
        chunks.append(current)
    return chunks


def _overlap(previous: list[_Unit], unit: _Unit, size: int, overlap: int) -> list[_Unit]:
    """The last sentences of `previous` (never all of it, never a heading) that fit `overlap`."""
    tail: list[_Unit] = []
    for candidate in reversed(previous[1:]):
        too_long = previous[-1].end - candidate.start > overlap or unit.end - candidate.start > size
        if candidate.is_heading or too_long:
            break
        tail.append(candidate)
    return tail[::-1]
