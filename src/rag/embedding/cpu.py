"""What this CPU can do: the fastest way to embed differs by instruction set.

Measured with `benchmarks/embed_backends.py` (benchmarks/README.md): where the CPU has matrix units
(AMX), PyTorch in bfloat16 outruns everything else; elsewhere the int8 ONNX model is fastest, with
signed weights where the CPU multiplies int8 natively (VNNI) and unsigned weights without it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

BFLOAT16 = ("avx512_bf16", "amx_bf16")
MATRIX_UNITS = ("amx_bf16",)
INT8_DOT_PRODUCTS = ("avx512_vnni", "avx_vnni", "amx_int8")
CPUINFO = Path("/proc/cpuinfo")


def has(features: tuple[str, ...]) -> bool:
    """Whether the CPU has any of `features` (flag names as Linux and PyTorch both spell them)."""
    return any(feature in flags() for feature in features)


@lru_cache(maxsize=1)
def flags() -> frozenset[str]:
    """The CPU's flags from /proc/cpuinfo on Linux: a chat that runs the int8 model then never imports
    torch (seconds and hundreds of MB). Elsewhere as PyTorch reads them."""
    try:
        for line in CPUINFO.read_text(encoding="utf-8", errors="replace").splitlines():
            name, _, value = line.partition(":")
            if name.strip() in ("flags", "Features"):
                return frozenset(value.split())
    except OSError:
        pass
    import torch

    capabilities: dict[str, bool] = getattr(torch.cpu, "get_capabilities", dict)()  # recent torch only
    return frozenset(name for name, present in capabilities.items() if present is True)
