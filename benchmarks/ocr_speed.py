"""OCR speed (pages/s) and character error rate of the product's OCR on rendered Dutch pages.

Pages are A4 at 300 dpi (2480 x 3508 px), 11 pt DejaVu Sans, filled with the paragraphs of the
sample corpus (`corpus/*.txt`, cycled), and saved as one image-only PDF. The product reads them
(`rag.loaders.load_document` with `rag.ocr.Ocr`, an empty cache); each page's recognised text is
compared with the text drawn on it (edit distance / length, whitespace collapsed). Also measured:
pages turned 90° and 180° (orientation detection and a second reading), a blank page, and, as the
reason for OMP_THREAD_LIMIT=1 in rag.ocr, the bare `tesseract` command on one page with and
without that limit.

    .venv/bin/python benchmarks/ocr_speed.py [--pages 6]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path

from _common import REPO, machine, table, write_results
from PIL import Image

sys.path.insert(0, str(REPO))  # tests.files: the same page rendering as the tests

from rag.errors import DocumentError  # noqa: E402
from rag.loaders import load_document  # noqa: E402
from rag.ocr import Ocr  # noqa: E402
from tests.files import character_error_rate, render_text, write_scan_pdf  # noqa: E402

A4 = {"width_px": 2480, "size_pt": 11, "margin_px": 300}
PAGE_CHARS = 2300  # what fits on the A4 page above with paragraph gaps


def page_texts(pages: int) -> list[list[str]]:
    """Paragraphs of the sample corpus, cycled, packed into `pages` pages."""
    paragraphs = [
        " ".join(block.split())
        for path in sorted((REPO / "corpus").glob("*.txt"))
        for block in path.read_text("utf-8").split("\n\n")
        if len(block.split()) > 3
    ]
    filled: list[list[str]] = []
    source = 0
    while len(filled) < pages:
        page: list[str] = []
        while sum(len(p) for p in page) + len(paragraphs[source % len(paragraphs)]) <= PAGE_CHARS or not page:
            page.append(paragraphs[source % len(paragraphs)])
            source += 1
        filled.append(page)
    return filled


def a4(text: Image.Image) -> Image.Image:
    """The rendered text on a whole A4 page (2480 x 3508 px at 300 dpi)."""
    page = Image.new("L", (2480, max(3508, text.height)), 255)
    page.paste(text, (0, 0))
    return page


def cpu() -> dict[str, object]:
    info = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    model = re.search(r"^Model name:\s*(.+)$", info, re.MULTILINE)
    flags = re.search(r"^Flags:\s*(.+)$", info, re.MULTILINE)
    wanted = [f for f in (flags.group(1).split() if flags else []) if f == "avx2" or f.startswith("avx512")]
    return {"model": model.group(1).strip() if model else "?", "flags": wanted}


def read(path: Path, folder: Path) -> tuple[str, tuple[int, ...], list[float]]:
    """The product reads `path` with an empty cache; returns text, page starts, seconds per page."""
    stamps: list[float] = []
    reader = Ocr("nld+eng", folder / f"cache-{time.time_ns()}", max_pages=1000)
    reader.progress = lambda done, total: stamps.append(time.perf_counter())
    document = load_document(path, folder, reader)
    return document.text, document.page_starts, [b - a for a, b in pairwise(stamps)]


def bare_tesseract(png: Path, threads: str | None, runs: int = 2) -> float:
    """Seconds per page of the plain command, OpenMP free (None) or limited."""
    environment = {k: v for k, v in os.environ.items() if k != "OMP_THREAD_LIMIT"}
    if threads:
        environment["OMP_THREAD_LIMIT"] = threads
    started = time.perf_counter()
    for _ in range(runs):
        subprocess.run(
            ["tesseract", str(png), "stdout", "-l", "nld+eng", "--psm", "3"],
            capture_output=True,
            env=environment,
            check=True,
        )
    return (time.perf_counter() - started) / runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=6)
    args = parser.parse_args()
    texts = page_texts(args.pages)
    images = [a4(render_text(page, **A4)) for page in texts]
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        pdf = write_scan_pdf(folder / "scan.pdf", images)
        started = time.perf_counter()
        text, starts, per_page = read(pdf, folder)
        total = time.perf_counter() - started
        bounds = [*starts, len(text)]
        cers = [
            character_error_rate(text[a:b], " ".join(page))
            for (a, b), page in zip(pairwise(bounds), texts, strict=True)
        ]

        turned = {}
        for degrees in (90, 180):
            png = folder / f"turned-{degrees}.png"
            images[0].rotate(degrees, expand=True, fillcolor=255).save(png, dpi=(300, 300))
            began = time.perf_counter()
            recognised, _, _ = read(png, folder)
            turned[degrees] = {
                "seconds": time.perf_counter() - began,
                "cer": character_error_rate(recognised, " ".join(texts[0])),
            }
        blank = folder / "blank.png"
        a4(render_text([""], **A4)).save(blank, dpi=(300, 300))
        began = time.perf_counter()
        try:
            read(blank, folder)
        except DocumentError:
            pass  # "no text was recognised": what a blank page should give
        blank_seconds = time.perf_counter() - began

        upright = folder / "page-1.png"
        images[0].save(upright, dpi=(300, 300))
        openmp = {"default": bare_tesseract(upright, None), "1": bare_tesseract(upright, "1")}

    version = subprocess.run(["tesseract", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    result = {
        "machine": {**machine(), "lscpu": cpu(), "tesseract": version, "load_average_before": load_before},
        "pages": len(texts),
        "characters": sum(len(" ".join(page)) for page in texts),
        "seconds": total,
        "pages_per_second": len(texts) / total,
        "seconds_per_page": per_page,
        "cer_per_page": cers,
        "cer_mean": sum(cers) / len(cers),
        "cer_max": max(cers),
        "turned": turned,
        "blank_page_seconds": blank_seconds,
        "bare_tesseract_seconds_per_page": {
            "openmp_default": openmp["default"],
            "omp_thread_limit_1": openmp["1"],
        },
    }
    rows = [
        [
            f"{len(texts)} A4 pages, image-only PDF",
            f"{result['pages_per_second']:.2f}",
            f"{min(per_page):.2f}–{max(per_page):.2f}",
            f"{result['cer_mean']:.4f} (max {result['cer_max']:.4f})",
        ],
        *[[f"page turned {d}°", "", f"{t['seconds']:.2f}", f"{t['cer']:.4f}"] for d, t in turned.items()],
        ["blank page", "", f"{blank_seconds:.2f}", "–"],
        ["bare tesseract, OpenMP default", "", f"{openmp['default']:.2f}", ""],
        ["bare tesseract, OMP_THREAD_LIMIT=1", "", f"{openmp['1']:.2f}", ""],
    ]
    print(table(["case", "pages/s", "s per page", "CER"], rows))
    print(f"CPU: {result['machine']['lscpu']}; load average before {load_before}, after {os.getloadavg()}")
    print(f"written to {write_results('ocr_speed', result)}")


if __name__ == "__main__":
    main()
