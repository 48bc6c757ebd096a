"""Where the int8 ONNX model lives and what its record says, without importing onnx (or torch,
except to read the CPU's instructions when fetch checks an artefact).

`rag model fetch` builds the artefact once from the verified default model (`onnx_export`); the
record beside it holds the model file's sha256 and how closely its vectors agree with the float32
PyTorch model. "auto" uses the artefact only if that agreement passed. The compiled PyTorch model
(`compiled`) is an artefact of the same kind, with the same record and checks.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from rag.hashing import file_sha256
from rag.model_files import MODEL_DIRNAME, pinned_hashes

ONNX_DIRNAME = f"{MODEL_DIRNAME}-onnx-int8"
MODEL_FILE = "model.onnx"
RECORD_FILE = "artefact.json"
# The files of the source model the ONNX backend reads: the tokenizer, the prompts, the max length.
COPIED_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "config_sentence_transformers.json",
    "sentence_bert_config.json",
)
SOURCE_WEIGHTS = "model.safetensors"  # its pinned sha256 ties the artefact to the weights it came from
MIN_MEAN_COSINE = 0.99
# How the artefact is made (`onnx_export`); an artefact of another recipe is rebuilt by `rag model
# fetch`. 1: signed int8 weights, which saturated on CPUs without VNNI; 2: unsigned weights
# everywhere; 3: signed weights where the CPU has VNNI (1.5x faster there, the same agreement),
# unsigned without. The record's target says which, so a models folder moved to a CPU of the other
# kind is rebuilt.
RECIPE = 3
SIGNED_WEIGHTS = "signed int8 weights (VNNI)"
UNSIGNED_WEIGHTS = "unsigned int8 weights (no VNNI)"
Progress = Callable[[str], None]


@dataclass(frozen=True)
class ArtefactRecord:
    """What the build measured: written once, after the model file is complete."""

    sha256: str  # of model.onnx
    source_sha256: str  # of the source model.safetensors
    mean_cosine: float  # vs the float32 PyTorch model, over the built-in agreement samples
    min_cosine: float
    samples: int
    usable: bool  # mean_cosine >= MIN_MEAN_COSINE
    recipe: int = 1  # records written before the field was added are recipe 1
    target: str = ""  # the CPU (and torch) it was made for: the int8 weights' kind, or `compiled`'s machine

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)


def onnx_dir(models_dir: Path) -> Path:
    return models_dir / ONNX_DIRNAME


def weights_for_this_cpu() -> str:
    """Signed weights where the CPU multiplies int8 natively (VNNI). Without it, onnxruntime's u8×s8
    kernel adds pairs of products in 16 bits, which saturate (benchmarks/README.md)."""
    from rag.embedding import cpu

    return SIGNED_WEIGHTS if cpu.has(cpu.INT8_DOT_PRODUCTS) else UNSIGNED_WEIGHTS


def source_sha256() -> str:
    return pinned_hashes()[SOURCE_WEIGHTS]


def read_record(directory: Path) -> ArtefactRecord | None:
    """The record of a complete artefact, or None when there is none (or it is unreadable)."""
    try:
        data = json.loads((directory / RECORD_FILE).read_text("utf-8"))
        return ArtefactRecord(**data)
    except (OSError, ValueError, TypeError):
        return None


def usable_artefact(directory: Path, model_file: str = MODEL_FILE) -> bool:
    """Cheap check for "auto": a record that passed agreement, for these weights, and the model file."""
    record = read_record(directory)
    return (
        record is not None
        and record.usable
        and record.source_sha256 == source_sha256()
        and (directory / model_file).is_file()
    )


def verify_artefact(
    directory: Path,
    model_file: str = MODEL_FILE,
    recipe: int = RECIPE,
    target: str = "",
    *,
    hashes: bool = True,
) -> str | None:
    """Why the artefact must be (re)built, or None when it is complete and its hashes match.
    `hashes=False` leaves out hashing the model file: the check before every load."""
    record = read_record(directory)
    if record is None:
        return f"{directory / RECORD_FILE}: missing or unreadable"
    if record.source_sha256 != source_sha256():
        return f"{directory}: built from other weights than the pinned {SOURCE_WEIGHTS}"
    if record.recipe != recipe:
        return (
            f"{directory}: built by an earlier version of the export (recipe {record.recipe}, now {recipe})"
        )
    if record.target != target:
        return f"{directory}: built for {record.target}, this machine runs {target}"
    missing = [name for name in (model_file, *COPIED_FILES) if not (directory / name).is_file()]
    if missing:
        return f"{directory}: missing {', '.join(missing)}"
    if hashes and (actual := file_sha256(directory / model_file)) != record.sha256:
        return f"{directory / model_file}: sha256 {actual}, recorded {record.sha256}"
    return None


def ensure_onnx_int8(model_dir: Path, models_dir: Path, progress: Progress) -> Path:
    """The artefact folder; built first when it is missing or its hashes do not verify."""

    def build() -> ArtefactRecord:
        from rag.embedding.onnx_export import build_onnx_int8  # torch and onnx: only when building

        return build_onnx_int8(model_dir, models_dir, weights)

    weights = weights_for_this_cpu()
    return ensure_built(
        onnx_dir(models_dir),
        verify_artefact(onnx_dir(models_dir), MODEL_FILE, RECIPE, weights),
        build,
        name="int8 ONNX model",
        how_long="a few minutes",
        unused=f"NOT used by RAG_EMBED_BACKEND=auto (below {MIN_MEAN_COSINE})",
        progress=progress,
    )


def ensure_built(
    target: Path,
    problem: str | None,
    build: Callable[[], ArtefactRecord],
    *,
    name: str,
    how_long: str,
    unused: str,
    progress: Progress,
) -> Path:
    """`target` as it is when `problem` (from `verify_artefact`) is None, else built by `build`,
    with what its agreement measured; `unused` says what happens to one that agreed too little."""
    if problem is None:
        progress(f"{target} is present and matches its recorded sha256")
        return target
    if target.exists():
        progress(f"Rebuilding the {name} ({problem})")
    progress(f"Building the {name} (once, {how_long})…")
    record = build()
    verdict = "usable" if record.usable else unused
    progress(
        f"{name} in {target}: mean cosine {record.mean_cosine:.4f} (min {record.min_cosine:.4f}) "
        f"to the float32 model over {record.samples} texts, {verdict}"
    )
    return target
