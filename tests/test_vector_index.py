"""The vectors in FAISS: an HNSW update in place never returns a removed row, finds the new ones,
agrees with exact search over the live vectors, survives a save, and compacts its tombstones;
vectors take half the memory of float32, and an index an older version wrote as float32 still
searches and updates."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
import pytest

from rag.vector_index import VectorIndex

pytestmark = pytest.mark.unit


def unit(vectors: np.ndarray) -> np.ndarray:
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype("float32")


def clustered(n: int, rng: np.random.Generator, dimension: int = 64) -> np.ndarray:
    centres = unit(rng.normal(size=(40, dimension)))
    return unit(centres[rng.integers(0, 40, n)] + 0.5 * rng.normal(size=(n, dimension)) / np.sqrt(dimension))


def rows_of(hits: list[list[tuple[int, float]]]) -> list[list[int]]:
    return [[row for row, _ in found] for found in hits]


def test_an_hnsw_update_in_place_drops_removed_rows_and_finds_new_ones(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    old, new = clustered(3_000, rng), clustered(40, rng)
    kept = np.setdiff1d(np.arange(3_000), np.arange(1_000, 1_060))  # a file of 60 passages removed
    index = VectorIndex.build(old, "hnsw")
    graph = index.faiss

    updated = index.updated(kept, new, "hnsw")

    assert updated.faiss is graph and updated.tombstones == 60  # in place: no rebuild
    live = np.vstack([old[kept], new])
    np.testing.assert_allclose(updated.matrix(), live, atol=1e-3)  # stored as float16
    queries = np.vstack([old[1_000:1_060], new])  # the removed passages' own vectors, and the new ones
    found = rows_of(updated.search(queries, 10))
    assert all(0 <= row < len(live) for hits in found for row in hits)
    assert [hits[0] for hits in found[60:]] == list(range(len(kept), len(live)))
    exact = rows_of(VectorIndex.build(live, "flat").search(queries, 10))
    recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(found, exact, strict=True)])
    assert recall >= 0.95

    updated.write(tmp_path)
    assert rows_of(VectorIndex.read(tmp_path).search(queries, 10)) == found


def test_tombstones_past_a_fifth_of_the_graph_are_compacted_by_a_rebuild() -> None:
    rng = np.random.default_rng(4)
    vectors = clustered(1_000, rng)
    index = VectorIndex.build(vectors, "hnsw")

    compacted = index.updated(np.arange(700), clustered(10, rng), "hnsw")

    assert compacted.faiss is not index.faiss and compacted.tombstones == 0
    assert len(compacted) == compacted.faiss.ntotal == 710


def test_a_flat_index_is_rewritten_compact_and_searches_exactly() -> None:
    rng = np.random.default_rng(5)
    vectors, new = clustered(500, rng), clustered(5, rng)
    kept = np.arange(0, 500, 2)

    updated = VectorIndex.build(vectors, "flat").updated(kept, new, "flat")

    assert updated.tombstones == 0
    live = np.vstack([vectors[kept], new])
    assert rows_of(updated.search(live[:20], 1)) == [[row] for row in range(20)]


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_vectors_are_held_in_half_the_memory_of_float32_with_the_same_nearest_rows(kind: str) -> None:
    vectors = clustered(800, np.random.default_rng(6))

    index = VectorIndex.build(vectors, kind)

    assert index.nbytes == 2 * vectors.size
    exact = vectors @ vectors[:50].T
    assert [hits[0] for hits in rows_of(index.search(vectors[:50], 1))] == list(np.argmax(exact, axis=0))


def test_a_float32_index_written_by_an_older_version_still_searches_and_updates(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    vectors, new = clustered(300, rng), clustered(3, rng)
    legacy = faiss.IndexFlatIP(vectors.shape[1])
    legacy.add(vectors)
    faiss.write_index(legacy, str(tmp_path / "faiss.index"))
    np.save(tmp_path / "slots.npy", np.arange(300))

    index = VectorIndex.read(tmp_path)
    assert index.nbytes == 4 * vectors.size
    np.testing.assert_array_equal(index.matrix([5, 9]), vectors[[5, 9]])
    assert rows_of(index.search(vectors[:3], 1)) == [[0], [1], [2]]

    updated = index.updated(np.arange(1, 300), new, "flat")
    assert rows_of(updated.search(new, 1)) == [[299], [300], [301]]
    assert updated.nbytes == 2 * updated.dimension * 302
