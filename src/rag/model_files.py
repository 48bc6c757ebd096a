"""Where the default embedding model lives, and how its files are trusted.

Only the sha256 pins shipped in `rag/pins/` decide whether model files are the right ones; the
product loads the model from `models/` (or the user's own folder or hub id) without fetching.
"""

from __future__ import annotations

import socket
from functools import cache
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import getproxies

from rag.config import Settings
from rag.hashing import file_sha256

MODEL_DIRNAME = "embeddinggemma-300m"
DEFAULT_MODEL_IDS = ("google/embeddinggemma-300m", "unsloth/embeddinggemma-300m")
HUB_TIMEOUT = 5.0  # seconds


@cache
def pinned_hashes() -> dict[str, str]:
    """Relative path → sha256 of every model file, from the package's `sha256sum`-format pin file."""
    text = (resources.files("rag") / "pins" / f"{MODEL_DIRNAME}.sha256").read_text("utf-8")
    return {name: digest for digest, name in (line.split(maxsplit=1) for line in text.splitlines())}


def verify_model(model_dir: Path) -> list[str]:
    """One line per pinned file that is missing or differs; an empty list means the model is good."""
    problems = []
    for name, expected in pinned_hashes().items():
        path = model_dir / name
        if not path.is_file():
            problems.append(f"{path}: missing (expected sha256 {expected})")
        elif (actual := file_sha256(path)) != expected:
            problems.append(f"{path}: sha256 {actual}, expected {expected}")
    return problems


def resolve_model_path(settings: Settings) -> str:
    """What to hand to SentenceTransformer: a local folder if there is one, else the hub id."""
    configured = settings.embed_model
    if Path(configured).expanduser().is_dir():
        return str(Path(configured).expanduser())
    fetched = settings.models_dir / MODEL_DIRNAME
    if configured in DEFAULT_MODEL_IDS and fetched.is_dir():
        return str(fetched)
    return configured


def hub_reachable() -> bool:
    """Probe the hub with one short connection first.

    Unreachable, the hub client retries five times with back-off (23 s here even when the name
    does not resolve; far longer when packets are dropped). Behind a proxy the probe would say
    nothing, so the client is left to try.
    """
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        return False
    if getproxies().get("https"):
        return True
    endpoint = urlsplit(constants.ENDPOINT)
    port = endpoint.port or (443 if endpoint.scheme == "https" else 80)
    try:
        with socket.create_connection((endpoint.hostname, port), timeout=HUB_TIMEOUT):
            return True
    except OSError:
        return False
