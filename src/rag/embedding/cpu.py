"""What this CPU can do, as PyTorch reads it: the fastest way to embed differs by instruction set.

Measured with `benchmarks/embed_backends.py` (benchmarks/README.md): where the CPU has matrix units
(AMX), PyTorch in bfloat16 outruns everything else; elsewhere the int8 ONNX model is fastest, with
signed weights where the CPU multiplies int8 natively (VNNI) and unsigned weights without it.
"""

from __future__ import annotations

BFLOAT16 = ("avx512_bf16", "amx_bf16")
MATRIX_UNITS = ("amx_bf16",)
INT8_DOT_PRODUCTS = ("avx512_vnni", "avx_vnni", "amx_int8")


def has(features: tuple[str, ...]) -> bool:
    """Whether the CPU has any of `features` (names as `torch.cpu.get_capabilities` gives them)."""
    import torch

    capabilities: dict[str, bool] = getattr(torch.cpu, "get_capabilities", dict)()  # recent torch only
    return any(capabilities.get(feature) for feature in features)
