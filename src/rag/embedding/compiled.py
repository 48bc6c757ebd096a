"""The PyTorch model compiled ahead of time for this machine (AOTInductor): same weights, same dtype.

Eager PyTorch spends a large share of each text on ~1,000 small operators (norms, rotary
embeddings, masks, activations), each a separate call. Compiled, they become a few fused kernels
around the same matrix products: on the AMX CPU a query takes 25 instead of 48 ms and passages
embed 1.8x faster, with vectors as close to float32 as eager bfloat16's (benchmarks/README.md).
So this is the "torch" backend, not a new one: an index built eagerly is searched with compiled
queries and the other way round.

The library is machine code for one CPU's vector instructions and one torch version: `rag model
fetch` builds it (`compiled_export`, needs a C++ compiler) and records both; on another CPU or
torch it is left unused, and eager PyTorch runs, until fetch builds it again.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from rag.embedding.base import ExportedModel, unit_rows
from rag.embedding.onnx_artefact import ArtefactRecord, Progress, ensure_built, read_record, verify_artefact
from rag.errors import ModelError
from rag.model_files import MODEL_DIRNAME

LIBRARY_FILE = "model.so"  # the library AOTInductor compiled, weights included
RECIPE = 1
MAX_BATCH = 256  # texts per run the library accepts (RAG_EMBED_BATCH_SIZE above it runs in parts)


def compiled_dir(models_dir: Path, dtype: str) -> Path:
    return models_dir / f"{MODEL_DIRNAME}-compiled-{dtype}"


def this_machine(dtype: str) -> str:
    """What a compiled model must have been built for to run here: the dtype, the torch version and the
    vector instructions inductor generates code for (e.g. "avx512 avx512_vnni amx_tile")."""
    import torch
    from torch._inductor.cpu_vec_isa import pick_vec_isa

    return f"{dtype}, torch {torch.__version__}, {pick_vec_isa() or 'no vector instructions'}"


def load_compiled(models_dir: Path, dtype: str, *, model_id: str, batch_size: int) -> CompiledEmbedder | None:
    """The compiled model for `dtype` when fetch built one for this machine and it agreed with
    float32, else None (eager PyTorch then runs)."""
    if unusable_because(models_dir, dtype) is not None:
        return None
    return CompiledEmbedder(compiled_dir(models_dir, dtype), dtype, model_id=model_id, batch_size=batch_size)


def unusable_because(models_dir: Path, dtype: str) -> str | None:
    """Why no compiled model runs here (for `rag status`), or None when one does. Machine code
    for other vector instructions could crash this CPU, so one for another is never loaded."""
    directory = compiled_dir(models_dir, dtype)
    record = read_record(directory)
    if record is None:
        return f"none in {directory}: `rag model fetch` compiles it"
    problem = verify_artefact(directory, LIBRARY_FILE, RECIPE, this_machine(dtype), hashes=False)
    if problem is not None:
        return f"{problem}: run `rag model fetch`"
    if not record.usable:
        return f"{directory} agreed too little with float32 (mean cosine {record.mean_cosine:.4f})"
    return None


class CompiledEmbedder(ExportedModel):
    """A compiled model folder (model.so + the source model's tokenizer and prompt files)."""

    backend = "torch"
    source = "local"

    def __init__(self, directory: Path, dtype: str, *, model_id: str, batch_size: int = 16) -> None:
        super().__init__(directory, model_id)
        self.dtype = dtype  # what the compiled model computes in, as SentenceTransformerEmbedder.dtype
        self.batch_size = min(batch_size, MAX_BATCH)
        self._runner = _runner(directory / LIBRARY_FILE)
        self._lock = threading.Lock()  # one model, shared by every chat session
        self.dimension: int = self._run([[2, 1]]).shape[1]  # bos + one token

    def _encode(self, texts: list[str]) -> np.ndarray:
        """Batches of similar length, as sentence-transformers makes them, so little is padding."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        ids = [encoding.ids for encoding in self._tokenizer.encode_batch(texts)]
        order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))
        vectors = np.empty((len(ids), self.dimension), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            vectors[batch] = self._run([ids[i] for i in batch])
        return unit_rows(vectors)

    def _run(self, ids: list[list[int]]) -> np.ndarray:
        import torch

        longest = max(map(len, ids))
        tokens = torch.zeros((len(ids), longest), dtype=torch.long)  # pad id 0, masked out
        mask = torch.zeros_like(tokens)
        for row, text_ids in enumerate(ids):
            tokens[row, : len(text_ids)] = torch.tensor(text_ids)
            mask[row, : len(text_ids)] = 1
        with self._lock, torch.inference_mode():
            (vectors,) = self._runner.run([tokens, mask])
        return vectors.float().numpy()


def _runner(path: Path) -> Any:
    """The loader `torch._inductor.aoti_load_package` uses once it has extracted a package; torch
    is pinned, and a library built by another torch version is never loaded (`this_machine`)."""
    import torch

    try:
        return torch._C._aoti.AOTIModelContainerRunnerCpu(str(path), 1)
    except Exception as error:  # a truncated or foreign library all mean: build it again
        raise ModelError(
            f"Could not load the compiled embedding model {path}: {error}. Run `rag model fetch` to "
            "build it again, or set RAG_EMBED_COMPILED=off."
        ) from error


def ensure_compiled(model_dir: Path, models_dir: Path, dtype: str, progress: Progress) -> Path:
    """The compiled model folder for this machine; built first when it is missing, for another
    machine, or its hashes do not verify."""

    def build() -> ArtefactRecord:
        from rag.embedding.compiled_export import build_compiled  # torch.export: only when building

        return build_compiled(model_dir, target, dtype)

    target = compiled_dir(models_dir, dtype)
    return ensure_built(
        target,
        verify_artefact(target, LIBRARY_FILE, RECIPE, this_machine(dtype)),
        build,
        name="compiled model for this CPU",
        how_long="a minute or two",
        unused="NOT used (it agreed too little)",
        progress=progress,
    )
