"""Text of scanned pages and images, recognised by Tesseract with its Dutch and English models.

The `tesseract` command runs once per page in a child process, with no Python binding between:
- Speed: Tesseract's OpenMP threads fight over two shared cores. With OMP_THREAD_LIMIT=1 set for
  the child alone, an A4 page took 1.5 s instead of 7.1 s on this project's machine
  (benchmarks/ocr_speed.py). pytesseract runs the same command but hands it this process's whole
  environment, so the limit could only be set for the whole app, chat threads included;
  tesserocr runs Tesseract inside this process.
- Robustness: a crash or endless loop of Tesseract on a damaged scan ends that child (after a
  timeout), never the build or the chat that started it.
- ocrmypdf writes a whole new PDF (through pikepdf, and Ghostscript: one more system package)
  where only the text of some pages is needed.
pypdfium2 (a well-kept binding of Chrome's PDFium, carried in its wheel) renders PDF pages, so
Tesseract (`tesseract-ocr`, `tesseract-ocr-nld`) is the only system package.

Rotation, measured on rendered A4 pages: upright pages read with a mean word confidence of 94–96,
pages turned 90° or 180° read as garbage at 43–46. Below 60, Tesseract's orientation detection
(`--psm 0`, about a second, right on all four orientations even for one line of text) says how to
turn the page, and the turned page is read again; the better reading is kept. Detecting the
orientation of every page (`--psm 1`) cost 30 % more on upright pages and gave up on a single
line upside down.

Results are cached per file hash in `<index>/ocr-cache/<sha256>.json`, rewritten atomically after
every page: an unchanged file is never read twice, a rebuild reuses the text, and a build killed
in the middle of a long scan resumes at the page where it stopped.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageOps

from rag.config import Settings
from rag.errors import DocumentError, ScanUnreadableError

PageProgress = Callable[[int, int], None]  # (pages done, scanned pages of this file)
_Render = Callable[[int], tuple[Image.Image, int | None]]  # page index -> image, its dpi if known

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff"})
CACHE_FOLDER = "ocr-cache"
_CACHE_VERSION = 1
_COMMAND = "tesseract"
_DPI = 300  # Tesseract's models are trained on text of about 10 pt scanned at 300 dpi
_MAX_PIXELS = 40_000_000  # A3 at 300 dpi is 17 M; larger pages are read at a lower resolution
_LOW_CONFIDENCE = 60.0  # mean word confidence below which the page may be turned (see above)
_INK_LEVEL = 128  # grey values below this are ink
_BLANK_SHARE = 0.0002  # less ink than this share of the page (a few characters): a blank page
_PAGE_TIMEOUT = 120  # seconds for one Tesseract run; a full page takes one to three
_ROTATE = re.compile(r"^Rotate: (\d+)$", re.MULTILINE)


@dataclass(frozen=True)
class _Reading:
    text: str
    confidence: float  # mean word confidence, 0-100; 0 without words


class Ocr:
    """Reads the scanned pages of one build. Made per build, so a Tesseract installed since the
    last build is noticed by the next one."""

    def __init__(
        self, languages: str, cache_dir: Path, max_pages: int, progress: PageProgress | None = None
    ) -> None:
        self.languages = languages
        self.cache_dir = cache_dir
        self.max_pages = max_pages
        self.progress = progress
        self._missing: str | None = None  # packages to install, "" when Tesseract is complete

    @classmethod
    def from_settings(cls, settings: Settings, progress: PageProgress | None = None) -> Ocr | None:
        """The OCR these settings ask for; None with RAG_OCR=off."""
        if settings.ocr == "off":
            return None
        return cls(settings.ocr_languages, cache_folder(settings.index_dir), settings.ocr_max_pages, progress)

    def missing_packages(self) -> str:
        """The Debian packages to install before Tesseract can read these languages; "" if none."""
        if self._missing is None:
            self._missing = _missing_packages(self.languages.split("+"))
        return self._missing

    def read_pdf(self, data: bytes, sha256: str, relative: str, candidates: Sequence[int]) -> dict[int, str]:
        """Recognised text of those `candidates` (0-based pages without a usable text layer) that
        show an image; a page with neither text nor image is empty, not scanned."""
        try:
            with pdfium.PdfDocument(data) as pdf:
                scanned = [index for index in candidates if _has_image(pdf[index])]
                return self._read_pages(relative, sha256, scanned, lambda index: _render(pdf[index]))
        except pdfium.PdfiumError as error:
            raise DocumentError(relative, "damaged_pdf", detail=error) from None

    def read_image(self, data: bytes, sha256: str, relative: str) -> list[str]:
        """Recognised text of each page of an image file (a TIFF may hold many)."""
        try:
            image = Image.open(io.BytesIO(data))
            count = getattr(image, "n_frames", 1)
        except (OSError, ValueError, Image.DecompressionBombError) as error:
            raise DocumentError(relative, "damaged_image", detail=error) from None

        def frame(index: int) -> tuple[Image.Image, int | None]:
            try:
                image.seek(index)
                page = ImageOps.exif_transpose(image)  # phone photos: upright as the camera held it
            except (OSError, ValueError, EOFError, Image.DecompressionBombError) as error:
                raise DocumentError(relative, "damaged_image", detail=error) from None
            return _fit(page, _image_dpi(image))

        texts = self._read_pages(relative, sha256, list(range(count)), frame)
        return [texts[index] for index in range(count)]

    def _read_pages(self, relative: str, sha256: str, pages: list[int], render: _Render) -> dict[int, str]:
        if not pages:
            return {}
        if len(pages) > self.max_pages:
            raise DocumentError(relative, "too_many_scans", pages=len(pages), limit=self.max_pages)
        known = self._cached(sha256)
        if any(page not in known for page in pages) and self.missing_packages():
            raise ScanUnreadableError(relative, self.missing_packages())
        self._report(0, len(pages))
        for done, page in enumerate(pages, start=1):
            if page not in known:
                image, dpi = render(page)
                known[page] = self._recognise(image, dpi, relative, page)
                self._cache(sha256, known)
            self._report(done, len(pages))
        return {page: known[page] for page in pages}

    def _report(self, done: int, total: int) -> None:
        if self.progress:
            self.progress(done, total)

    def _recognise(self, image: Image.Image, dpi: int | None, relative: str, page: int) -> str:
        gray = _grayscale(image)
        if _is_blank(gray):
            return ""
        reading = self._read(gray, dpi, relative, page)
        if reading.text and reading.confidence < _LOW_CONFIDENCE:
            rotation = self._orientation(gray, dpi, relative, page)
            if rotation:
                turned = self._read(gray.rotate(-rotation, expand=True), dpi, relative, page)
                reading = max(reading, turned, key=lambda r: r.confidence)
        return reading.text

    def _read(self, gray: Image.Image, dpi: int | None, relative: str, page: int) -> _Reading:
        done = _tesseract(gray, dpi, ["-l", self.languages, "--psm", "3", "tsv"], relative, page)
        if done.returncode:
            detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
            raise DocumentError(relative, "ocr_failed", page=page + 1, detail=detail[0])
        return _parse_tsv(done.stdout.decode("utf-8", "replace"))

    def _orientation(self, gray: Image.Image, dpi: int | None, relative: str, page: int) -> int:
        """Degrees to turn the page clockwise to read it; 0 when Tesseract cannot tell."""
        done = _tesseract(gray, dpi, ["--psm", "0"], relative, page)
        match = _ROTATE.search(done.stdout.decode("utf-8", "replace"))
        return int(match.group(1)) % 360 if done.returncode == 0 and match else 0

    def _cached(self, sha256: str) -> dict[int, str]:
        try:
            data = json.loads((self.cache_dir / f"{sha256}.json").read_text("utf-8"))
            if data["version"] == _CACHE_VERSION and data["languages"] == self.languages:
                return {int(page): str(text) for page, text in data["pages"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass  # no cache, or a damaged one: the pages are read again
        return {}

    def _cache(self, sha256: str, pages: dict[int, str]) -> None:
        """Atomically: a reader never sees half a file. A cache that cannot be written costs time
        on the next build, not text on this one."""
        path = self.cache_dir / f"{sha256}.json"
        temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        data = {
            "version": _CACHE_VERSION,
            "languages": self.languages,
            "pages": {str(page): text for page, text in sorted(pages.items())},
        }
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            os.replace(temporary, path)
        except OSError:
            temporary.unlink(missing_ok=True)


def cache_folder(index_dir: Path) -> Path:
    return index_dir / CACHE_FOLDER


def prune_cache(index_dir: Path, keep: set[str]) -> None:
    """Drop the cached text of files no longer indexed (deleted or changed since) and what killed
    builds left half-written. Call while holding the build lock."""
    folder = cache_folder(index_dir)
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        if entry.name.startswith(".") or entry.stem not in keep:
            entry.unlink(missing_ok=True)


def _missing_packages(languages: list[str]) -> str:
    try:
        listed = subprocess.run(
            [_COMMAND, "--list-langs"], capture_output=True, text=True, timeout=60, env=_environment()
        )
    except OSError:  # not installed: a language package brings the engine along (Recommends)
        return " ".join(_package(code) for code in languages if code != "eng") or "tesseract-ocr"
    available = set(listed.stdout.splitlines()[1:])  # the first line names the folder
    return " ".join(_package(code) for code in languages if code not in available)


def _package(language: str) -> str:
    return "tesseract-ocr-" + language.replace("_", "-")


def _environment() -> dict[str, str]:
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}  # see the module docstring


def _tesseract(
    gray: Image.Image, dpi: int | None, options: list[str], relative: str, page: int
) -> subprocess.CompletedProcess[bytes]:
    """Run Tesseract on one page image given on stdin; its output comes back on stdout."""
    image = io.BytesIO()
    gray.save(image, "PNG", compress_level=1)  # fast; the pipe does not care about size
    resolution = ["--dpi", str(dpi)] if dpi else []  # without it, Tesseract estimates
    try:
        return subprocess.run(
            [_COMMAND, "stdin", "stdout", *resolution, *options],
            input=image.getvalue(),
            capture_output=True,
            timeout=_PAGE_TIMEOUT,
            env=_environment(),
        )
    except subprocess.TimeoutExpired:
        raise DocumentError(relative, "ocr_timeout", page=page + 1, seconds=_PAGE_TIMEOUT) from None


def _parse_tsv(tsv: str) -> _Reading:
    """Words of Tesseract's TSV as lines, and paragraphs separated by a blank line."""
    lines: dict[tuple[int, int, int], list[str]] = {}
    confidences: list[float] = []
    for row in tsv.splitlines()[1:]:
        fields = row.split("\t")
        if len(fields) != 12 or fields[0] != "5" or not fields[11].strip():
            continue  # only level 5 rows are words
        block, paragraph, line = (int(value) for value in fields[2:5])
        lines.setdefault((block, paragraph, line), []).append(fields[11].strip())
        confidences.append(float(fields[10]))
    parts: list[str] = []
    previous: tuple[int, int] | None = None
    for (block, paragraph, _), words in lines.items():
        if previous is not None:
            parts.append("\n" if (block, paragraph) == previous else "\n\n")
        parts.append(" ".join(words))
        previous = (block, paragraph)
    return _Reading("".join(parts), sum(confidences) / len(confidences) if confidences else 0.0)


def _has_image(page: pdfium.PdfPage) -> bool:
    return next(page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,)), None) is not None


def _render(page: pdfium.PdfPage) -> tuple[Image.Image, int]:
    width, height = page.get_size()  # in points, 1/72 inch
    scale = min(_DPI / 72, math.sqrt(_MAX_PIXELS / max(width * height, 1.0)))
    return page.render(scale=scale, grayscale=True).to_pil(), round(scale * 72)


def _fit(image: Image.Image, dpi: int | None) -> tuple[Image.Image, int | None]:
    """An image of at most _MAX_PIXELS, and its resolution after scaling."""
    pixels = image.width * image.height
    if pixels <= _MAX_PIXELS:
        return image, dpi
    factor = math.sqrt(_MAX_PIXELS / pixels)
    scaled = image.resize((int(image.width * factor), int(image.height * factor)))
    return scaled, round(dpi * factor) if dpi else None


def _image_dpi(image: Image.Image) -> int | None:
    """The resolution an image file states, when it is believable (many say 72 whatever they hold)."""
    try:
        dpi = round(float(image.info["dpi"][0]))
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    return dpi if 100 <= dpi <= 1200 else None


def _grayscale(image: Image.Image) -> Image.Image:
    """Grey on white: transparent pixels of a PNG would turn black without the white behind them."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
    return image.convert("L")


def _is_blank(gray: Image.Image) -> bool:
    """Too little ink for a word: Tesseract would take a second to find nothing (or noise)."""
    return sum(gray.histogram()[:_INK_LEVEL]) < _BLANK_SHARE * gray.width * gray.height
