"""Build the int8 ONNX artefact from the verified default model (once, in `rag model fetch`).

The whole sentence-transformers model becomes one graph (token ids + attention mask → normalised
768-d embedding), exported in float32 with PyTorch's TorchScript exporter, then given int8 weights
by onnxruntime's dynamic quantisation. With every weight MatMul in int8 the vectors were at
cosine ~0.98 to float32; leaving the MLP down-projections in float32 alone gave 0.997 on sample
chunks (EmbeddingGemma has activation outliers, float16 overflows, and dynamic quantisation gives
each activation tensor one int8 scale). Also keeping the attention projections float32 gave 0.9975
for a larger, slower model. The weights are unsigned int8: with signed weights, onnxruntime's
u8×s8 kernel on CPUs without VNNI (AVX2 only) adds pairs of products in 16 bits, which saturate,
and the vectors fell to mean cosine 0.979 there (0.9968 unsigned, the same as with VNNI; equally
fast on AVX2; benchmarks/README.md). The artefact is assembled in a temporary folder and renamed into place
with its record, so it is never half there.
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import torch

from rag.embedding.agreement import Agreement, measure_agreement
from rag.embedding.onnx import OnnxEmbedder
from rag.embedding.onnx_artefact import (
    COPIED_FILES,
    MIN_MEAN_COSINE,
    MODEL_FILE,
    ONNX_DIRNAME,
    RECIPE,
    RECORD_FILE,
    ArtefactRecord,
    onnx_dir,
    source_sha256,
)
from rag.embedding.pytorch import SentenceTransformerEmbedder
from rag.errors import ModelError
from rag.hashing import file_sha256

OPSET = 17
KEPT_FLOAT = ("down_proj",)  # MatMuls left in float32 (see the module docstring)


def build_onnx_int8(model_dir: Path, models_dir: Path) -> ArtefactRecord:
    """Export, quantise, measure agreement, and move the finished artefact into place."""
    reference = SentenceTransformerEmbedder(str(model_dir), "float32", model_id=str(model_dir))
    models_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{ONNX_DIRNAME}-", dir=models_dir) as tmp:
        work = Path(tmp)
        staging = work / ONNX_DIRNAME
        staging.mkdir()
        try:
            export_float32(reference.module, work / "float32.onnx")
            quantise_int8(work / "float32.onnx", staging / MODEL_FILE)
        except Exception as error:  # exporter and quantiser failures are many and version-specific
            raise ModelError(
                f"Could not build the int8 ONNX model ({type(error).__name__}: {error}). "
                "Set RAG_EMBED_BACKEND=torch to use the PyTorch model."
            ) from error
        (work / "float32.onnx").unlink()
        for name in COPIED_FILES:
            shutil.copy2(model_dir / name, staging / name)
        agreement = measure_agreement(reference, OnnxEmbedder(staging, model_id=reference.model_id))
        record = _record(staging / MODEL_FILE, agreement)
        (staging / RECORD_FILE).write_text(record.to_json(), encoding="utf-8")
        target = onnx_dir(models_dir)
        if target.exists():
            target.rename(work / "replaced")  # removed with the temporary folder
        staging.rename(target)
    return record


def _record(model: Path, agreement: Agreement) -> ArtefactRecord:
    return ArtefactRecord(
        sha256=file_sha256(model),
        source_sha256=source_sha256(),
        mean_cosine=round(agreement.mean_cosine, 6),
        min_cosine=round(agreement.min_cosine, 6),
        samples=agreement.samples,
        usable=agreement.passed(MIN_MEAN_COSINE),
        recipe=RECIPE,
    )


class WholeModel(torch.nn.Module):
    """The sentence-transformers pipeline behind a (input_ids, attention_mask) → embedding forward.

    transformers builds EmbeddingGemma's bidirectional masks with vmap, which the exporter cannot
    trace, so they are built here with plain tensor ops and handed to the model ready-made (the
    same masks: all non-padding keys, and within the 512-token sliding window for local layers).
    """

    def __init__(self, sentence_transformer: torch.nn.Module) -> None:
        super().__init__()
        modules = list(sentence_transformer.children())
        transformer: Any = modules[0].model  # the Hugging Face Gemma3TextModel
        self.transformer = transformer
        self.head = torch.nn.ModuleList(modules[1:])  # pooling, dense, dense, normalize
        self.window = int(transformer.config.sliding_window)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        keys = attention_mask.bool()[:, None, None, :]
        positions = torch.arange(input_ids.shape[1], device=input_ids.device)
        near = (positions[:, None] - positions[None, :]).abs() < self.window
        masks = {"full_attention": keys, "sliding_attention": keys & near[None, None]}
        tokens = self.transformer(input_ids=input_ids, attention_mask=masks).last_hidden_state
        features = {"token_embeddings": tokens, "attention_mask": attention_mask}
        for module in self.head:
            features = module(features)
        return features["sentence_embedding"]


def export_float32(sentence_transformer: torch.nn.Module, path: Path) -> None:
    """Trace with two texts, one padded and one past the sliding window, so no branch is frozen."""
    model = WholeModel(sentence_transformer).eval()
    ids = torch.full((2, 600), 3, dtype=torch.long)  # any ordinary token id
    mask = torch.ones_like(ids)
    mask[1, 20:] = 0
    ids[1, 20:] = 0
    dynamic = {0: "batch", 1: "sequence"}
    with torch.no_grad(), warnings.catch_warnings():
        # about branches on shapes that hold for every input here (a mask is always given)
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        torch.onnx.export(
            model,
            (ids, mask),
            str(path),
            dynamo=False,  # the TorchScript exporter: the dynamo one needs onnxscript and fails here
            input_names=["input_ids", "attention_mask"],
            output_names=["sentence_embedding"],
            dynamic_axes={
                "input_ids": dynamic,
                "attention_mask": dynamic,
                "sentence_embedding": {0: "batch"},
            },
            opset_version=OPSET,
        )


def quantise_int8(source: Path, target: Path) -> None:
    """Unsigned int8 weights (a scale per output channel) for the embedding table and the MatMuls with a
    weight, except KEPT_FLOAT: 375 MB instead of 1.2 GB."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(source), load_external_data=False).graph
    weights = {initializer.name for initializer in graph.initializer}
    excluded = [
        node.name
        for node in graph.node
        if node.op_type == "MatMul"
        and (node.input[1] not in weights or any(part in node.name for part in KEPT_FLOAT))
    ]
    quantize_dynamic(
        source,
        target,
        op_types_to_quantize=["MatMul", "Gather"],
        per_channel=True,
        weight_type=QuantType.QUInt8,  # not QInt8: saturates without VNNI
        nodes_to_exclude=excluded,
    )
