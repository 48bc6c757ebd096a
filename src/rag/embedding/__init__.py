"""Turn passages and queries into unit vectors: the `Embedder` seam and the one factory behind it.

Cosine similarity is then a plain inner product, which is what the index stores and searches.
Every backend (the sentence-transformers model in PyTorch, the int8 ONNX export of it, and a remote
server with the OpenAI embeddings API) satisfies `Embedder`; `load_embedder` is the only place that
chooses one from the settings, and `resolve_backend` and `model_name` say which without loading
anything.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from rag.config import Settings
from rag.embedding.base import Embedder
from rag.embedding.onnx_artefact import onnx_dir, read_record, usable_artefact
from rag.errors import ConfigError, IndexStoreError, ModelError
from rag.model_files import MODEL_DIRNAME, resolve_model_path

Backend = Literal["torch", "onnx-int8", "openai"]


def resolve_backend(settings: Settings) -> Backend:
    """The backend `load_embedder` will use. "auto" means the ONNX artefact when it is usable, except
    on CPUs with matrix units (AMX), where PyTorch in bfloat16 is faster (compiled: 2.8x the int8
    model) and agrees better with float32. With AVX-512 bfloat16 but no AMX, the int8 model with
    signed weights embeds 1.7x faster than compiled bfloat16 (benchmarks/README.md).
    RAG_EMBED_DTYPE=bfloat16 asks for PyTorch in bfloat16, so it keeps PyTorch anywhere.

    The artefact is an export of the default model, so another RAG_EMBED_MODEL means PyTorch.
    An existing index keeps the backend it was built with: its vectors and the query's must come
    from the same one, so building the artefact later does not lock the user out of the index.
    """
    if settings.embed_backend != "auto":
        return settings.embed_backend
    indexed = _indexed_backend(settings)
    if indexed == "torch" or not (
        _default_model(settings) and usable_artefact(onnx_dir(settings.models_dir))
    ):
        return "torch"
    if indexed == "onnx-int8":
        return "onnx-int8"
    if settings.embed_dtype == "auto":
        from rag.embedding import cpu

        return "torch" if cpu.has(cpu.MATRIX_UNITS) else "onnx-int8"
    return "torch" if settings.embed_dtype == "bfloat16" else "onnx-int8"


def _indexed_backend(settings: Settings) -> str | None:
    """The backend the live index was embedded with, or None without a readable index."""
    from rag import store

    build = store.current_build_name(settings.index_dir)
    try:
        return _backend_of_build(settings.index_dir, build) if build else None
    except (IndexStoreError, OSError, TypeError, ValueError):
        return None  # a damaged index is reported by whoever opens it, with its fix


@lru_cache(maxsize=8)
def _backend_of_build(index_dir: Path, build: str) -> str:
    """Read once per build: the chat asks on every rerun, and a manifest lists every file."""
    from rag import store

    return store.read_manifest(index_dir).backend


def load_embedder(settings: Settings) -> Embedder:
    """The embedding backend the settings ask for, loaded (seconds: torch and the weights)."""
    backend = resolve_backend(settings)
    if backend == "onnx-int8":
        return _load_onnx(settings)
    if backend == "openai":
        from rag.embedding.openai import OpenAIEmbedder

        return OpenAIEmbedder.from_settings(settings)
    from rag.embedding.pytorch import SentenceTransformerEmbedder, choose_dtype

    if settings.embed_compiled == "auto" and _default_model(settings):
        from rag.embedding.compiled import load_compiled

        compiled = load_compiled(
            settings.models_dir,
            choose_dtype(settings.embed_dtype),
            model_id=settings.embed_model,
            batch_size=settings.embed_batch_size,
        )
        if compiled is not None:
            return compiled
    return SentenceTransformerEmbedder(
        resolve_model_path(settings),
        settings.embed_dtype,
        settings.embed_batch_size,
        model_id=settings.embed_model,
    )


def torch_runs(settings: Settings) -> str:
    """How PyTorch runs the model on this machine, for `rag status`: the dtype, compiled or not."""
    from rag.embedding.compiled import compiled_dir, unusable_because
    from rag.embedding.pytorch import choose_dtype

    dtype = choose_dtype(settings.embed_dtype)
    if settings.embed_compiled == "off":
        return f"{dtype}, not compiled (RAG_EMBED_COMPILED=off)"
    if not _default_model(settings):
        return f"{dtype}, not compiled (only the default model is)"
    reason = unusable_because(settings.models_dir, dtype)
    if reason:
        return f"{dtype}, not compiled ({reason})"
    return f"{dtype}, compiled for this CPU ({compiled_dir(settings.models_dir, dtype)})"


def int8_runs(settings: Settings) -> str:
    """What the int8 ONNX model is, for `rag status`: the weights fetch made for this CPU and how
    closely they agree with float32."""
    directory = onnx_dir(settings.models_dir)
    record = read_record(directory)
    if record is None:
        return f"none in {directory}: `rag model fetch` builds it"
    weights = record.target or "int8 weights"
    return f"{weights}, mean cosine {record.mean_cosine:.4f} to float32 ({directory})"


def sentence_embedder(settings: Settings, embedder: Embedder) -> Embedder:
    """The embedder that scores single sentences for extractive answers: with RAG_EMBED_BACKEND
    auto, the int8 ONNX model when `rag model fetch` built a usable one, else `embedder`. It drafts
    faster than eager PyTorch even where that runs bfloat16 (p95 1.45x, same facts stated); the
    compiled PyTorch model drafts 2.7x faster still, but stated one fact fewer on each of two sets,
    and both are well under a second (benchmarks/README.md). A sentence's score is only compared
    with its neighbours' from the same model, so it need not match the index's backend."""
    if settings.embed_backend != "auto" or embedder.backend == "onnx-int8" or not _default_model(settings):
        return embedder
    directory = onnx_dir(settings.models_dir)
    return _onnx_embedder(directory, settings.embed_model) if usable_artefact(directory) else embedder


@lru_cache(maxsize=2)
def _onnx_embedder(directory: Path, model_id: str) -> Embedder:
    """One int8 model per process, shared by every chat session (390 MB on disk, seconds to load)."""
    from rag.embedding.onnx import OnnxEmbedder

    return OnnxEmbedder(directory, model_id=model_id)


def model_name(settings: Settings) -> str:
    """The model name an index built with these settings records: RAG_EMBED_MODEL, or for a remote
    server the name it serves the model under (RAG_EMBED_OPENAI_MODEL)."""
    if settings.embed_backend == "openai":
        from rag.embedding import openai

        return openai.model_name(settings)
    return settings.embed_model


def model_setting(settings: Settings) -> str:
    """The setting that names the embedding model, for messages."""
    return "RAG_EMBED_OPENAI_MODEL" if settings.embed_backend == "openai" else "RAG_EMBED_MODEL"


def _load_onnx(settings: Settings) -> Embedder:
    from rag.embedding.onnx import OnnxEmbedder

    if not _default_model(settings):
        raise ConfigError(
            f"RAG_EMBED_BACKEND=onnx-int8 runs the default model only, not {settings.embed_model!r}: "
            "set RAG_EMBED_BACKEND=torch (or auto), or unset RAG_EMBED_MODEL."
        )
    directory = onnx_dir(settings.models_dir)
    record = read_record(directory)
    if record is None:
        raise ModelError(
            f"The int8 ONNX model is not in {directory}: run `rag model fetch` to build it "
            "(once, a few minutes), or set RAG_EMBED_BACKEND=torch."
        )
    if not record.usable:
        raise ModelError(
            f"The int8 ONNX model in {directory} agreed too little with the float32 model when it was "
            f"built (mean cosine {record.mean_cosine:.4f}): set RAG_EMBED_BACKEND=torch, or delete "
            "the folder and run `rag model fetch` again."
        )
    return OnnxEmbedder(directory, model_id=settings.embed_model)


def _default_model(settings: Settings) -> bool:
    """True when the settings use the fetched default model, the one the artefact is built from."""
    return Path(resolve_model_path(settings)) == settings.models_dir / MODEL_DIRNAME


__all__ = ["Backend", "Embedder", "load_embedder", "model_name", "model_setting", "resolve_backend"]
