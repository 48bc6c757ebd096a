"""Build the compiled model from the verified default model (once, in `rag model fetch`).

`torch.export` captures the whole model (`WholeModel`) with the batch and the sequence length
left free, and AOTInductor compiles it into one shared library of machine code for this CPU, the
weights inside (about a minute on 2 cores; it needs a C++ compiler, such as Debian's g++).
Measured on the built-in agreement texts against float32 like the int8 export, by `artefact_build`.
"""

from __future__ import annotations

import copy
import shutil
import warnings
import zipfile
from pathlib import Path
from typing import Any

import torch

from rag.embedding.artefact_build import build_artefact
from rag.embedding.compiled import LIBRARY_FILE, MAX_BATCH, RECIPE, CompiledEmbedder, this_machine
from rag.embedding.onnx_artefact import ArtefactRecord
from rag.embedding.whole_model import WholeModel


def build_compiled(model_dir: Path, target: Path, dtype: str) -> ArtefactRecord:
    return build_artefact(
        model_dir,
        target,
        what="the compiled embedding model",
        model_file=LIBRARY_FILE,
        export=lambda module, work, path: compile_library(module, work, path, getattr(torch, dtype)),
        open_built=lambda folder: CompiledEmbedder(folder, dtype, model_id=str(model_dir)),
        recipe=RECIPE,
        runs_on=this_machine(dtype),
        fallback="Install a C++ compiler (Debian: apt install g++) and run `rag model fetch` again, "
        "or set RAG_EMBED_COMPILED=off; meanwhile PyTorch runs the model uncompiled.",
    )


def compile_library(sentence_transformer: Any, work: Path, path: Path, dtype: torch.dtype) -> None:
    """Export with two texts, one padded and one past the 512-token sliding window. A copy is cast,
    so the float32 model it came from stays the reference the library is measured against.

    AOTInductor writes a package (a zip); loading one extracts its 600 MB library to a temporary
    folder at every start. The library alone is kept instead, and loaded where it lies."""
    model = WholeModel(copy.deepcopy(sentence_transformer)).to(dtype).eval()
    ids = torch.full((2, 600), 3, dtype=torch.long)  # any ordinary token id
    mask = torch.ones_like(ids)
    mask[1, 20:] = 0
    ids[1, 20:] = 0
    batch = torch.export.Dim("batch", min=1, max=MAX_BATCH)
    sequence = torch.export.Dim("sequence", min=2, max=sentence_transformer.max_seq_length)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # torch's own pytree deprecations, not ours
        program = torch.export.export(
            model, (ids, mask), dynamic_shapes=({0: batch, 1: sequence}, {0: batch, 1: sequence})
        )
        package = Path(
            torch._inductor.aoti_compile_and_package(program, package_path=str(work / "model.pt2"))
        )
    with zipfile.ZipFile(package) as archive:
        (library,) = (name for name in archive.namelist() if name.endswith(".so"))
        with archive.open(library) as source, path.open("wb") as target:
            shutil.copyfileobj(source, target)
    package.unlink()
