"""Untrusted text made safe to show, with passages highlighted in their document.

Document text and model answers are data, never markup: every piece is HTML-escaped before it is
wrapped in the few tags made here (`div`, `p`, `mark`, `span`, `strong`, `ul`/`ol`/`li`, `br`,
and `a` links to `#anchors` on the same page),
and the result is shown with `st.html`, which does not interpret Markdown. Text that Streamlit
does render as Markdown (expander labels, captions) goes through `escape_markdown` first, so
`![x](http://…)` or `[klik](javascript:…)` in a document stays literal text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

CONTEXT_CHARS = 300  # characters of surrounding text shown on each side of a passage

# Every ASCII punctuation character may be backslash-escaped in CommonMark; these are the ones
# Streamlit's Markdown (GFM + LaTeX `$` + `:color[...]` directives) gives a meaning.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:&=\"'])")
# For exported Markdown: enough to keep text literal (no links, images, HTML, emphasis), while the
# raw file stays readable: "&" only where it would start an entity ("&amp;", "&#36;").
_MD_SPECIAL_LIGHT = re.compile(r"([\\`*_\[\]<>!|$~]|&(?=#?\w+;))")
# GFM turns bare URLs (http://…, www.…) and e-mail addresses into links even when their
# punctuation is backslash-escaped; an invisible word joiner after ':', '@' and '.' stops that.
_AUTOLINK_PUNCTUATION = re.compile(r"([:@.])")
_WORD_JOINER = "\u2060"
_MD_LINE_START = re.compile(r"^(\s*)(#|>|[-+]\s|\d+[.)]\s)", re.MULTILINE)
_CITE = re.compile(r"\[(\d+(?:\s*[,–-]\s*\d+)*)\]")
_NUMBER = re.compile(r"\d+")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_LIST_ITEM = re.compile(r"^\s*(?:[-*•▪–]|\d+[.)])\s+")  # the bullets documents use, as quoted
_ORDERED_ITEM = re.compile(r"^\s*\d+[.)]\s+")
_HEADING = re.compile(r"^\s*#{1,6}\s+")
_HEADING_LINE = re.compile(r"^[ \t]*#{1,6}[ \t]+(.*)$", re.MULTILINE)  # how the loaders mark headings
_BLANK_LINES = re.compile(r"\n\s*\n\s*\n+")


def escape_html(text: str) -> str:
    return html.escape(text, quote=True)


def escape_markdown(text: str, *, light: bool = False) -> str:
    """Backslash-escape Markdown syntax so Streamlit shows `text` literally (one line, e.g. a label).

    `light=True` escapes less (for exported files): links, images, HTML and emphasis stay literal,
    and a line cannot start a heading, quote or list.
    """
    if not light:
        escaped = _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))
        return _AUTOLINK_PUNCTUATION.sub(r"\1" + _WORD_JOINER, escaped)
    escaped = _MD_SPECIAL_LIGHT.sub(r"\\\1", text)
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)


def _text(text: str, start: int = 0, end: int | None = None) -> str:
    """Escaped text[start:end] for a `white-space: pre-wrap` block, long runs of blank lines
    shortened; a heading line ("### Artikel 26") is shown in bold without its #s, as a reader of
    the document would see it."""
    end = len(text) if end is None else end
    parts, position = [], start
    for match in _HEADING_LINE.finditer(text, start, end):  # "^" only where a line really starts
        parts.append(escape_html(text[position : match.start()]))
        parts.append(f"<strong>{escape_html(match.group(1))}</strong>")
        position = match.end()
    parts.append(escape_html(text[position:end]))
    return _BLANK_LINES.sub("\n\n", "".join(parts))


def context_bounds(text: str, start: int, end: int, context: int = CONTEXT_CHARS) -> tuple[int, int]:
    """Where the shown context around text[start:end] begins and ends, cut at whitespace."""
    left = max(0, start - context)
    if left > 0:
        space = re.search(r"\s", text[left:start])
        left = left + space.end() if space else start
    right = min(len(text), end + context)
    if right < len(text):
        spaces = [m.start() for m in re.finditer(r"\s", text[end:right])]
        right = end + spaces[-1] if spaces else end
    return left, right


def passage_html(
    text: str, start: int, end: int, marks: Iterable[tuple[int, int]] = (), context: int = CONTEXT_CHARS
) -> str:
    """The passage text[start:end] lightly highlighted inside some of its surrounding text, and the
    `marks` (the sentences that back the answer) strongly highlighted inside it."""
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    left, right = context_bounds(text, start, end, context)
    before = ("…" if left > 0 else "") + _text(text, left, start)
    after = _text(text, end, right) + ("…" if right < len(text) else "")
    inside: list[str] = []
    position = start
    for mark_start, mark_end in sorted(marks):
        mark_start, mark_end = max(mark_start, position), min(mark_end, end)
        if mark_start >= mark_end:
            continue
        inside.append(_text(text, position, mark_start))
        inside.append(f'<mark class="rag-cited">{_text(text, mark_start, mark_end)}</mark>')
        position = mark_end
    inside.append(_text(text, position, end))
    return (
        f'<div class="rag-text rag-passage">{before}<mark class="rag-mark">'
        f"{''.join(inside)}</mark>{after}</div>"
    )


def merge_spans(spans: Iterable[tuple[int, int, int]]) -> list[tuple[int, int, list[int]]]:
    """(start, end, n) spans → non-overlapping (start, end, [n, …]) in document order."""
    merged: list[tuple[int, int, list[int]]] = []
    for start, end, n in sorted(spans):
        if merged and start <= merged[-1][1]:
            last_start, last_end, numbers = merged[-1]
            merged[-1] = (last_start, max(last_end, end), sorted({*numbers, n}))
        else:
            merged.append((start, end, [n]))
    return merged


def document_html(text: str, spans: Iterable[tuple[int, int, int]]) -> str:
    """The whole document, every (start, end, n) span highlighted and labelled with its [n]."""
    parts: list[str] = []
    position = 0
    for start, end, numbers in merge_spans(spans):
        start, end = max(start, position), min(end, len(text))
        if start >= end:
            continue
        label = ", ".join(map(str, numbers))
        parts.append(_text(text, position, start))
        parts.append(
            f'<span class="rag-n">[{label}]</span><mark class="rag-mark">{_text(text, start, end)}</mark>'
        )
        position = end
    parts.append(_text(text, position))
    return f'<div class="rag-text rag-document">{"".join(parts)}</div>'


def _inline(line: str, anchor: str | None) -> str:
    """One escaped line with **bold** and [n] citation markers styled; with `anchor`, each number
    links to the source card `{anchor}-{n}` on the page."""
    escaped = _BOLD.sub(r"<strong>\1</strong>", escape_html(line))
    if anchor is None:
        return _CITE.sub(r'<span class="rag-cite">[\1]</span>', escaped)

    def linked(match: re.Match[str]) -> str:
        numbers = _NUMBER.sub(lambda n: f'<a href="#{anchor}-{n.group()}">{n.group()}</a>', match.group(1))
        return f'<span class="rag-cite">[{numbers}]</span>'

    return _CITE.sub(linked, escaped)


def answer_html(answer: str, *, cursor: bool = False, anchor: str | None = None) -> str:
    """An answer as safe HTML: paragraphs, simple lists, **bold** and [n] markers; nothing else.

    Model output may quote documents, so it is escaped like them: no link or image can appear,
    except the [n] links made here to the sources on the same page (`anchor`).
    """
    blocks: list[str] = []
    for block in re.split(r"\n\s*\n", answer.strip()):
        lines = [line for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        if all(_LIST_ITEM.match(line) for line in lines):
            tag = "ol" if all(_ORDERED_ITEM.match(line) for line in lines) else "ul"
            items = "".join(f"<li>{_inline(_LIST_ITEM.sub('', line), anchor)}</li>" for line in lines)
            blocks.append(f"<{tag}>{items}</{tag}>")
            continue
        rendered = []
        for line in lines:
            if _HEADING.match(line):
                rendered.append(f"<strong>{_inline(_HEADING.sub('', line), anchor)}</strong>")
            else:
                rendered.append(_inline(line, anchor))
        blocks.append(f"<p>{'<br>'.join(rendered)}</p>")
    if cursor:
        mark = '<span class="rag-cursor">▌</span>'
        if blocks and blocks[-1].endswith("</p>"):
            blocks[-1] = blocks[-1][: -len("</p>")] + mark + "</p>"
        else:
            blocks.append(f"<p>{mark}</p>")
    return f'<div class="rag-answer">{"".join(blocks) or "&nbsp;"}</div>'
