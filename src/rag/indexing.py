"""Bring the index in line with the corpus: embed only added or changed files, drop deleted ones.

A changed model or chunking setting invalidates every vector, so it forces a full rebuild by itself
and says why. One unreadable file never stops a build: it is skipped and reported. A file with the
same bytes as one already indexed is recorded as its duplicate, not indexed twice, so the same
passage never fills two places in the results (and its citations point at the one indexed copy).
Scans are read with OCR (`rag.ocr`); without Tesseract a PDF's text pages are indexed alone, the
file is listed with the packages to install, and it is read again by the first build that can.
One builder at a time: a lock file in the index folder stops a second `rag index` (or the chat's
update button in another process) from racing the first; readers are never blocked, they keep the
current build.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout

from rag import store
from rag.chunking import chunk_document
from rag.config import Settings
from rag.embedding import Embedder
from rag.errors import (
    ConfigError,
    DocumentError,
    EmbeddingError,
    IndexBusyError,
    IndexStoreError,
    ScanUnreadableError,
    failed_files,
    read_failure,
)
from rag.hashing import file_sha256
from rag.loaders import SUPPORTED_TYPES, discover, load_document
from rag.ocr import Ocr, prune_cache
from rag.store import FileRecord, IndexStore, Manifest
from rag.terms import searchable_text
from rag.types import Chunk, Document

Progress = Callable[[str, int, int], None]  # (stage, done, total)
_EMBED_BLOCK = 32  # chunks per progress step (~20 s on 2 cores); still whole length-sorted batches
LOCK_FILE = ".build.lock"


@dataclass
class IndexReport:
    """What an index run did, for the CLI summary and the app's status line."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    unread_scans: dict[str, str] = field(default_factory=dict)  # path -> packages that would read it
    duplicates: dict[str, str] = field(default_factory=dict)  # path -> the indexed file it repeats
    chunks: int = 0
    embedded_chunks: int = 0
    seconds: float = 0.0
    rebuild_reason: RebuildReason | None = None
    written: bool = False


# Why the previous index cannot be updated in place, one entry per case, as `rag index` words it;
# the chat words the same cases in Dutch (`ui/texts.py`).
REBUILD_REASONS: dict[str, str] = {
    "asked": "asked for",
    "unusable": "the existing index could not be used ({error})",
    "model": "embedding model changed from {old} to {new}",
    "backend": "embedding backend changed from {old} to {new}",
    "dimension": "vector dimension changed from {old} to {new}",
    "chunking": "chunking changed from size/overlap {old} to {new}",
}


@dataclass(frozen=True)
class RebuildReason:
    """A case of REBUILD_REASONS and its values; `str()` is the English wording."""

    case: str
    values: Mapping[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return REBUILD_REASONS[self.case].format(**self.values)


@dataclass(frozen=True)
class CorpusDiff:
    """How the corpus differs from an index manifest."""

    added: list[str]
    changed: list[str]
    removed: list[str]
    unchanged: list[str]


def corpus_files(corpus_dir: Path) -> dict[str, Path]:
    """Supported files of the corpus by their relative POSIX path."""
    if not corpus_dir.is_dir():
        raise ConfigError(
            f"The corpus folder {corpus_dir} does not exist: create it and put documents in it "
            f"({SUPPORTED_TYPES}), or point RAG_CORPUS_DIR / --corpus at your folder."
        )
    return {path.relative_to(corpus_dir).as_posix(): path for path in discover(corpus_dir)}


def diff_corpus(files: dict[str, Path], known: dict[str, FileRecord]) -> CorpusDiff:
    """Compare files against the manifest: size+mtime first, sha256 only when those moved."""
    added, changed, unchanged = [], [], []
    for rel, path in files.items():
        record = known.get(rel)
        if record is None:
            added.append(rel)
            continue
        stat = path.stat()
        same_stat = stat.st_size == record.size and stat.st_mtime == record.mtime
        if same_stat or file_sha256(path) == record.sha256:
            unchanged.append(rel)
        else:
            changed.append(rel)
    removed = sorted(known.keys() - files.keys())
    return CorpusDiff(added, changed, removed, unchanged)


def pending_changes(files: dict[str, Path], manifest: Manifest) -> CorpusDiff:
    """What an update would bring into the index: the diff against the manifest, without the files
    the last build could not read and nobody has touched since. Those would only fail again, so
    they are reported as unreadable, not as new: otherwise "files differ, update" never goes away."""
    diff = diff_corpus(files, manifest.files)
    retried = [
        rel
        for rel in diff.added
        if rel not in manifest.failed or files[rel].stat().st_mtime > manifest.built_at
    ]
    return replace(diff, added=retried)


def update_index(
    settings: Settings,
    embedder: Embedder,
    *,
    rebuild: bool = False,
    progress: Progress | None = None,
) -> IndexReport:
    """Update (or build) the index at settings.index_dir from settings.corpus_dir.

    Raises IndexBusyError at once when another process is building the same index.
    """
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(settings.index_dir / LOCK_FILE)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise IndexBusyError("busy", index_dir=settings.index_dir) from None
    try:
        return _update_locked(settings, embedder, rebuild, progress)
    finally:
        lock.release()


def _update_locked(
    settings: Settings, embedder: Embedder, rebuild: bool, progress: Progress | None
) -> IndexReport:
    started = time.perf_counter()
    report = IndexReport()
    files = corpus_files(settings.corpus_dir)
    previous, report.rebuild_reason = _previous_store(settings, embedder, rebuild)
    pages = (lambda done, total: progress("ocr", done, total)) if progress else None
    ocr = Ocr.from_settings(settings, pages)

    known = previous.manifest.files if previous else {}
    unread = previous.manifest.unread_scans if previous else {}
    diff = _reread_orphaned_duplicates(diff_corpus(files, known), known)
    diff = _reread_scans_ocr_can_read_now(diff, unread, ocr)
    report.removed, report.unchanged = diff.removed, diff.unchanged

    kept_duplicates = {p: original for p in diff.unchanged if (original := known[p].duplicate_of)}
    kept_docs = {p for p in diff.unchanged if p not in kept_duplicates}
    originals = {previous.documents[p].sha256: p for p in kept_docs} if previous else {}
    documents, new_chunks = _read_and_chunk(
        settings, ocr, files, diff.added + diff.changed, originals, report, progress
    )
    # A changed file that no longer reads keeps its previous version: nothing is lost, and its
    # old manifest record makes the next run try it again.
    kept_docs |= {p for p in diff.changed if p in report.failed}
    report.added = [p for p in diff.added if p not in report.failed]
    report.changed = [p for p in diff.changed if p not in report.failed]
    try:
        new_vectors = _embed(embedder, new_chunks, progress)
    except EmbeddingError as error:  # nothing is written before the embedding is complete
        kept = store.exists(settings.index_dir)
        live = "the previous index is unchanged and still in use" if kept else "no index was written"
        raise EmbeddingError(f"{error}. Embedding stopped: {live}; run `rag index` again.") from error
    report.embedded_chunks = len(new_chunks)

    kept_rows = [i for i, c in enumerate(previous.chunks) if c.doc in kept_docs] if previous else []
    chunks = [previous.chunks[i] for i in kept_rows] + new_chunks if previous else new_chunks
    report.chunks = len(chunks)

    index_type = _index_type(settings, len(chunks))
    # The list of unreadable files is part of what the user sees: a broken file added, repaired or
    # deleted since the last build changes it, even when no passage does.
    nothing_changed = (
        previous is not None
        and not (report.added or report.changed or report.removed)
        and previous.manifest.index_type == index_type
        and previous.manifest.failed == report.failed
    )
    if nothing_changed:
        store.remove_leftover_builds(settings.index_dir)
        report.seconds = time.perf_counter() - started
        return report
    if not chunks:
        raise _nothing_indexed(settings.corpus_dir, files, report.failed)

    all_documents = {p: d for p, d in previous.documents.items() if p in kept_docs} if previous else {}
    all_documents.update(documents)
    manifest = Manifest(
        format_version=store.FORMAT_VERSION,
        model=embedder.model_id,
        backend=embedder.backend,
        source=embedder.source,
        dimension=embedder.dimension,
        chunk_size=settings.chunk_size,
        chunk_overlap=settings.chunk_overlap,
        index_type=index_type,
        built_at=time.time(),
        files=_file_records(
            files, all_documents, chunks, known, report.failed, kept_duplicates | report.duplicates
        ),
        failed=dict(report.failed),
        unread_scans={p: packages for p, packages in unread.items() if p in kept_docs} | report.unread_scans,
    )
    if previous:  # the kept rows' vectors and term counts are reused, not recomputed
        rows = np.array(kept_rows, dtype=np.int64)
        vectors = previous.vectors.updated(rows, new_vectors, index_type)
        terms = previous.terms.updated(rows, [searchable_text(c) for c in new_chunks])
        index = IndexStore(manifest, chunks, all_documents, vectors, terms)
    else:
        index = IndexStore.build(manifest, chunks, new_vectors, all_documents)
    store.save(index, settings.index_dir)
    prune_cache(settings.index_dir, {doc.sha256 for doc in all_documents.values()})
    report.written = True
    report.seconds = time.perf_counter() - started
    return report


def _previous_store(
    settings: Settings, embedder: Embedder, rebuild: bool
) -> tuple[IndexStore | None, RebuildReason | None]:
    """The index to update incrementally, or None with the reason a full build is needed."""
    if not store.exists(settings.index_dir):
        return None, None
    if rebuild:
        return None, RebuildReason("asked")
    try:
        previous = store.load(settings.index_dir)
    except IndexStoreError as error:
        return None, RebuildReason("unusable", {"error": error})
    manifest = previous.manifest
    for case, old, new in (
        ("model", manifest.model, embedder.model_id),
        ("backend", manifest.backend, embedder.backend),
        ("dimension", manifest.dimension, embedder.dimension),
        (
            "chunking",
            f"{manifest.chunk_size}/{manifest.chunk_overlap}",
            f"{settings.chunk_size}/{settings.chunk_overlap}",
        ),
    ):
        if old != new:
            return None, RebuildReason(case, {"old": old, "new": new})
    return previous, None


def _reread_orphaned_duplicates(diff: CorpusDiff, known: dict[str, FileRecord]) -> CorpusDiff:
    """A duplicate whose indexed original changed or vanished must be read as a file of its own."""
    unchanged = set(diff.unchanged)
    orphaned = [
        p for p in diff.unchanged if (original := known[p].duplicate_of) and original not in unchanged
    ]
    if not orphaned:
        return diff
    return CorpusDiff(
        diff.added,
        diff.changed + orphaned,
        diff.removed,
        [p for p in diff.unchanged if p not in orphaned],
    )


def _reread_scans_ocr_can_read_now(diff: CorpusDiff, unread: dict[str, str], ocr: Ocr | None) -> CorpusDiff:
    """A file indexed without its scanned pages is read again once Tesseract is installed."""
    waiting = [p for p in diff.unchanged if p in unread]
    if not waiting or ocr is None or ocr.missing_packages():
        return diff
    return CorpusDiff(
        diff.added, diff.changed + waiting, diff.removed, [p for p in diff.unchanged if p not in waiting]
    )


def _read_and_chunk(
    settings: Settings,
    ocr: Ocr | None,
    files: dict[str, Path],
    paths: list[str],
    originals: dict[str, str],
    report: IndexReport,
    progress: Progress | None,
) -> tuple[dict[str, Document], list[Chunk]]:
    """Read and chunk `paths`; failures go to report.failed, repeats of `originals` (sha256 → path)
    to report.duplicates."""
    documents: dict[str, Document] = {}
    chunks: list[Chunk] = []
    if progress and paths:  # the bar appears before the first file, which may be a long scan
        progress("reading", 0, len(paths))
    for done, rel in enumerate(paths, start=1):
        try:
            _check_size(files[rel], rel, settings.max_file_mb)
            doc = _load(files[rel], rel, settings.corpus_dir, ocr, report)
            if doc.sha256 in originals:
                report.duplicates[rel] = originals[doc.sha256]
                report.unread_scans.pop(rel, None)  # said of the original
                continue
            doc_chunks = chunk_document(doc, settings.chunk_size, settings.chunk_overlap)
            if not doc_chunks:
                raise DocumentError(rel, "nothing_to_index")
        except DocumentError as error:
            report.failed[rel] = error.reason
        except Exception as error:  # noqa: BLE001 - one broken document must never stop the build
            report.failed[rel] = read_failure("crashed", detail=f"{type(error).__name__}: {error}")
        else:
            originals[doc.sha256] = rel
            documents[rel] = doc
            chunks.extend(doc_chunks)
        finally:
            if progress:
                progress("reading", done, len(paths))
    return documents, chunks


def _load(path: Path, rel: str, corpus_dir: Path, ocr: Ocr | None, report: IndexReport) -> Document:
    """The document with its scans read; without Tesseract, the text of its other pages (a report
    with one scanned signature page stays searchable) and the file in report.unread_scans."""
    try:
        return load_document(path, corpus_dir, ocr)
    except ScanUnreadableError as unreadable:
        report.unread_scans[rel] = unreadable.packages
        try:
            return load_document(path, corpus_dir)
        except DocumentError:
            raise unreadable from None


def _check_size(path: Path, rel: str, limit_mb: float) -> None:
    size_mb = path.stat().st_size / 2**20
    if size_mb > limit_mb:
        raise DocumentError(rel, "too_large", size=f"{size_mb:,.1f}", limit=f"{limit_mb:g}")


def _embed(embedder: Embedder, chunks: list[Chunk], progress: Progress | None) -> np.ndarray:
    """Embed longest-first so each batch holds chunks of similar length (less padding)."""
    vectors = np.zeros((len(chunks), embedder.dimension), dtype="float32")
    order = sorted(range(len(chunks)), key=lambda i: -len(chunks[i].text))
    if progress and order:  # the bar appears when embedding starts, not after the first block
        progress("embedding", 0, len(order))
    for begin in range(0, len(order), _EMBED_BLOCK):
        rows = order[begin : begin + _EMBED_BLOCK]
        vectors[rows] = embedder.encode_documents([(chunks[i].context, chunks[i].body) for i in rows])
        if progress:
            progress("embedding", min(begin + _EMBED_BLOCK, len(order)), len(order))
    return vectors


def _index_type(settings: Settings, size: int) -> str:
    if settings.index_type == "auto":
        return "hnsw" if size > settings.hnsw_threshold else "flat"
    return settings.index_type


def _file_records(
    files: dict[str, Path],
    documents: dict[str, Document],
    chunks: list[Chunk],
    known: dict[str, FileRecord],
    failed: dict[str, str],
    duplicates: dict[str, str],
) -> dict[str, FileRecord]:
    counts = Counter(chunk.doc for chunk in chunks)
    records = {}
    for rel, doc in documents.items():
        if rel in failed:
            records[rel] = known[rel]
            continue
        size, mtime = _size_and_mtime(files[rel])
        records[rel] = FileRecord(doc.sha256, size, mtime, doc.title, counts[rel])
    for rel, original in duplicates.items():
        size, mtime = _size_and_mtime(files[rel])
        records[rel] = FileRecord(records[original].sha256, size, mtime, records[original].title, 0, original)
    return records


def _size_and_mtime(path: Path) -> tuple[int, float]:
    """A file deleted while the build embedded it is still recorded (it was read); size -1 makes
    the next run look at it again and drop it."""
    try:
        stat = path.stat()
    except OSError:
        return -1, 0.0
    return stat.st_size, stat.st_mtime


def _nothing_indexed(corpus_dir: Path, files: dict[str, Path], failed: dict[str, str]) -> IndexStoreError:
    if not files:
        return IndexStoreError("no_documents", corpus_dir=corpus_dir, types=SUPPORTED_TYPES)
    first = dict(list(failed.items())[:5])
    return IndexStoreError(
        "nothing_indexed", count=len(files), corpus_dir=corpus_dir, reasons=failed_files(first), failed=first
    )
