"""File hashes: what decides whether a document changed, and whether model files are the pinned ones.

Kept apart from the loaders so that the store, `rag doctor` and the model fetch can hash a file
without importing the PDF, DOCX and HTML readers.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of the file's bytes."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
