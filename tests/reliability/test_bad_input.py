"""Bad documents never stop a build: each is skipped with its reason, everything else is indexed.

Case 1 and 2 of the reliability table (README): broken, protected, huge, oddly encoded, vanishing
and duplicate files, and bad scans, built with the real model through the `rag index` command or
update_index.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rag import indexing, store
from rag.cli import app
from rag.config import Settings
from rag.indexing import update_index
from rag.retrieval.retriever import Retriever
from tests.files import (
    CORPUS,
    render_text,
    tesseract_missing,
    write_broken_files,
    write_encrypted_pdf,
    write_scan_pdf,
)

pytestmark = pytest.mark.integration

runner = CliRunner()
LATIN1 = (
    "Verslag van de inspraakavond\n\n"
    "De wethouder sprak over de façade van het buurthuis en het rapport « Wijk in beeld ».\n"
)
UTF16 = "Notitie uit Kladblok\n\nDe werkgroep Groen Dichtbij plant vijftig bomen langs de Zuiderdijk.\n"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS, folder)
    return folder


@pytest.fixture
def settings(corpus: Path, tmp_path: Path) -> Settings:
    return Settings(corpus_dir=corpus, index_dir=tmp_path / "index")


def test_the_summary_names_every_skipped_file_and_why_and_indexes_the_rest(cli_corpus, tmp_path):
    corpus = cli_corpus
    write_broken_files(corpus)  # corrupt PDF, empty file, binary file named .md
    write_encrypted_pdf(corpus / "vertrouwelijk.pdf", "Geheim verslag van de wijkraad.")
    with open(corpus / "logboek.txt", "w", encoding="utf-8") as huge:  # 50 MB of plain text
        line = "Dag 1: de buurtconciërge opende het wijkcentrum en zette koffie voor de vrijwilligers.\n"
        huge.write(line * (50 * 2**20 // len(line.encode()) + 1))
    (corpus / "inspraak-latin1.txt").write_bytes(LATIN1.encode("latin-1"))
    (corpus / "kladblok.txt").write_bytes(UTF16.encode("utf-16"))  # with a BOM, as Notepad saves

    result = runner.invoke(app, ["index"])

    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "4 added" in output and "5 failed" in output
    expected_reasons = {
        "kapot.pdf": "PDF",
        "leeg.txt": "empty",
        "plaatje.md": "binary",
        "vertrouwelijk.pdf": "password",
        "logboek.txt": "RAG_MAX_FILE_MB",
    }
    for name, reason in expected_reasons.items():
        assert (
            f"skipped {name}:" in output and reason in output.split(f"skipped {name}:")[1].split("skipped")[0]
        )
    index = store.load(tmp_path / "index")
    texts = {doc: index.documents[doc].text for doc in index.documents}
    assert "façade" in texts["inspraak-latin1.txt"] and "« Wijk in beeld »" in texts["inspraak-latin1.txt"]
    assert texts["kladblok.txt"].startswith("Notitie uit Kladblok")
    assert set(index.manifest.failed) == set(expected_reasons)


def test_a_file_that_vanishes_or_turns_unreadable_mid_build_is_skipped(settings, embedder, monkeypatch):
    (settings.corpus_dir / "weg.txt").write_text("Dit bestand verdwijnt tijdens het indexeren.", "utf-8")
    (settings.corpus_dir / "op-slot.txt").write_text("Dit bestand raakt op slot.", "utf-8")
    (settings.corpus_dir / "later-weg.txt").write_text(
        "Gelezen, daarna gewist tijdens het embedden.", "utf-8"
    )
    real_load, real_encode = indexing.load_document, embedder.encode_documents

    def load_while_files_change(path: Path, corpus_dir: Path, ocr=None):
        if path.name == "weg.txt":
            path.unlink()  # deleted between the folder scan and reading
        if path.name == "op-slot.txt":
            raise PermissionError(13, "Permission denied", str(path))  # root ignores chmod 000
        return real_load(path, corpus_dir, ocr)

    def encode_then_delete(pairs):
        (settings.corpus_dir / "later-weg.txt").unlink(missing_ok=True)  # gone before the records
        return real_encode(pairs)

    monkeypatch.setattr(indexing, "load_document", load_while_files_change)
    monkeypatch.setattr(embedder, "encode_documents", encode_then_delete)
    report = update_index(settings, embedder)

    assert report.written
    assert set(report.failed) == {"weg.txt", "op-slot.txt"}
    assert "No such file" in report.failed["weg.txt"] and "Permission" in report.failed["op-slot.txt"]
    assert {p.name for p in CORPUS.iterdir()} <= set(report.added)
    monkeypatch.undo()
    again = update_index(settings, embedder)  # the next run notices the file deleted mid-build
    assert again.removed == ["later-weg.txt"]
    assert "later-weg.txt" not in store.load(settings.index_dir).documents


def test_duplicate_documents_are_indexed_once_and_cited_by_their_original(settings, embedder):
    original = next(CORPUS.glob("wikistad*"))
    shutil.copy(original, settings.corpus_dir / "wikistad-kopie.txt")  # sorts after the original

    report = update_index(settings, embedder)

    assert report.duplicates == {"wikistad-kopie.txt": original.name}
    index = store.load(settings.index_dir)
    assert {c.doc for c in index.chunks} == {p.name for p in CORPUS.iterdir()}
    hits = Retriever(index, embedder, settings).search("Wat is WikiStad in Nieuw-West?", k=5)
    assert len({h.chunk.text for h in hits}) == len(hits)  # no passage twice
    for hit in hits:
        document = index.documents[hit.chunk.doc].text
        assert " ".join(document[hit.chunk.start : hit.chunk.end].split()) == hit.chunk.text

    (settings.corpus_dir / original.name).unlink()  # the original goes: the copy takes its place
    after = update_index(settings, embedder)
    assert after.removed == [original.name] and after.changed == ["wikistad-kopie.txt"]
    docs = {c.doc for c in store.load(settings.index_dir).chunks}
    assert "wikistad-kopie.txt" in docs and original.name not in docs


@pytest.mark.skipif(bool(tesseract_missing()), reason=tesseract_missing() or "installed")
def test_bad_scans_are_each_skipped_with_their_reason_and_the_rest_is_indexed(
    cli_corpus, monkeypatch, tmp_path
):
    notice = "Het wijkbudget voor de Rivierenbuurt wordt in oktober verdeeld door een bewonerscommissie."
    render_text([notice]).rotate(90, expand=True, fillcolor=255).save(
        cli_corpus / "gedraaid.png", dpi=(300, 300)
    )
    write_scan_pdf(cli_corpus / "leeg-gescand.pdf", [render_text([""])])  # a scanned white page
    (cli_corpus / "kapot.jpg").write_bytes(b"\xff\xd8\xff\xe0 half a JPEG")
    blank = render_text([""]).resize((100, 100))
    write_scan_pdf(cli_corpus / "archief.pdf", [blank] * 200)  # 200 image-only pages
    monkeypatch.setenv("RAG_OCR_MAX_PAGES", "100")

    result = runner.invoke(app, ["index"])

    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "3 added" in output and "3 failed" in output
    expected_reasons = {
        "leeg-gescand.pdf": "no text was recognised",
        "kapot.jpg": "damaged or unreadable image",
        "archief.pdf": "has 200 scanned pages, more than RAG_OCR_MAX_PAGES (100)",
    }
    for name, reason in expected_reasons.items():
        assert (
            f"skipped {name}: " in output
            and reason in output.split(f"skipped {name}: ")[1].split("skipped")[0]
        )
    index = store.load(tmp_path / "index")
    assert set(index.manifest.failed) == set(expected_reasons)
    assert "Rivierenbuurt" in index.documents["gedraaid.png"].text  # the rotated scan, turned upright
    assert {p.name for p in CORPUS.iterdir()} < set(index.documents)
