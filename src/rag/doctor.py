"""Check an index end to end before trusting it: files, counts, vectors, offsets, model, corpus.

`rag doctor` runs these checks. Each finding says what was checked and, when it failed, the fix;
the index is only read, never changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag import store
from rag.chunking import normalize_whitespace
from rag.config import Settings
from rag.embedding import model_name, model_setting
from rag.errors import IndexStoreError, RagError
from rag.hashing import file_sha256
from rag.indexing import corpus_files, pending_changes
from rag.model_files import DEFAULT_MODEL_IDS, MODEL_DIRNAME, verify_model

REBUILD = "run `rag index --rebuild`"
NORM_TOLERANCE = 1e-3
FAISS_PROBES = 20  # stored vectors searched for themselves


@dataclass(frozen=True)
class Finding:
    ok: bool
    check: str
    detail: str = ""  # for a failed check: what is wrong and the fix


def check_index(settings: Settings) -> list[Finding]:
    """All checks, in order; stops early only when the index cannot be loaded at all."""
    findings = check_stored_index(settings.index_dir)
    if not findings[0].ok:
        return findings
    manifest = store.read_manifest(settings.index_dir)
    findings.append(_model(settings, manifest))
    findings.append(_corpus(settings, manifest))
    return findings


def check_stored_index(index_dir: Path) -> list[Finding]:
    """The checks of the index files alone: loads, checksums, counts, vectors, offsets."""
    try:
        build = store.live_build(index_dir)
        index = store.load(index_dir)
    except IndexStoreError as error:
        return [Finding(False, "index loads", str(error))]
    findings = [Finding(True, f"index loads ({build.name})")]
    findings.append(_checksums(build))
    findings.extend(_consistency(index))
    findings.append(_offsets(index))
    return findings


def _checksums(build: Path) -> Finding:
    check = "build files match their checksums"
    path = build / store.CHECKSUMS
    if not path.exists():
        return Finding(
            False,
            check,
            f"{path} is missing (a build from an older version or an interrupted copy): {REBUILD}",
        )
    recorded = json.loads(path.read_text("utf-8"))
    damaged = [
        name
        for name in store.BUILD_FILES
        if not (build / name).exists() or file_sha256(build / name) != recorded.get(name)
    ]
    if damaged:
        return Finding(False, check, f"{', '.join(damaged)} in {build} changed after the build: {REBUILD}")
    return Finding(True, check)


def _consistency(index: store.IndexStore) -> list[Finding]:
    manifest, chunks = index.manifest, index.chunks
    faiss_index = index.vectors.faiss
    counted = sum(record.chunks for record in manifest.files.values())
    # Loading already checked that chunks, vectors and BM25 term counts have the same rows.
    slots = index.vectors.slots
    sizes = {"chunks": len(chunks), "manifest": counted}
    findings = [
        _expect(
            counted == len(chunks)
            and len(np.unique(slots)) == len(slots)
            and bool(np.all(slots < faiss_index.ntotal)),
            "chunk store, vectors, FAISS, BM25 and manifest agree on the count",
            f"counts differ: {sizes}, {len(slots)} FAISS ids of {faiss_index.ntotal}: {REBUILD}",
        )
    ]
    if not findings[0].ok:
        return findings  # the rows cannot be read
    vectors = index.vectors.matrix()
    dims = {"manifest": manifest.dimension, "FAISS": faiss_index.d}
    findings.append(
        _expect(
            len(set(dims.values())) == 1,
            f"vector dimension {manifest.dimension} everywhere",
            f"dimensions differ: {dims}: {REBUILD}",
        )
    )
    norms = np.linalg.norm(vectors, axis=1) if len(vectors) else np.ones(1)
    findings.append(
        _expect(
            bool(np.all(np.abs(norms - 1) < NORM_TOLERANCE)),
            "vectors are unit length",
            f"{int(np.sum(np.abs(norms - 1) >= NORM_TOLERANCE))} vectors are not: {REBUILD}",
        )
    )
    docs = {c.doc for c in chunks}
    indexed = {path for path, record in manifest.files.items() if not record.duplicate_of}
    originals = {record.duplicate_of for record in manifest.files.values() if record.duplicate_of}
    missing = (docs ^ indexed) | (docs - set(index.documents)) | (originals - indexed)
    findings.append(
        _expect(
            not missing,
            "every chunk's document is in the manifest and the document store",
            f"{len(missing)} documents disagree, e.g. {sorted(missing)[:3]}: {REBUILD}",
        )
    )
    hashes = [
        p
        for p, doc in index.documents.items()
        if p in manifest.files and doc.sha256 != manifest.files[p].sha256
    ]
    findings.append(
        _expect(
            not hashes,
            "document hashes match the manifest",
            f"{len(hashes)} differ, e.g. {hashes[:3]}: {REBUILD}",
        )
    )
    if len(chunks):
        probes = np.linspace(0, len(chunks) - 1, min(FAISS_PROBES, len(chunks))).astype(int)
        found = index.search(vectors[probes], 1)
        lost = [
            int(row)
            for row, best in zip(probes, found, strict=True)
            if not best or (best[0][0] != row and best[0][1] < float(vectors[row] @ vectors[row]) - 1e-4)
        ]
        findings.append(
            _expect(
                not lost,
                "FAISS finds stored vectors at their own rows",
                f"{len(lost)} of {len(probes)} probes were not found: {REBUILD}",
            )
        )
    return findings


def _offsets(index: store.IndexStore) -> Finding:
    """Citations highlight Document.text[start:end]: it must be exactly the chunk's text."""
    wrong = []
    for chunk in index.chunks:
        doc = index.documents.get(chunk.doc)
        if doc is None or normalize_whitespace(doc.text[chunk.start : chunk.end]) != chunk.text:
            wrong.append(chunk.id)
    return _expect(
        not wrong,
        "chunk offsets point at exactly the chunk text",
        f"{len(wrong)} chunks do not, e.g. {wrong[:3]}: {REBUILD}",
    )


def _model(settings: Settings, manifest: store.Manifest) -> Finding:
    built_with = manifest.model
    try:
        configured = model_name(settings)
    except RagError as error:  # RAG_EMBED_BACKEND=openai without a model name
        return Finding(False, "embedding model matches the settings", str(error))
    if built_with != configured:
        return Finding(
            False,
            "embedding model matches the settings",
            f"the index was built with {built_with}, {model_setting(settings)} is {configured}: {REBUILD}",
        )
    if manifest.backend == "openai":  # the model lives on the server: there are no files to verify
        return Finding(True, f"embedding model {built_with} (server {manifest.source}) matches the settings")
    if built_with in DEFAULT_MODEL_IDS and not Path(settings.embed_model).is_dir():
        problems = verify_model(settings.models_dir / MODEL_DIRNAME)
        if problems:
            return Finding(
                False,
                f"model {built_with} is installed and matches its pinned hashes",
                f"{problems[0]}{' (and more)' if len(problems) > 1 else ''}: run `rag model fetch`",
            )
        return Finding(True, f"model {built_with} is installed and matches its pinned hashes")
    return Finding(True, f"embedding model {built_with} matches the settings")


def _corpus(settings: Settings, manifest: store.Manifest) -> Finding:
    try:
        diff = pending_changes(corpus_files(settings.corpus_dir), manifest)
    except RagError as error:  # a missing corpus folder is a finding, not a crash
        return Finding(False, "corpus is indexed", str(error))
    stale = len(diff.added) + len(diff.changed) + len(diff.removed)
    return _expect(
        not stale,
        f"the index covers the corpus in {settings.corpus_dir}",
        f"{len(diff.added)} new, {len(diff.changed)} changed, {len(diff.removed)} deleted "
        "files since the build: run `rag index`",
    )


def _expect(ok: bool, check: str, detail: str) -> Finding:
    return Finding(ok, check, "" if ok else detail)
