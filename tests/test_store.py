"""The index on disk: a build reads back as written, approximate search agrees with exact search,
and an index the settings cannot use is refused with the fix."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from rag import store
from rag.errors import IndexStoreError
from rag.store import FileRecord, IndexStore, Manifest
from rag.types import Chunk, Document
from rag.vector_index import VectorIndex

pytestmark = pytest.mark.unit


def unit(vectors: np.ndarray) -> np.ndarray:
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype("float32")


def small_index(rows: int = 3, dimension: int = 8) -> IndexStore:
    text = "Eerste zin. Tweede zin. Derde zin."
    document = Document("a.txt", "A", text, "f" * 64, 0.0)
    chunks = [Chunk(f"c{i}", "a.txt", "A", ("Kop",), 0, 11, "Eerste zin.") for i in range(rows)]
    manifest = Manifest(
        format_version=store.FORMAT_VERSION,
        model="test/model",
        dimension=dimension,
        chunk_size=1000,
        chunk_overlap=150,
        index_type="flat",
        built_at=0.0,
        files={"a.txt": FileRecord("f" * 64, len(text), 0.0, "A", rows)},
    )
    vectors = unit(np.random.default_rng(1).normal(size=(rows, dimension)))
    return IndexStore.build(manifest, chunks, vectors, {"a.txt": document})


def test_every_field_of_a_chunk_and_document_survives_a_save(tmp_path: Path) -> None:
    text = "Artikel 3 – Het bestuur bestaat uit: één voorzitter, één penningmeester."
    document = Document("plan/ö.pdf", "Reglement “wijkraad”", text, "e" * 64, 12.5, (0, 30), (2,))
    chunk = Chunk(
        "c0",
        "plan/ö.pdf",
        "Reglement “wijkraad”",
        ("Hoofdstuk 1", "Artikel 3"),
        0,
        len(text),
        text,
        page=2,
        lead="Het bestuur bestaat uit:",
        body_offset=12,
    )
    written = IndexStore.build(
        replace(small_index(1).manifest, files={"plan/ö.pdf": FileRecord("e" * 64, len(text), 12.5, "R", 1)}),
        [chunk],
        unit(np.ones((1, 8))),
        {"plan/ö.pdf": document},
    )
    store.save(written, tmp_path)

    loaded = store.load(tmp_path)
    assert loaded.chunks == [chunk] and loaded.documents == {"plan/ö.pdf": document}


def test_a_build_written_by_an_earlier_version_still_loads(tmp_path: Path) -> None:
    """Earlier versions wrote the stores with the standard library (ASCII escapes) and without the
    fields added since (list lead-in, body offset, OCR pages): those take their defaults."""
    build = store.save(small_index(2), tmp_path)
    for name, dropped in (("chunks.jsonl", ("lead", "body_offset")), ("documents.jsonl", ("ocr_pages",))):
        records = [json.loads(line) for line in (build / name).read_text("utf-8").splitlines()]
        lines = [json.dumps({k: v for k, v in r.items() if k not in dropped}) for r in records]
        (build / name).write_text("\n".join(lines) + "\n", encoding="utf-8")

    loaded = store.load(tmp_path)
    assert loaded.chunks == small_index(2).chunks
    assert loaded.documents["a.txt"].ocr_pages == () and loaded.documents["a.txt"].text.startswith("Eerste")


def test_a_damaged_chunk_store_is_refused_with_the_fix(tmp_path: Path) -> None:
    build = store.save(small_index(2), tmp_path)
    with (build / "chunks.jsonl").open("a", encoding="utf-8") as chunks:
        chunks.write('{"id": "c9", "doc": "a.txt", "start": "nul"}\n')

    with pytest.raises(IndexStoreError, match="damaged.*rag index --rebuild"):
        store.load(tmp_path)


def test_a_saved_build_loads_back_equal_and_becomes_current(tmp_path: Path) -> None:
    written = small_index()
    build = store.save(written, tmp_path)

    loaded = store.load(tmp_path)
    assert store.current_build_name(tmp_path) == build.name
    assert loaded.manifest == written.manifest
    assert loaded.chunks == written.chunks and loaded.documents == written.documents
    np.testing.assert_array_equal(loaded.vectors.matrix(), written.vectors.matrix())
    assert loaded.search(written.vectors.matrix([1]), 1)[0][0][0] == 1


def test_an_older_build_is_kept_one_generation_for_readers(tmp_path: Path) -> None:
    first = store.save(small_index(), tmp_path)
    second = store.save(small_index(), tmp_path)
    third = store.save(small_index(), tmp_path)

    assert not first.exists() and second.exists() and third.exists()


def test_no_index_and_another_model_are_refused_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(IndexStoreError, match="run `rag index` to build it"):
        store.load(tmp_path)
    store.save(small_index(), tmp_path)
    manifest = store.read_manifest(tmp_path)
    with pytest.raises(IndexStoreError, match="built with test/model, settings ask for other/model"):
        store.check_compatible(manifest, "other/model", tmp_path)
    with pytest.raises(IndexStoreError, match="8-dimensional .* 768-dimensional"):
        store.check_compatible(manifest, "test/model", tmp_path, 768)


def test_an_index_of_another_backend_is_refused_with_the_fix(tmp_path: Path) -> None:
    store.save(small_index(), tmp_path)
    manifest = store.read_manifest(tmp_path)
    store.check_compatible(manifest, "test/model", tmp_path, 8, "torch")
    with pytest.raises(IndexStoreError, match=r"set RAG_EMBED_BACKEND=torch or run `rag index --rebuild`"):
        store.check_compatible(manifest, "test/model", tmp_path, 8, "onnx-int8")


def test_a_manifest_from_before_backends_means_torch() -> None:
    data = json.loads(small_index().manifest.to_json())
    del data["backend"]
    assert Manifest.from_json(json.dumps(data)).backend == "torch"


def test_hnsw_agrees_with_exact_search():
    rng = np.random.default_rng(42)
    vectors = unit(rng.normal(size=(10_000, 128)))
    queries = unit(vectors[rng.choice(len(vectors), 100)] + 0.3 * rng.normal(size=(100, 128)))
    exact = [[row for row, _ in hits] for hits in VectorIndex.build(vectors, "flat").search(queries, 10)]
    approximate = [
        [row for row, _ in hits] for hits in VectorIndex.build(vectors, "hnsw").search(queries, 10)
    ]
    recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approximate, exact, strict=True)])
    assert recall >= 0.95
