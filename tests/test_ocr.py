"""Scans read by the real Tesseract: Dutch text rendered to PNGs and image-only PDF pages in the
test, then loaded through the product. Tests that need Tesseract are skipped only where it is not
installed (CI installs it); the tests of its absence run everywhere."""

from __future__ import annotations

import io
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from rag import store
from rag.chunking import chunk_document
from rag.config import Settings
from rag.errors import DocumentError, ScanUnreadableError
from rag.hashing import file_sha256
from rag.loaders import load_document
from rag.ocr import CACHE_FOLDER, Ocr, cache_folder, prune_cache
from rag.store import IndexStore, Manifest
from tests.files import character_error_rate, render_text, tesseract_missing, write_scan_pdf

pytestmark = pytest.mark.unit

needs_tesseract = pytest.mark.skipif(bool(tesseract_missing()), reason=tesseract_missing() or "installed")

PARAGRAPHS = [
    "De bewoners van de Vogelbuurt brachten tijdens de inspraakavond hun ideeën in voor het nieuwe "
    "speelveld aan de Lindelaan.",
    "De wethouder beloofde dat de gemeenteraad hun voorstellen vóór de zomer bespreekt.",
]
TEXT = " ".join(PARAGRAPHS)
MAX_CER = 0.05


@pytest.fixture(scope="module")
def scan() -> Image.Image:
    return render_text(PARAGRAPHS)


def ocr(tmp_path: Path, **changes: object) -> Ocr:
    settings = Settings(corpus_dir=tmp_path, index_dir=tmp_path / "index", **changes)
    made = Ocr.from_settings(settings)
    assert made is not None
    return made


def save_png(image: Image.Image, path: Path) -> Path:
    image.save(path, dpi=(300, 300))
    return path


def without_tesseract(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The machine of a user who never installed Tesseract: nothing of that name on PATH."""
    empty = tmp_path / "empty-bin"
    empty.mkdir(exist_ok=True)
    monkeypatch.setenv("PATH", str(empty))


# --- reading scans ------------------------------------------------------------------------------


@needs_tesseract
def test_a_scanned_png_is_read_as_dutch_text(tmp_path: Path, scan: Image.Image) -> None:
    path = save_png(scan, tmp_path / "inspraak.png")

    doc = load_document(path, tmp_path, ocr(tmp_path))

    assert character_error_rate(doc.text, TEXT) <= MAX_CER, doc.text
    assert doc.page_starts == (0,) and doc.ocr_pages == (1,)
    assert doc.ocr_at(doc.text.index("Lindelaan"))
    assert doc.title == "inspraak"  # no standalone first line: named after the file, as PDFs are


@needs_tesseract
def test_an_image_only_pdf_page_is_read(tmp_path: Path, scan: Image.Image) -> None:
    path = write_scan_pdf(tmp_path / "scan.pdf", [scan])

    doc = load_document(path, tmp_path, ocr(tmp_path))

    assert character_error_rate(doc.text, TEXT) <= MAX_CER, doc.text
    assert doc.ocr_pages == (1,)


@needs_tesseract
def test_a_mixed_pdf_reads_only_its_scanned_page_and_cites_the_right_page(
    tmp_path: Path, scan: Image.Image
) -> None:
    first = "Verslag van de wijkraad. Op de eerste pagina staat gewone tekst met een tekstlaag."
    path = write_scan_pdf(tmp_path / "verslag.pdf", [first, scan])

    doc = load_document(path, tmp_path, ocr(tmp_path))

    assert doc.ocr_pages == (2,)
    assert doc.text.startswith(first)  # the text layer itself, not a recognised copy
    assert not doc.ocr_at(0) and doc.ocr_at(doc.text.index("Vogelbuurt"))
    assert character_error_rate(doc.text[doc.page_starts[1] :], TEXT) <= MAX_CER
    chunks = chunk_document(doc, 200, 0)
    assert {c.page for c in chunks if "Lindelaan" in c.text} == {2}
    assert {c.page for c in chunks if "wijkraad" in c.text} == {1}


@needs_tesseract
def test_a_multipage_tiff_gives_each_page_its_own_number(tmp_path: Path, scan: Image.Image) -> None:
    second = render_text(["Tweede pagina van de fax: de buurtapp wordt in maart gelanceerd."])
    path = tmp_path / "fax.tif"
    scan.convert("1").save(
        path, save_all=True, append_images=[second.convert("1")], compression="group4", dpi=(300, 300)
    )

    doc = load_document(path, tmp_path, ocr(tmp_path))

    assert doc.ocr_pages == (1, 2) and len(doc.page_starts) == 2
    assert doc.page_at(doc.text.index("Lindelaan")) == 1 and doc.page_at(doc.text.index("buurtapp")) == 2


@needs_tesseract
def test_a_scanned_page_with_a_stamped_page_number_is_still_read(tmp_path: Path, scan: Image.Image) -> None:
    path = write_scan_pdf(tmp_path / "archief.pdf", [(scan, "Pagina 1 van 1")])  # 11 letters, digits

    doc = load_document(path, tmp_path, ocr(tmp_path))

    assert doc.ocr_pages == (1,) and "Lindelaan" in doc.text


@needs_tesseract
@pytest.mark.parametrize("degrees", [90, 180])
def test_a_rotated_scan_is_turned_upright(tmp_path: Path, scan: Image.Image, degrees: int) -> None:
    path = save_png(scan.rotate(degrees, expand=True, fillcolor=255), tmp_path / "gedraaid.png")

    doc = load_document(path, tmp_path, ocr(tmp_path))

    assert character_error_rate(doc.text, TEXT) <= MAX_CER, doc.text


@needs_tesseract
def test_a_blank_scan_is_reported_as_blank(tmp_path: Path) -> None:
    blank = Image.new("L", (1240, 1754), 255)
    png = save_png(blank, tmp_path / "leeg.png")
    pdf = write_scan_pdf(tmp_path / "leeg.pdf", [blank, blank])

    for path in (png, pdf):
        with pytest.raises(DocumentError, match="no text was recognised"):
            load_document(path, tmp_path, ocr(tmp_path))


def corrupt_images(scan: Image.Image) -> dict[str, bytes]:
    whole = io.BytesIO()
    scan.save(whole, "PNG")
    return {
        "afgebroken.png": whole.getvalue()[: len(whole.getvalue()) // 2],
        "nep.jpg": b"\xff\xd8\xff not a JPEG",
    }


@needs_tesseract
@pytest.mark.parametrize("name", ["afgebroken.png", "nep.jpg"])
def test_a_corrupt_image_is_refused_with_a_reason(tmp_path: Path, scan: Image.Image, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(corrupt_images(scan)[name])

    with pytest.raises(DocumentError) as caught:
        load_document(path, tmp_path, ocr(tmp_path))

    assert caught.value.path == name and "damaged or unreadable image" in caught.value.reason


@needs_tesseract
def test_a_200_page_scan_stays_within_the_page_limit_and_reports_every_page(tmp_path: Path) -> None:
    blank = Image.new("L", (300, 300), 255)  # small blank pages: rendered, found blank, not OCR'd
    last = render_text(["Pagina tweehonderd: het buurtbudget is verdeeld."], width_px=1400)
    path = write_scan_pdf(tmp_path / "archief.pdf", [blank] * 199 + [last])
    steps: list[tuple[int, int]] = []

    with pytest.raises(DocumentError) as caught:
        load_document(path, tmp_path, ocr(tmp_path, ocr_max_pages=150))
    assert "200 scanned pages" in caught.value.reason and "RAG_OCR_MAX_PAGES (150)" in caught.value.reason

    started = time.perf_counter()
    reader = ocr(tmp_path)
    reader.progress = lambda done, total: steps.append((done, total))
    doc = load_document(path, tmp_path, reader)

    assert steps == [(done, 200) for done in range(201)]
    assert doc.ocr_pages == tuple(range(1, 201))
    assert doc.page_at(doc.text.index("buurtbudget")) == 200
    assert time.perf_counter() - started < 20  # blank pages cost no Tesseract run (55 s with one)


# --- the cache ----------------------------------------------------------------------------------


@needs_tesseract
def test_recognised_text_is_cached_per_file_hash_and_reused(tmp_path, monkeypatch, scan) -> None:
    path = save_png(scan, tmp_path / "inspraak.png")
    first = load_document(path, tmp_path, ocr(tmp_path))
    cached = tmp_path / "index" / CACHE_FOLDER / f"{file_sha256(path)}.json"
    assert json.loads(cached.read_text("utf-8"))["pages"] == {"0": first.text}

    without_tesseract(monkeypatch, tmp_path)  # what is cached needs no Tesseract
    assert load_document(path, tmp_path, ocr(tmp_path)).text == first.text
    with pytest.raises(ScanUnreadableError):  # other languages: the cached text does not count
        load_document(path, tmp_path, ocr(tmp_path, ocr_languages="nld"))

    prune_cache(tmp_path / "index", keep={"another-file"})
    assert not cached.exists()


# --- without Tesseract, or with OCR off ---------------------------------------------------------


def test_without_tesseract_a_scan_names_the_package_to_install(tmp_path, monkeypatch, scan) -> None:
    path = save_png(scan, tmp_path / "scan.png")
    pdf = write_scan_pdf(tmp_path / "scan.pdf", [scan])
    without_tesseract(monkeypatch, tmp_path)

    for file in (path, pdf):
        with pytest.raises(ScanUnreadableError) as caught:
            load_document(file, tmp_path, ocr(tmp_path))
        assert caught.value.reason == "scanned, not readable: install tesseract-ocr-nld (apt) to index it"
        assert caught.value.packages == "tesseract-ocr-nld"
    assert not cache_folder(tmp_path / "index").exists()


@needs_tesseract
def test_without_the_dutch_language_data_a_scan_names_its_package(tmp_path, monkeypatch, scan) -> None:
    import subprocess

    folder = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True).stdout
    tessdata = Path(folder.splitlines()[0].split('"')[1])
    english_only = tmp_path / "tessdata"
    english_only.mkdir()
    (english_only / "eng.traineddata").symlink_to(tessdata / "eng.traineddata")
    monkeypatch.setenv("TESSDATA_PREFIX", str(english_only))
    path = save_png(scan, tmp_path / "scan.png")

    with pytest.raises(ScanUnreadableError, match="install tesseract-ocr-nld \\(apt\\)"):
        load_document(path, tmp_path, ocr(tmp_path))


def test_with_ocr_off_scans_are_refused_and_text_pages_kept(tmp_path: Path, scan: Image.Image) -> None:
    assert Ocr.from_settings(Settings(ocr="off")) is None
    image = save_png(scan, tmp_path / "scan.png")
    scanned = write_scan_pdf(tmp_path / "scan.pdf", [scan])
    mixed = write_scan_pdf(tmp_path / "mixed.pdf", ["Alleen deze pagina heeft een tekstlaag.", scan])

    with pytest.raises(DocumentError, match="OCR is off"):
        load_document(image, tmp_path)
    with pytest.raises(DocumentError, match="no extractable text: OCR is off"):
        load_document(scanned, tmp_path)
    doc = load_document(mixed, tmp_path)
    assert doc.text.strip() == "Alleen deze pagina heeft een tekstlaag." and doc.ocr_pages == ()


# --- the store ----------------------------------------------------------------------------------


def test_ocr_pages_are_stored_and_documents_of_older_builds_still_load(tmp_path: Path) -> None:
    doc = load_document(write_scan_pdf(tmp_path / "a.pdf", ["Een pagina met tekst erop."]), tmp_path)
    scanned = replace(doc, path="b.pdf", ocr_pages=(1,))
    manifest = Manifest(store.FORMAT_VERSION, "m", 4, 1000, 150, "flat", 0.0)
    index_dir = tmp_path / "index"
    build = store.save(
        IndexStore.build(manifest, [], np.zeros((0, 4), "float32"), {"a.pdf": doc, "b.pdf": scanned}),
        index_dir,
    )

    assert store.load(index_dir).documents["b.pdf"].ocr_pages == (1,)
    lines = [json.loads(line) for line in (build / "documents.jsonl").read_text("utf-8").splitlines()]
    (build / "documents.jsonl").write_text(  # as written before OCR existed
        "".join(json.dumps({k: v for k, v in line.items() if k != "ocr_pages"}) + "\n" for line in lines),
        "utf-8",
    )
    loaded = store.load(index_dir).documents
    assert loaded["b.pdf"].ocr_pages == () and loaded["a.pdf"] == doc
