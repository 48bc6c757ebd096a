"""The index on disk: FAISS vectors + BM25 term counts + chunk store + document texts + manifest,
swapped in atomically.

Layout under the index folder:

    CURRENT              name of the live build folder (replaced atomically with os.replace)
    build-<stamp>/       manifest.json, chunks.jsonl, documents.jsonl, faiss.index (the vectors,
                         held only there), slots.npy (chunk row -> FAISS id, `rag.vector_index`),
                         bm25.npz (term counts, `rag.terms`), checksums.json (sha256 of the
                         others, written last; `rag doctor`)

A build is written completely into a fresh folder before CURRENT points at it, so a crash or
Ctrl-C mid-build leaves the previous index untouched and loadable. The previous build is kept
one generation longer so a reader that resolved CURRENT just before the swap can still read it.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import time
import zipfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import msgspec
import numpy as np

from rag.errors import IndexStoreError
from rag.hashing import file_sha256
from rag.terms import TermCounts, searchable_text
from rag.types import Chunk, Document
from rag.vector_index import VectorIndex

# 2: vectors only in FAISS (no vectors.npy), HNSW with tombstones (slots.npy), BM25 counts stored
# 3: chunks embedded and BM25-indexed with their context (title › headings › list lead-in)
FORMAT_VERSION = 3
_CURRENT = "CURRENT"
BUILD_FILES = ("manifest.json", "chunks.jsonl", "documents.jsonl", "faiss.index", "slots.npy", "bm25.npz")
CHECKSUMS = "checksums.json"


@dataclass(frozen=True)
class FileRecord:
    """What the manifest remembers of an indexed file, to detect changes cheaply."""

    sha256: str
    size: int
    mtime: float
    title: str
    chunks: int
    duplicate_of: str | None = None  # same bytes as this indexed file: not indexed twice


@dataclass
class Manifest:
    format_version: int
    model: str
    dimension: int
    chunk_size: int
    chunk_overlap: int
    index_type: str  # "flat" (exact inner product) or "hnsw"
    built_at: float
    files: dict[str, FileRecord] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # path -> reason, from the last build
    # path -> Debian packages that would let OCR read its scanned pages: the files among `failed`
    # that are all scan, and files indexed without their scanned pages (read again once installed)
    unread_scans: dict[str, str] = field(default_factory=dict)
    # who computed the vectors ("torch", "onnx-int8", "openai"); manifests from before the field mean
    # "torch"; and where: "local" or the embedding server's URL (shown by `rag status`, not checked:
    # the same model on another address gives the same vectors)
    backend: str = "torch"
    source: str = "local"

    def scan_packages(self) -> str:
        """The packages that would read every unread scan, for one install command."""
        return " ".join(sorted({p for packages in self.unread_scans.values() for p in packages.split()}))

    def to_json(self) -> str:
        return msgspec.json.format(msgspec.json.encode(self), indent=1).decode()

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        """Fields missing from older manifests take their defaults; a damaged one raises ValueError."""
        return msgspec.json.decode(text, type=cls)


@dataclass
class IndexStore:
    """An index held in memory: row i of `chunks`, `vectors` and `terms` is the same passage."""

    manifest: Manifest
    chunks: list[Chunk]
    documents: dict[str, Document]
    vectors: VectorIndex
    terms: TermCounts

    def __post_init__(self) -> None:
        if not len(self.chunks) == len(self.vectors) == len(self.terms):
            raise ValueError(
                f"{len(self.chunks)} chunks, {len(self.vectors)} vectors, {len(self.terms)} term rows"
            )

    @classmethod
    def build(
        cls, manifest: Manifest, chunks: list[Chunk], vectors: np.ndarray, documents: dict[str, Document]
    ) -> IndexStore:
        """A new index of these chunks and their vectors (term counts and FAISS built here)."""
        return cls(
            manifest,
            chunks,
            documents,
            VectorIndex.build(vectors, manifest.index_type),
            TermCounts.count([searchable_text(c) for c in chunks]),
        )

    def search(self, query_vectors: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
        """Top-k (row, inner product) per query vector, best first."""
        return self.vectors.search(query_vectors, k)


def save(store: IndexStore, index_dir: Path) -> Path:
    """Write `store` as a new build and make it current; returns the build folder."""
    index_dir.mkdir(parents=True, exist_ok=True)
    build = index_dir / f"build-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.time_ns() % 10**6}"
    try:
        build.mkdir()
        _write_build(store, build)
        pointer = index_dir / f"{_CURRENT}.tmp-{os.getpid()}"
        pointer.write_text(build.name + "\n", encoding="utf-8")
        _fsync(pointer)
        previous = current_build_name(index_dir)
        os.replace(pointer, index_dir / _CURRENT)
    except (OSError, RuntimeError) as error:  # a full disk, mostly (FAISS reports it as RuntimeError)
        shutil.rmtree(build, ignore_errors=True)
        needed, free = _space(store, index_dir)
        raise IndexStoreError(
            "write_failed", index_dir=index_dir, detail=error, needed=needed, free=free
        ) from error
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    _remove_old_builds(index_dir, keep={build.name, previous})
    return build


def _space(store: IndexStore, index_dir: Path) -> tuple[str, str]:
    """How much a build needs (vectors and term counts once; texts twice: chunks and documents),
    and what the disk has left."""
    needed = (
        store.vectors.nbytes
        + store.terms.counts.data.nbytes * 2
        + 2 * sum(len(d.text.encode()) for d in store.documents.values())
    )
    free = shutil.disk_usage(index_dir).free
    return _megabytes(needed), _megabytes(free)


def _megabytes(size: int) -> str:
    return f"{size / 2**20:,.1f} MB"


def _write_build(store: IndexStore, build: Path) -> None:
    """FAISS and NumPy write, fsync and hash without the GIL, so they run beside the JSON lines:
    at 300,000 chunks that halves the save of one changed file (benchmarks/README.md)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        binary = pool.submit(_write_binary, store, build)
        (build / "manifest.json").write_text(store.manifest.to_json(), encoding="utf-8")
        _write_lines(build / "chunks.jsonl", store.chunks)
        _write_lines(build / "documents.jsonl", store.documents.values())
        binary.result()
        hashes = pool.map(_synced_sha256, (build / name for name in BUILD_FILES))
        checksums = dict(zip(BUILD_FILES, hashes, strict=True))
    (build / CHECKSUMS).write_text(json.dumps(checksums, indent=1), encoding="utf-8")
    _fsync(build / CHECKSUMS)


def _write_binary(store: IndexStore, build: Path) -> None:
    store.vectors.write(build)
    store.terms.save(build / "bm25.npz")


def _synced_sha256(path: Path) -> str:
    _fsync(path)
    return file_sha256(path)


def _write_lines(path: Path, records: Iterable[Chunk | Document]) -> None:
    """One JSON object per line."""
    encode = msgspec.json.Encoder().encode
    with open(path, "wb") as out:
        for record in records:
            out.write(encode(record) + b"\n")


_Record = TypeVar("_Record", Chunk, Document)


def _read_lines(path: Path, kind: type[_Record]) -> list[_Record]:
    """The records of a JSON-lines store, decoded straight into their dataclass."""
    decode = msgspec.json.Decoder(kind).decode
    with open(path, "rb") as lines, _kept_from_the_collector():
        return [decode(line) for line in lines]


@contextmanager
def _kept_from_the_collector() -> Iterator[None]:
    """Decode with the cyclic garbage collector paused, then freeze what was made.

    Hundreds of thousands of records, none in a reference cycle, set off the collector again and
    again for nothing (300,000 chunks decode in half the time without it), and left in its young
    generation they would cost the first question after a start 0.3 s to walk at 100,000 chunks.
    Frozen objects are still freed by reference counting when the index is replaced; only cyclic
    garbage that existed before the freeze stays.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def current_build_name(index_dir: Path) -> str | None:
    """Name of the live build, or None without an index: changes exactly when a build is swapped in."""
    try:
        return (index_dir / _CURRENT).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def remove_leftover_builds(index_dir: Path) -> None:
    """Remove what a killed build left behind: every build folder but the live one and the newest
    complete other one, and stray pointer files. Call only while holding the build lock.

    A build killed after its swap but before its clean-up leaves three generations; a build killed
    while writing leaves a partial folder. A later run with nothing to write would keep them all.
    """
    live = current_build_name(index_dir)
    complete = sorted(
        (entry for entry in index_dir.glob("build-*") if entry.name != live and (entry / CHECKSUMS).exists()),
        key=lambda entry: entry.stat().st_mtime,
    )
    _remove_old_builds(index_dir, keep={live, complete[-1].name if complete else None})


def _remove_old_builds(index_dir: Path, keep: set[str | None]) -> None:
    for entry in index_dir.iterdir():
        if entry.name.startswith("build-") and entry.name not in keep:
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.name.startswith(f"{_CURRENT}.tmp-"):
            entry.unlink(missing_ok=True)


def exists(index_dir: Path) -> bool:
    return (index_dir / _CURRENT).exists()


def read_manifest(index_dir: Path) -> Manifest:
    """Only the manifest: cheap, for `rag status` and change detection."""
    return Manifest.from_json((live_build(index_dir) / "manifest.json").read_text("utf-8"))


def load(index_dir: Path) -> IndexStore:
    """Load the current build; raises IndexStoreError with the fix when missing or unreadable."""
    build = live_build(index_dir)
    try:
        manifest = Manifest.from_json((build / "manifest.json").read_text("utf-8"))
        if manifest.format_version != FORMAT_VERSION:
            raise IndexStoreError(
                "format", index_dir=index_dir, found=manifest.format_version, expected=FORMAT_VERSION
            )
        with ThreadPoolExecutor(max_workers=1) as pool:  # FAISS reads without the GIL
            vectors = pool.submit(VectorIndex.read, build)
            chunks = _read_lines(build / "chunks.jsonl", Chunk)
            documents = {doc.path: doc for doc in _read_lines(build / "documents.jsonl", Document)}
            terms = TermCounts.load(build / "bm25.npz")
            return IndexStore(manifest, chunks, documents, vectors.result(), terms)  # checks row counts
    except IndexStoreError:
        raise
    except (
        OSError,
        ValueError,
        KeyError,
        IndexError,
        TypeError,
        RuntimeError,
        EOFError,
        zipfile.BadZipFile,
    ) as error:
        raise IndexStoreError("damaged_detail", index_dir=index_dir, detail=error) from error


def live_build(index_dir: Path) -> Path:
    name = current_build_name(index_dir)
    if name is None:
        raise IndexStoreError("missing", index_dir=index_dir)
    build = index_dir / name
    if not build.is_dir():
        raise IndexStoreError("damaged", index_dir=index_dir)
    return build


def check_compatible(
    manifest: Manifest, model: str, index_dir: Path, dimension: int | None = None, backend: str | None = None
) -> None:
    """Refuse to search with query vectors from another model than the one that built the index.

    `dimension` is the loaded model's: the same name can hold other weights (a local folder).
    `backend` is the query embedder's: int8 ONNX vectors are close to PyTorch's, not the same.
    """
    if manifest.model != model:
        raise IndexStoreError("model", index_dir=index_dir, built=manifest.model, asked=model)
    if dimension is not None and manifest.dimension != dimension:
        raise IndexStoreError(
            "dimension", index_dir=index_dir, built=manifest.dimension, model=model, made=dimension
        )
    if backend is not None and manifest.backend != backend:
        raise IndexStoreError("backend", index_dir=index_dir, built=manifest.backend, asked=backend)
