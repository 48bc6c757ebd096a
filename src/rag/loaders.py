"""Read one file of the corpus into a `Document`.

Every failure a user can fix (empty file, binary file, damaged PDF or image, broken DOCX, a scan
without Tesseract) becomes a `DocumentError` with a short reason, so an index build can skip the
file and say why. HTML and DOCX headings, and the lines a PDF's bookmarks point at, are written
as Markdown `#` lines so the chunker sees the same structure for every format. Scans (images, and
PDF pages without a usable text layer) are read by `rag.ocr` when the caller passes an `Ocr`.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import docx
import pypdf
from bs4 import BeautifulSoup, NavigableString, Tag
from charset_normalizer import from_bytes
from docx.document import Document as DocxDocument
from docx.table import Table

from rag.errors import DocumentError
from rag.ocr import IMAGE_SUFFIXES, Ocr
from rag.types import Document


class _Extracted(NamedTuple):
    text: str
    title: str  # "" if none found
    page_starts: tuple[int, ...] = ()
    ocr_pages: tuple[int, ...] = ()  # 1-based


# pypdf logs what it repairs or gives up on ("EOF marker not found") without naming the file; a
# damaged PDF becomes a DocumentError with that file and the reason, so its log lines are noise.
logging.getLogger("pypdf").setLevel(logging.ERROR)

_MAX_TITLE = 120
_MAX_NONPRINTABLE = 0.05  # share of control characters above which decoded text is "binary"
_HTML_DROP = ["script", "style", "nav", "noscript", "template", "head"]
_HTML_BLOCKS = (
    "address article aside blockquote dd div dl dt figcaption figure footer form header hr li "
    "main ol p pre section table td th tr ul"
).split()
_HEADING_TAG = re.compile(r"^h([1-6])$")
_DOCX_HEADING_STYLE = re.compile(r"^Heading ([1-9])$")
_MD_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_HEADER_LINE = re.compile(r"^([^\W\d][\w ]{0,40}):\s*(.*)$")
_TITLE_KEYS = ("titel", "title", "functieomschrijving")
_WHITESPACE = re.compile(r"\s+")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # Windows Notepad's "Unicode" files
# A PDF page with fewer letters and digits than this has no usable text layer: a scan, perhaps with
# a stamped page number or a few characters of invisible OCR junk. It is read with OCR when it shows
# an image (rag.ocr decides), so a blank page or a short title page drawn as text stays as it is.
_MIN_PAGE_TEXT = 20


def discover(corpus_dir: Path) -> list[Path]:
    """Supported files under `corpus_dir`, recursively, sorted by relative path.

    Hidden files and folders and Office lock files (`~$name.docx`) are skipped: they are never
    documents the user meant to index.
    """
    found = []
    for path in corpus_dir.rglob("*"):
        parts = path.relative_to(corpus_dir).parts
        if any(part.startswith((".", "~$")) for part in parts):
            continue
        if path.suffix.lower() in SUPPORTED_SUFFIXES and path.is_file():
            found.append(path)
    return sorted(found, key=lambda p: p.relative_to(corpus_dir).as_posix())


def load_document(path: Path, corpus_dir: Path, ocr: Ocr | None = None) -> Document:
    """Read and decode one file; raises DocumentError with a reason the user can act on.

    Without `ocr` (RAG_OCR=off) scans are not read: an image or a PDF with no text is refused, and
    a PDF with text and scanned pages gives the text of the others.

    Only paths inside the corpus folder are read: a crafted `../../etc/passwd` is refused, so
    nothing the user did not put in the corpus reaches the index and, through it, the chat.
    Symbolic links the user placed in the corpus are followed: they are how a folder kept
    elsewhere is added (and how `rag eval` stages several folders as one).
    """
    if not Path(os.path.normpath(path)).is_relative_to(os.path.normpath(corpus_dir)):
        raise DocumentError(path.as_posix(), "outside_corpus", folder=corpus_dir)
    relative = path.relative_to(corpus_dir).as_posix()
    try:
        data = path.read_bytes()
    except OSError as error:
        raise DocumentError(relative, "cannot_open", detail=error.strerror) from None
    if not data.strip():
        raise DocumentError(relative, "empty")

    sha256 = hashlib.sha256(data).hexdigest()
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        extracted = _read_pdf(data, relative, sha256, ocr)
    elif suffix in IMAGE_SUFFIXES:
        extracted = _read_image(data, relative, sha256, ocr)
    elif suffix in _READERS:
        extracted = _READERS[suffix](data, relative)
    else:
        raise DocumentError(relative, "unsupported_type", suffix=path.suffix)
    if not extracted.text.strip():
        raise DocumentError(relative, "no_text")
    return Document(
        path=relative,
        title=extracted.title or _fallback_title(extracted.text, path),
        text=extracted.text,
        sha256=sha256,
        mtime=path.stat().st_mtime,
        page_starts=extracted.page_starts,
        ocr_pages=extracted.ocr_pages,
    )


# --- plain text and Markdown -------------------------------------------------------------------


def _decode_text(data: bytes, relative: str) -> str:
    """Bytes → str: UTF-8 (BOM dropped), else cp1252, else charset-normalizer's best guess.

    cp1252 comes before guessing because short Dutch files in Windows encodings are common and
    detectors often mistake them for other Latin code pages. The text is not otherwise changed,
    so offsets into it stay valid.
    """
    if data.startswith(_UTF16_BOMS):
        text = _try_decode(data, "utf-16")
    elif b"\x00" in data:
        raise DocumentError(relative, "binary")
    else:
        text = _try_decode(data, "utf-8-sig") or _try_decode(data, "cp1252")
    if text is None:
        best = from_bytes(data).best()
        if best is None:
            raise DocumentError(relative, "unknown_encoding")
        text = str(best)
    if _looks_binary(text):
        raise DocumentError(relative, "binary")
    return text


def _try_decode(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _looks_binary(text: str) -> bool:
    return len(_CONTROL_CHARS.findall(text)) > _MAX_NONPRINTABLE * len(text)


def _read_text(data: bytes, relative: str) -> _Extracted:
    text = _decode_text(data, relative)
    return _Extracted(text, _header_title(text))


def _read_markdown(data: bytes, relative: str) -> _Extracted:
    text = _decode_text(data, relative)
    match = _MD_HEADING.search(text)
    return _Extracted(text, _clean(match.group(1)) if match else _header_title(text))


def _header_title(text: str) -> str:
    """Title from a leading block of `Key: value` lines (e.g. `Functieomschrijving: ...`).

    `Titel`/`Title` wins over `Functieomschrijving`; other keys are ignored.
    """
    values: dict[str, str] = {}
    for line in text.lstrip().splitlines():
        match = _HEADER_LINE.match(line.strip())
        if not match:
            break
        values.setdefault(_clean(match.group(1)).lower(), _clean(match.group(2)))
    return next((values[key] for key in _TITLE_KEYS if values.get(key)), "")


def _fallback_title(text: str, path: Path) -> str:
    """A short first line standing on its own, else the file name made readable."""
    lines = text.strip().splitlines()  # the caller made sure there is text
    heading = _MD_HEADING.match(lines[0])
    first = _clean(heading.group(1) if heading else lines[0])
    standalone = len(lines) == 1 or not lines[1].strip()
    if standalone and len(first) <= _MAX_TITLE:
        return first
    return _clean(re.sub(r"[-_]+", " ", path.stem)) or path.name


def _clean(text: str) -> str:
    """Collapse whitespace (including no-break spaces) for titles and headings."""
    return _WHITESPACE.sub(" ", text).strip()


# --- HTML --------------------------------------------------------------------------------------


def _read_html(data: bytes, relative: str) -> _Extracted:
    if b"\x00" in data and not data.startswith(_UTF16_BOMS):
        raise DocumentError(relative, "binary_html")
    soup = BeautifulSoup(data, "html.parser")  # reads <meta charset> itself
    h1 = soup.find("h1")
    title = _clean(h1.get_text()) if h1 else ""
    if not title and soup.title:
        title = _clean(soup.title.get_text())
    for tag in soup.find_all(_HTML_DROP):
        tag.decompose()
    return _Extracted(_html_text(soup), title)


def _html_text(soup: BeautifulSoup) -> str:
    """Visible text with one paragraph per block element and headings as Markdown lines.

    Source-code whitespace means nothing in HTML, so it is collapsed first; block boundaries are
    then marked with blank lines and <br> with a newline.
    """
    for string in soup.find_all(string=True):
        if type(string) is NavigableString and string.find_parent("pre") is None:
            string.replace_with(_WHITESPACE.sub(" ", str(string)))
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for tag in soup.find_all(_HEADING_TAG):
        level = int(tag.name[1])  # h1 … h6
        tag.insert(0, NavigableString("#" * level + " "))
        _mark_block(tag)
    for tag in soup.find_all(_HTML_BLOCKS):
        _mark_block(tag)
    text = soup.get_text()
    text = re.sub(r"[ \t]*\n[ \t]*", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _mark_block(tag: Tag) -> None:
    tag.insert_before("\n\n")
    tag.insert_after("\n\n")


# --- PDF ---------------------------------------------------------------------------------------


def _read_pdf(data: bytes, relative: str, sha256: str, ocr: Ocr | None) -> _Extracted:
    """Text of every page, pages separated by a blank line; `page_starts` records each page.

    Pages without a usable text layer are read with OCR: only those, so a mixed PDF keeps the
    exact text of its other pages.
    """
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and reader.decrypt("") == pypdf.PasswordType.NOT_DECRYPTED:
            raise DocumentError(relative, "password")
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
        title = _clean((reader.metadata.title or "") if reader.metadata else "")
        for page, level, heading in _pdf_outline(reader):
            pages[page] = _mark_heading(pages[page], level, heading)
    except DocumentError:
        raise
    except Exception as error:  # noqa: BLE001 - pypdf raises many exception types on damaged files
        raise DocumentError(relative, "damaged_pdf", detail=error) from None
    without_text = [i for i, text in enumerate(pages) if sum(map(str.isalnum, text)) < _MIN_PAGE_TEXT]
    recognised = ocr.read_pdf(data, sha256, relative, without_text) if ocr and without_text else {}
    for index, text in recognised.items():
        pages[index] = text
    if not any(pages):
        if recognised:
            raise DocumentError(relative, "blank_scans")
        raise DocumentError(relative, "pdf_without_text" if ocr else "pdf_without_text_ocr_off")
    text, starts = _join_pages(pages)
    return _Extracted(text, title, starts, tuple(sorted(i + 1 for i in recognised)))


def _pdf_outline(reader: pypdf.PdfReader) -> list[tuple[int, int, str]]:
    """(page index, level, title) of each bookmark: the PDF's own table of contents."""
    entries: list[tuple[int, int, str]] = []

    def walk(items: list[Any], level: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
                continue
            page = reader.get_destination_page_number(item)
            if page is not None and 0 <= page < len(reader.pages) and _clean(item.title or ""):
                entries.append((page, min(level, 6), _clean(item.title)))

    walk(reader.outline, 1)
    return entries


def _mark_heading(page: str, level: int, heading: str) -> str:
    """The first line of `page` that reads as `heading`, written as a Markdown heading line, so
    the chunker knows the passage's chapter; a bookmark whose text is not on its page is skipped."""
    for match in re.finditer(r"^[^\S\n]*(\S[^\n]*?)[^\S\n]*$", page, re.MULTILINE):
        if _clean(match.group(1)).casefold() == heading.casefold():
            return f"{page[: match.start(1)]}{'#' * level} {page[match.start(1) :]}"
    return page


# --- images ------------------------------------------------------------------------------------


def _read_image(data: bytes, relative: str, sha256: str, ocr: Ocr | None) -> _Extracted:
    """A scan or photo of text: each page (TIFFs may hold several) recognised, like a PDF's."""
    if ocr is None:
        raise DocumentError(relative, "image_ocr_off")
    pages = [text.strip() for text in ocr.read_image(data, sha256, relative)]
    if not any(pages):
        raise DocumentError(relative, "blank_scan")
    text, starts = _join_pages(pages)
    return _Extracted(text, "", starts, tuple(range(1, len(pages) + 1)))


def _join_pages(pages: list[str]) -> tuple[str, tuple[int, ...]]:
    """Pages separated by a blank line, and the offset where each page begins."""
    starts, offset = [], 0
    for text in pages:
        starts.append(offset)
        offset += len(text) + 2
    return "\n\n".join(pages), tuple(starts)


# --- DOCX --------------------------------------------------------------------------------------


def _read_docx(data: bytes, relative: str) -> _Extracted:
    try:
        document = docx.Document(io.BytesIO(data))
        text, title = _docx_text(document)
        core_title = document.core_properties.title or ""
    except Exception as error:  # noqa: BLE001 - python-docx/zipfile/lxml raise many types on broken files
        raise DocumentError(relative, "damaged_docx", detail=error) from None
    return _Extracted(text, title or _clean(core_title))


def _docx_text(document: DocxDocument) -> tuple[str, str]:
    """Paragraphs and tables in document order, and the Title (else first Heading 1) text.

    Title and `Heading n` styles become Markdown heading lines.
    """
    lines: list[str] = []
    title = heading1 = ""
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            lines.extend(_table_rows(block))
            continue
        text = _clean(block.text)
        style = block.style.name if block.style is not None else ""
        level = _docx_heading_level(style)
        if text and level:
            lines.append("#" * level + " " + text)
            title = title or (text if style == "Title" else "")
            heading1 = heading1 or (text if style == "Heading 1" else "")
        elif text:
            lines.append(text)
    return "\n\n".join(lines), title or heading1


def _docx_heading_level(style: str) -> int:
    if style == "Title":
        return 1
    match = _DOCX_HEADING_STYLE.match(style)
    return int(match.group(1)) if match else 0


def _table_rows(table: Table) -> list[str]:
    """One line per row, cells separated by ` | ` (merged cells repeat in python-docx: dropped)."""
    rows = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = _clean(cell.text)
            if text and (not cells or cells[-1] != text):
                cells.append(text)
        if cells:
            rows.append(" | ".join(cells))
    return rows


_READERS: dict[str, Callable[[bytes, str], _Extracted]] = {
    ".txt": _read_text,
    ".md": _read_markdown,
    ".markdown": _read_markdown,
    ".html": _read_html,
    ".htm": _read_html,
    ".docx": _read_docx,
}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset({*_READERS, ".pdf", *IMAGE_SUFFIXES})
SUPPORTED_TYPES = ", ".join(sorted(SUPPORTED_SUFFIXES))  # as messages name them
