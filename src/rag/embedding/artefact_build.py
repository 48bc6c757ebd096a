"""Building an artefact of the default model so that it is never half there, and always measured.

Both exports (int8 ONNX, compiled PyTorch) are made the same way: in a temporary folder beside
the target, from the float32 reference model; the tokenizer and prompt files copied in; the
vectors compared with the reference's on the built-in agreement texts; the record written last;
then the folder renamed into place, replacing an older one.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rag.embedding.agreement import measure_agreement
from rag.embedding.base import Embedder
from rag.embedding.onnx_artefact import (
    COPIED_FILES,
    MIN_MEAN_COSINE,
    RECORD_FILE,
    ArtefactRecord,
    source_sha256,
)
from rag.embedding.pytorch import SentenceTransformerEmbedder
from rag.errors import ModelError
from rag.hashing import file_sha256


def build_artefact(
    model_dir: Path,
    target: Path,
    *,
    what: str,
    model_file: str,
    export: Callable[[Any, Path, Path], None],
    open_built: Callable[[Path], Embedder],
    recipe: int,
    runs_on: str = "",
    fallback: str,
) -> ArtefactRecord:
    """`export(sentence_transformer, work_dir, model_path)` writes the model file; `open_built`
    loads the finished folder as an Embedder, to measure it. `what` and `fallback` word the error."""
    reference = SentenceTransformerEmbedder(str(model_dir), "float32", model_id=str(model_dir))
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{target.name}-", dir=target.parent) as tmp:
        work = Path(tmp)
        staging = work / target.name
        staging.mkdir()
        try:
            export(reference.module, work, staging / model_file)
        except Exception as error:  # exporter and compiler failures are many and version-specific
            raise ModelError(
                f"Could not build {what} ({type(error).__name__}: {error}). {fallback}"
            ) from error
        for name in COPIED_FILES:
            shutil.copy2(model_dir / name, staging / name)
        agreement = measure_agreement(reference, open_built(staging))
        record = ArtefactRecord(
            sha256=file_sha256(staging / model_file),
            source_sha256=source_sha256(),
            mean_cosine=round(agreement.mean_cosine, 6),
            min_cosine=round(agreement.min_cosine, 6),
            samples=agreement.samples,
            usable=agreement.passed(MIN_MEAN_COSINE),
            recipe=recipe,
            target=runs_on,
        )
        (staging / RECORD_FILE).write_text(record.to_json(), encoding="utf-8")
        if target.exists():
            target.rename(work / "replaced")  # removed with the temporary folder
        staging.rename(target)
    return record
