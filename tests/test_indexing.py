"""Index builds and incremental updates with the real model, real FAISS and real files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rag import store
from rag.chunking import normalize_whitespace
from rag.config import Settings
from rag.errors import IndexBusyError, IndexStoreError
from rag.indexing import LOCK_FILE, update_index
from rag.retrieval.bm25 import BM25Index
from rag.retrieval.retriever import Retriever
from rag.terms import searchable_text
from tests.files import (
    CORPUS,
    render_text,
    tesseract_missing,
    write_broken_files,
    write_cp1252,
    write_docx,
    write_pdf,
    write_scan_pdf,
)

needs_tesseract = pytest.mark.skipif(bool(tesseract_missing()), reason=tesseract_missing() or "installed")
SCANNED = [  # page 2 of a report, scanned: a heading, then prose
    "Inspraakavond Vogelbuurt",
    "De bewoners van de Vogelbuurt brachten hun ideeën in voor het nieuwe speelveld aan de Lindelaan. "
    "De wethouder beloofde dat de gemeenteraad de voorstellen vóór de zomer bespreekt.",
]
FIRST_PAGE = "Verslag van de wijkraad Zuid. Deze eerste pagina is gewone tekst met een tekstlaag."

pytestmark = pytest.mark.integration

CP1252_TEXT = (
    "Inspraakavond in Café De Ploeg\r\n\r\n"
    "Bewoners van de Vogelbuurt brengen hun ideeën in voor het nieuwe speelveld. "
    "De deelname kost €5 per gezin; de wijkraad betaalt de koffie.\r\n"
)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS, folder)
    write_cp1252(folder / "inspraakavond.txt", CP1252_TEXT)
    write_pdf(
        folder / "buurtbudget.pdf",
        [
            "Buurtbudget Vathorst. "
            "De gemeente stelt jaarlijks een budget beschikbaar voor bewonersinitiatieven.",
            "Aanvragen worden beoordeeld door een bewonerscommissie van zeven buurtbewoners.",
        ],
    )
    write_docx(
        folder / "notulen.docx",
        "Notulen wijkoverleg Zuid",
        ["De wijkagent meldde dat het aantal inbraken in de wijk is gehalveerd."],
    )
    (folder / "nieuwsbrief.html").write_text(
        "<html><head><title>Nieuwsbrief</title><script>alert(1)</script></head>"
        "<body><h1>Nieuwsbrief participatie</h1>"
        "<p>De moestuin aan de Lindelaan zoekt vrijwilligers.</p></body></html>",
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def settings(corpus: Path, tmp_path: Path) -> Settings:
    return Settings(corpus_dir=corpus, index_dir=tmp_path / "index")


def test_build_indexes_every_kind_and_skips_broken_files_with_a_reason(settings, embedder):
    broken = write_broken_files(settings.corpus_dir)

    report = update_index(settings, embedder)

    assert report.written
    assert set(report.failed) == {p.name for p in broken.values()}
    assert all(reason.strip() for reason in report.failed.values())
    assert {"inspraakavond.txt", "buurtbudget.pdf", "notulen.docx", "nieuwsbrief.html"} <= set(report.added)
    index = store.load(settings.index_dir)
    assert set(index.manifest.files) == set(report.added)
    assert index.manifest.failed == report.failed
    assert index.vectors.matrix().shape == (len(index.chunks), embedder.dimension)
    texts = " ".join(c.text for c in index.chunks)
    assert "ideeën" in texts and "€5" in texts  # cp1252 decoded, not mojibake
    assert "alert(1)" not in texts
    pdf = index.documents["buurtbudget.pdf"]
    assert pdf.page_at(pdf.text.index("Buurtbudget Vathorst")) == 1
    assert pdf.page_at(pdf.text.index("bewonerscommissie")) == 2
    assert {c.page for c in index.chunks if c.doc == "buurtbudget.pdf"} <= {1, 2}


def test_offsets_point_at_exactly_the_passage_in_the_original_file(settings, embedder):
    update_index(settings, embedder)
    index = store.load(settings.index_dir)

    for chunk in index.chunks:
        document = index.documents[chunk.doc]
        assert normalize_whitespace(document.text[chunk.start : chunk.end]) == chunk.text
    for name in ("talentprogramma-burgerparticipatie-gemeente-massy.txt", "inspraakavond.txt"):
        raw = settings.corpus_dir.joinpath(name).read_bytes()
        original = raw.decode("utf-8") if name.startswith("talent") else raw.decode("cp1252")
        assert index.documents[name].text == original


def test_editing_one_file_reembeds_only_that_file(settings, embedder):
    update_index(settings, embedder)
    before = store.load(settings.index_dir)
    edited = settings.corpus_dir / "notulen.docx"
    write_docx(edited, "Notulen wijkoverleg Zuid", ["Het buurthuis gaat in maart dicht voor een verbouwing."])

    report = update_index(settings, embedder)

    after = store.load(settings.index_dir)
    assert report.changed == ["notulen.docx"] and not report.added and not report.removed
    assert report.embedded_chunks == after.manifest.files["notulen.docx"].chunks
    kept = "notulen.docx"
    old_vectors = {
        c.id: v for c, v in zip(before.chunks, before.vectors.matrix(), strict=True) if c.doc != kept
    }
    new_vectors = {
        c.id: v for c, v in zip(after.chunks, after.vectors.matrix(), strict=True) if c.doc != kept
    }
    assert old_vectors.keys() == new_vectors.keys()
    assert all(np.array_equal(old_vectors[i], new_vectors[i]) for i in old_vectors)
    assert any("buurthuis" in c.text for c in after.chunks if c.doc == "notulen.docx")
    assert not any("inbraken" in c.text for c in after.chunks)


def test_deleting_a_file_removes_its_chunks(settings, embedder):
    update_index(settings, embedder)
    (settings.corpus_dir / "buurtbudget.pdf").unlink()

    report = update_index(settings, embedder)

    index = store.load(settings.index_dir)
    assert report.removed == ["buurtbudget.pdf"] and report.embedded_chunks == 0
    assert all(c.doc != "buurtbudget.pdf" for c in index.chunks)
    assert "buurtbudget.pdf" not in index.manifest.files
    assert len(index.chunks) == index.vectors.faiss.ntotal


def test_the_list_of_unreadable_files_follows_the_corpus(settings, embedder):
    update_index(settings, embedder)
    broken = write_broken_files(settings.corpus_dir)

    update_index(settings, embedder)
    assert set(store.read_manifest(settings.index_dir).failed) == {p.name for p in broken.values()}

    broken["corrupt"].unlink()
    report = update_index(settings, embedder)
    assert report.embedded_chunks == 0
    assert set(store.read_manifest(settings.index_dir).failed) == {"leeg.txt", "plaatje.md"}


def test_embedding_progress_starts_at_zero_and_ends_at_the_total(settings, embedder):
    steps: list[tuple[int, int]] = []

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "embedding":
            steps.append((done, total))

    update_index(settings, embedder, progress=progress)

    total = len(store.load(settings.index_dir).chunks)
    assert steps[0] == (0, total) and steps[-1] == (total, total)
    assert [done for done, _ in steps] == sorted(done for done, _ in steps)


def test_unchanged_corpus_writes_nothing(settings, embedder):
    update_index(settings, embedder)
    report = update_index(settings, embedder)
    assert not report.written and report.embedded_chunks == 0
    assert len(report.unchanged) == len(store.read_manifest(settings.index_dir).files)


def test_failure_mid_build_leaves_previous_index_usable_and_unchanged(settings, embedder, monkeypatch):
    update_index(settings, embedder)
    before = store.load(settings.index_dir)
    (settings.corpus_dir / "nieuw.md").write_text("# Nieuw\n\nEen nieuwe notitie over de buurtapp.", "utf-8")
    (settings.corpus_dir / "inspraakavond.txt").write_text("Gewijzigd verslag.", encoding="utf-8")

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # Ctrl-C while embedding

    monkeypatch.setattr(embedder, "encode_documents", crash)
    with pytest.raises(KeyboardInterrupt):
        update_index(settings, embedder)

    after = store.load(settings.index_dir)
    assert after.manifest == before.manifest
    assert after.chunks == before.chunks
    assert np.array_equal(after.vectors.matrix(), before.vectors.matrix())
    assert [p.name for p in settings.index_dir.iterdir() if p.name.startswith("build-")] == [
        (settings.index_dir / "CURRENT").read_text().strip()
    ]


def test_changed_chunking_forces_a_full_rebuild_and_says_why(settings, embedder):
    update_index(settings, embedder)
    resized = settings.model_copy(update={"chunk_size": 600, "chunk_overlap": 100})

    report = update_index(resized, embedder)

    assert report.rebuild_reason and "chunking changed" in str(report.rebuild_reason)
    assert store.read_manifest(settings.index_dir).chunk_size == 600


def test_model_mismatch_gives_the_clear_message(settings, embedder):
    update_index(settings, embedder)
    manifest = store.read_manifest(settings.index_dir)

    with pytest.raises(IndexStoreError) as caught:
        store.check_compatible(manifest, "intfloat/multilingual-e5-small", settings.index_dir)

    message = str(caught.value)
    assert embedder.model_id in message and "multilingual-e5-small" in message
    assert "rag index --rebuild" in message


def test_empty_corpus_explains_where_documents_go(tmp_path, embedder):
    (tmp_path / "empty").mkdir()
    settings = Settings(corpus_dir=tmp_path / "empty", index_dir=tmp_path / "index")
    with pytest.raises(IndexStoreError, match="No documents in"):
        update_index(settings, embedder)
    assert not store.exists(settings.index_dir)


def test_a_second_builder_stops_while_another_process_builds(settings, embedder):
    update_index(settings, embedder)
    build = store.current_build_name(settings.index_dir)
    holder = subprocess.Popen(  # another process, holding the build lock as `rag index` does
        [
            sys.executable,
            "-c",
            "import sys, filelock; lock = filelock.FileLock(sys.argv[1]); "
            "lock.acquire(); print('held', flush=True); sys.stdin.read()",
            str(settings.index_dir / LOCK_FILE),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(IndexBusyError, match="Another build is updating the index"):
            update_index(settings, embedder, rebuild=True)
        assert store.current_build_name(settings.index_dir) == build
        assert store.load(settings.index_dir).chunks  # readers keep answering from the old build
    finally:
        holder.communicate("")
    assert update_index(settings, embedder, rebuild=True).written  # the lock was released


# --- scans --------------------------------------------------------------------------------------


def add_scans(corpus: Path) -> None:
    """A report whose page 2 is scanned (A4 width: lines as long as a real page's, so the heading
    is seen as one and the passage starts on page 2), and a photographed notice (a PNG)."""
    page_two = render_text(SCANNED, width_px=2480, size_pt=10, margin_px=240)
    write_scan_pdf(corpus / "verslag-wijkraad.pdf", [FIRST_PAGE, page_two])
    render_text(["Mededeling: het buurthuis aan de Kastanjelaan is in augustus gesloten."]).save(
        corpus / "mededeling.png", dpi=(300, 300)
    )


@needs_tesseract
def test_scanned_pages_are_indexed_found_and_cited_at_their_page(settings, embedder):
    add_scans(settings.corpus_dir)
    steps: list[tuple[str, int, int]] = []

    report = update_index(settings, embedder, progress=lambda *step: steps.append(step))

    assert {"verslag-wijkraad.pdf", "mededeling.png"} <= set(report.added) and not report.unread_scans
    assert [s for s in steps if s[0] == "ocr"] == [("ocr", 0, 1), ("ocr", 1, 1)] * 2
    index = store.load(settings.index_dir)
    assert index.documents["verslag-wijkraad.pdf"].ocr_pages == (2,)
    retriever = Retriever(index, embedder, settings)
    [hit, *_] = retriever.search("Welke ideeën hadden de bewoners van de Vogelbuurt voor het speelveld?", k=3)
    assert hit.chunk.doc == "verslag-wijkraad.pdf" and hit.chunk.page == 2 and "Lindelaan" in hit.chunk.text
    [hit, *_] = retriever.search("Wanneer is het buurthuis aan de Kastanjelaan dicht?", k=3)
    assert hit.chunk.doc == "mededeling.png" and "augustus" in hit.chunk.text


@needs_tesseract
def test_unchanged_scans_are_not_read_again_and_a_rebuild_reuses_their_text(
    settings, embedder, monkeypatch, tmp_path
):
    add_scans(settings.corpus_dir)
    update_index(settings, embedder)
    before = store.load(settings.index_dir).documents
    write_docx(settings.corpus_dir / "notulen.docx", "Notulen", ["Het buurthuis krijgt een nieuw dak."])
    steps: list[tuple[str, int, int]] = []

    update_index(settings, embedder, progress=lambda *step: steps.append(step))
    assert not [s for s in steps if s[0] == "ocr"]  # only the changed DOCX was read

    (tmp_path / "no-tesseract").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "no-tesseract"))  # reading a scan now could only fail
    report = update_index(settings, embedder, rebuild=True)

    after = store.load(settings.index_dir).documents
    assert not report.failed and not report.unread_scans
    assert after["verslag-wijkraad.pdf"].text == before["verslag-wijkraad.pdf"].text
    assert after["mededeling.png"].text == before["mededeling.png"].text
    cached = sorted(p.stem for p in (settings.index_dir / "ocr-cache").iterdir())
    assert cached == sorted(after[name].sha256 for name in ("verslag-wijkraad.pdf", "mededeling.png"))


def build_without_tesseract(settings, embedder, monkeypatch, tmp_path):  # noqa: ANN001, ANN201
    """Index the scans on a machine where `tesseract` is not on PATH."""
    add_scans(settings.corpus_dir)
    (tmp_path / "no-tesseract").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "no-tesseract"))
    return update_index(settings, embedder)


def test_without_tesseract_scans_are_listed_and_text_pages_indexed(settings, embedder, monkeypatch, tmp_path):
    report = build_without_tesseract(settings, embedder, monkeypatch, tmp_path)

    reason = "scanned, not readable: install tesseract-ocr-nld (apt) to index it"
    assert report.failed == {"mededeling.png": reason}
    assert report.unread_scans == {
        "mededeling.png": "tesseract-ocr-nld",
        "verslag-wijkraad.pdf": "tesseract-ocr-nld",
    }
    index = store.load(settings.index_dir)
    assert index.manifest.unread_scans == report.unread_scans
    partly = index.documents["verslag-wijkraad.pdf"]  # its text page is searchable meanwhile
    assert partly.text.strip() == FIRST_PAGE and partly.ocr_pages == ()
    assert not update_index(settings, embedder).written  # still no Tesseract: nothing to redo


@needs_tesseract
def test_scans_left_unread_are_read_by_the_first_build_with_tesseract(
    settings, embedder, monkeypatch, tmp_path
):
    path = os.environ["PATH"]
    build_without_tesseract(settings, embedder, monkeypatch, tmp_path)
    monkeypatch.setenv("PATH", path)  # Tesseract installed

    report = update_index(settings, embedder)

    assert report.added == ["mededeling.png"] and report.changed == ["verslag-wijkraad.pdf"]
    assert not report.failed and not report.unread_scans
    index = store.load(settings.index_dir)
    assert index.manifest.unread_scans == {} and index.documents["verslag-wijkraad.pdf"].ocr_pages == (2,)


def test_an_hnsw_index_is_updated_in_place_and_never_returns_a_removed_file(settings, embedder):
    """One changed and one deleted file: their old passages are gone from every search mode, the new
    text is found, and the graph was extended (tombstones), not rebuilt."""
    settings = settings.model_copy(update={"index_type": "hnsw"})
    update_index(settings, embedder)
    (settings.corpus_dir / "buurtbudget.pdf").unlink()
    write_docx(
        settings.corpus_dir / "notulen.docx",
        "Notulen wijkoverleg Zuid",
        ["Het buurthuis gaat in maart dicht voor een verbouwing."],
    )

    report = update_index(settings, embedder)

    retriever = Retriever.open(settings, embedder)
    assert report.removed == ["buurtbudget.pdf"] and report.changed == ["notulen.docx"]
    assert retriever.index.vectors.kind == "hnsw" and retriever.index.vectors.tombstones > 0
    for mode in ("dense", "bm25", "hybrid"):
        for question in ("Wie beoordeelt de aanvragen voor het buurtbudget?", "Zijn er minder inbraken?"):
            hits = retriever.search(question, k=20, mode=mode)
            assert all(h.chunk.doc != "buurtbudget.pdf" for h in hits)
            assert not any("inbraken" in h.chunk.text for h in hits)
        found = retriever.search("Wanneer gaat het buurthuis dicht voor de verbouwing?", k=1, mode=mode)
        assert found[0].chunk.doc == "notulen.docx" and "buurthuis" in found[0].chunk.text


def test_bm25_read_from_the_build_equals_bm25_built_from_the_passages(settings, embedder):
    update_index(settings, embedder)
    (settings.corpus_dir / "nieuw.md").write_text(
        "# Nieuw\n\nDe moestuin zoekt nieuwe vrijwilligers.", "utf-8"
    )
    (settings.corpus_dir / "inspraakavond.txt").unlink()
    update_index(settings, embedder)

    index = store.load(settings.index_dir)
    fresh = BM25Index.from_texts([searchable_text(c) for c in index.chunks])
    for query in (
        "vrijwilligers moestuin",
        "buurtbudget bewonerscommissie",
        "inbraken wijkagent",
        "speelveld",
    ):
        assert Retriever(index, embedder, settings).bm25.search(query, 10) == fresh.search(query, 10)
