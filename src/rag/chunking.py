"""Split a document into passages that follow its structure: sections, paragraphs, sentences.

Every heading starts a new chunk (a heading directly followed by a sub-heading stays with it), so
a passage and its heading path agree, even for a one-line section (merging tiny sections into
their neighbour was measured and lost: benchmarks/README.md). Within a section, sentences are
packed up to `size` characters; when a section needs several chunks, each next chunk repeats the
previous chunk's last sentence(s) (at most `overlap` characters) so a statement cut at a boundary
is still found whole. A list's lead-in sentence ("De aanvraag bevat:") is never left at the end of
a chunk whose next one holds the list, and a chunk that starts inside a list carries the lead-in
as context (`Chunk.lead`).

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
# Bullets, numbered items ("1.", "2)", statutes' "1°") and lettered items ("a.", "b)").
_LIST_ITEM = re.compile(r"(?:([-*+•▪–])|(\d{1,3}(?:[.)]|°\.?))|([a-z]{1,2}[.)]))\s")
_KEY_VALUE = re.compile(r"[^\W\d][\w ]{0,40}:\s")
# Divisions of Dutch statutes and regulations, outermost first ("§ 3" is a paragraaf).
_DIVISIONS = ("boek", "deel", "titel", "hoofdstuk", "afdeling", "paragraaf", "§", "artikel")
_CLOSING = "\"'”’»)]"
_OPENING = "\"'“‘«(["
_NO_HEADING_END = ".,;:!…"
_BODY_END = ".!?:;…"
# A sentence ends at . ! ? or … (plus closing quotes/brackets) followed by whitespace; group 1 is
# the mark, group 2 the whitespace, group 3 the first character of the next sentence. The
# lookbehind keeps matching linear on long runs of dots.
_SENTENCE_END = re.compile(r"(?<![.!?…])([.!?…]+)[\"'”’»)\]]*(\s+)(\S)")
_WHITESPACE = re.compile(r"\s")
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
    lead: str = ""  # for a list item's sentences: the sentence that introduces the list
    introduces: bool = False  # a paragraph's last sentence ending in ":", followed by a list


def chunk_document(doc: Document, size: int, overlap: int) -> list[Chunk]:
    """Chunks of at most `size` characters (a single longer word is kept whole)."""
    chunks = []
    for units in _pack(_units(doc.text, size), size, overlap):
        start, end = units[0].start, units[-1].end
        text = normalize_whitespace(doc.text[start:end])
        if not any(ch.isalnum() for ch in text):
            continue
        headings = units[-1].headings
        body = next((u for u in units if not _names_heading_of(u, headings)), units[-1])
        chunks.append(
            Chunk(
                id=_chunk_id(doc.path, start, end, text),
                doc=doc.path,
                title=doc.title,
                headings=headings,
                start=start,
                end=end,
                text=text,
                page=doc.page_at(start),
                lead=units[0].lead,
                body_offset=len(normalize_whitespace(doc.text[start : body.start])) + (body.start > start),
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


def _names_heading_of(unit: _Unit, headings: tuple[str, ...]) -> bool:
    """A heading line already said by the chunk's heading path (so not part of its body)."""
    return unit.is_heading and headings[: len(unit.headings)] == unit.headings


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
    path: tuple[tuple[float, str], ...] = ()  # (level, heading) of the enclosing headings
    names: tuple[str, ...] = ()
    block: list[_Line] = []
    in_fence = False
    lists = _ListTracker()

    def flush() -> None:
        if block:
            lead = lists.enter(block[0].text)
            sentences = [
                u._replace(lead=lead) for u in _sentences(text, block[0].start, block[-1].end, size, names)
            ]
            last = normalize_whitespace(text[sentences[-1].start : sentences[-1].end])
            lists.after(last)
            sentences[-1] = sentences[-1]._replace(introduces=last.endswith(":"))
            units.extend(sentences)
            block.clear()

    for index, line in enumerate(lines):
        if _FENCE.match(line.text):
            in_fence = not in_fence
        heading = None if in_fence else find_heading(index, line)
        if line.starts_paragraph or heading or _LIST_ITEM.match(line.text):
            flush()
        if heading:
            level = _level(*heading)
            if units and units[-1].is_heading and path and _names_bare_division(path[-1], heading[1], level):
                # "### Hoofdstuk 2" directly followed by "#### Bezwaar": the chapter's name
                path = (*path[:-1], (path[-1][0], f"{path[-1][1]} {heading[1]}"))
                units[-1] = units[-1]._replace(headings=tuple(name for _, name in path))
            else:
                path = (*(outer for outer in path if outer[0] < level), (level, heading[1]))
            names = tuple(name for _, name in path)
            units.append(_Unit(line.start, line.end, names, is_heading=True))
            lists.reset()
        else:
            block.append(line)
    flush()
    return units


class _ListTracker:
    """Which sentence introduces the list a paragraph belongs to, paragraph by paragraph.

    A paragraph ending in ":" introduces what follows; list items of the kind that comes first
    after it (bullets, numbers or letters) belong to it, until ordinary prose or an item of
    another kind (the next numbered clause after a lettered sub-list) ends the list.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.pending = ""  # a lead-in whose list has not started yet
        self.lead = ""
        self.kind = 0

    def enter(self, first_line: str) -> str:
        """The lead-in of the list this paragraph is an item of, or ""."""
        match = _LIST_ITEM.match(first_line)
        kind = (match.lastindex or 0) if match else 0  # which group matched: bullet, number, letter
        if self.pending and kind:
            self.lead, self.kind, self.pending = self.pending, kind, ""
        elif not kind or kind != self.kind:
            self.lead, self.kind = "", 0
        return self.lead

    def after(self, last_sentence: str) -> None:
        """Remember a lead-in: the paragraph's last sentence, when it ends in a colon."""
        self.pending = last_sentence if last_sentence.endswith(":") else ""


def _level(level: int, name: str) -> float:
    """A heading's depth: its Markdown level, refined by the legal division it names, so statutes
    and regulations whose headings are all "###" still nest (Hoofdstuk › Afdeling › Artikel); any
    other heading nests inside the divisions of its own level."""
    division = _division(name)
    return level + ((_DIVISIONS.index(division) + 1) / 10 if division else 0.9)


def _division(name: str) -> str:
    first = name.split(maxsplit=1)[0].lower() if name.strip() else ""
    return first if first in _DIVISIONS else ""


def _names_bare_division(outer: tuple[float, str], name: str, level: float) -> bool:
    """`name`, a heading right after the bare division `outer` ("Hoofdstuk 2", "Afdeling 3.1")
    and a Markdown level deeper, is that division's name ("Bezwaar en beroep"), not a section."""
    division_level, division = outer
    bare = bool(_division(division)) and len(division.split()) == 2
    return bare and not _division(name) and level - division_level > 0.5


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
    word = _WHITESPACE.split(window)[-1].lstrip(_OPENING).lower()  # the word the mark ends
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
    """Group consecutive units into chunks: a new one at each heading or when `size` is reached
    (before a list's lead-in rather than after it)."""
    chunks: list[list[_Unit]] = []
    current: list[_Unit] = []
    for unit in units:
        has_body = any(not u.is_heading for u in current)
        if current and unit.is_heading and has_body:
            chunks.append(current)
            current = []
        elif has_body and unit.end - current[0].start > size:  # headings stay with their text
            if _is_lead_in(current[-1], unit) and any(not u.is_heading for u in current[:-1]):
                chunks.append(current[:-1])
                current = current[-1:]
            else:
                chunks.append(current)
                current = _overlap(current, unit, size, overlap)
        current.append(unit)
    if current:
        chunks.append(current)
    return chunks


def _is_lead_in(unit: _Unit, item: _Unit) -> bool:
    """`unit` is the sentence that introduces the list that `item` (the next unit) starts."""
    return unit.introduces and bool(item.lead)


def _overlap(previous: list[_Unit], unit: _Unit, size: int, overlap: int) -> list[_Unit]:
    """The last sentences of `previous` (never all of it, never a heading) that fit `overlap`."""
    tail: list[_Unit] = []
    for candidate in reversed(previous[1:]):
        too_long = previous[-1].end - candidate.start > overlap or unit.end - candidate.start > size
        if candidate.is_heading or too_long:
            break
        tail.append(candidate)
    return tail[::-1]
