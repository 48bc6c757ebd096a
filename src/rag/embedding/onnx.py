"""The fast CPU backend: the whole sentence-transformers model as one int8 ONNX graph.

The graph maps token ids and attention mask to the normalised embedding (transformer, mean
pooling, both Dense layers, normalisation: `onnx_export`), so only tokenisation and the prompts
are done here, exactly as sentence-transformers does them. Neither torch nor transformers is
imported: loading takes a second instead of several.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from rag.embedding.base import ExportedModel, unit_rows
from rag.embedding.onnx_artefact import MODEL_FILE
from rag.errors import ModelError

BACKEND = "onnx-int8"


class OnnxEmbedder(ExportedModel):
    """An int8 ONNX artefact folder (model.onnx + the source model's tokenizer and prompt files)."""

    backend = BACKEND
    source = "local"

    def __init__(self, directory: Path, *, model_id: str) -> None:
        super().__init__(directory, model_id)
        self._session = _session(directory / MODEL_FILE)
        self.dimension: int = self._session.get_outputs()[0].shape[1]
        self._runs = ThreadPoolExecutor(_cores(), thread_name_prefix="onnx-embed")

    def _encode(self, texts: list[str]) -> np.ndarray:
        """One text per run: dynamic quantisation scales each activation tensor by its largest
        value, so in a batch a text's vector depended on its batch mates and their padding (cosine
        0.974 between one passage encoded alone and in a batch of 16). Alone, the vectors agree
        better with float32 (mean 0.9968 vs 0.9947 on the agreement texts).

        The runs go side by side, one core each: a run is ~1,000 small operators, and splitting
        each over the cores cost more in waiting than it gained (AVX2, 2 cores: passages 1.57
        instead of 1.28 per second, 40 sentences 3.3 s instead of 4.4 s). A single text (a query)
        then runs on one core: 59 ms instead of 30 ms (benchmarks/README.md)."""
        encodings = self._tokenizer.encode_batch(texts)
        if len(encodings) <= 1:  # a query: no hand-over to the pool
            vectors = [self._run(encoding) for encoding in encodings]
        else:
            vectors = list(self._runs.map(self._run, encodings))
        return unit_rows(np.concatenate(vectors)) if vectors else np.zeros((0, self.dimension), np.float32)

    def _run(self, encoding: Any) -> np.ndarray:
        ids = np.array([encoding.ids], dtype=np.int64)
        (vector,) = self._session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})
        return np.asarray(vector, dtype=np.float32)


def _session(path: Path) -> Any:  # an onnxruntime.InferenceSession
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1  # runs go side by side instead: OnnxEmbedder._encode
    try:
        return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as error:  # a missing, truncated or foreign file all mean: rebuild it
        raise ModelError(
            f"Could not load the int8 ONNX embedding model {path}: {error}. Run `rag model fetch` to "
            "build it again, or set RAG_EMBED_BACKEND=torch."
        ) from error


def _cores() -> int:
    """The cores this process may use (a container may allow fewer than the machine has)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
