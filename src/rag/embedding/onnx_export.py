"""Build the int8 ONNX artefact from the verified default model (once, in `rag model fetch`).

The whole sentence-transformers model becomes one graph (token ids + attention mask → normalised
768-d embedding), exported in float32 with PyTorch's TorchScript exporter, then given int8 weights
by onnxruntime's dynamic quantisation. With every weight MatMul in int8 the vectors were at
cosine ~0.98 to float32; leaving the MLP down-projections in float32 alone gave 0.997 on sample
chunks (EmbeddingGemma has activation outliers, float16 overflows, and dynamic quantisation gives
each activation tensor one int8 scale). Also keeping the attention projections float32 gave 0.9975
for a larger, slower model. The weights are signed int8 on CPUs with VNNI and unsigned elsewhere:
with signed weights, onnxruntime's u8×s8 kernel on CPUs without VNNI (AVX2 only) adds pairs of
products in 16 bits, which saturate, and the vectors fell to mean cosine 0.979 there (0.9968
unsigned, equally fast there). With VNNI both agree alike (0.9968) and signed weights embed 1.5x
faster (benchmarks/README.md). The artefact is assembled and measured by `artefact_build`.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch

from rag.embedding.artefact_build import build_artefact
from rag.embedding.onnx import OnnxEmbedder
from rag.embedding.onnx_artefact import MODEL_FILE, RECIPE, SIGNED_WEIGHTS, ArtefactRecord, onnx_dir
from rag.embedding.whole_model import WholeModel

OPSET = 17
KEPT_FLOAT = ("down_proj",)  # MatMuls left in float32 (see the module docstring)


def build_onnx_int8(model_dir: Path, models_dir: Path, weights: str) -> ArtefactRecord:
    """Export, quantise to `weights` (`onnx_artefact.weights_for_this_cpu`), measure agreement, and
    move the finished artefact into place."""

    def export_int8(sentence_transformer: torch.nn.Module, work: Path, model_path: Path) -> None:
        export_float32(sentence_transformer, work / "float32.onnx")
        quantise_int8(work / "float32.onnx", model_path, signed=weights == SIGNED_WEIGHTS)
        (work / "float32.onnx").unlink()

    return build_artefact(
        model_dir,
        onnx_dir(models_dir),
        what="the int8 ONNX model",
        model_file=MODEL_FILE,
        export=export_int8,
        open_built=lambda folder: OnnxEmbedder(folder, model_id=str(model_dir)),
        recipe=RECIPE,
        runs_on=weights,
        fallback="Set RAG_EMBED_BACKEND=torch to use the PyTorch model.",
    )


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


def quantise_int8(source: Path, target: Path, *, signed: bool) -> None:
    """int8 weights (a scale per output channel) for the embedding table and the MatMuls with a
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
        weight_type=QuantType.QInt8 if signed else QuantType.QUInt8,
        nodes_to_exclude=excluded,
    )
