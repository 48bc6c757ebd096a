"""How a faster backend is held to the float32 PyTorch model on the sample corpus (shared checks)."""

from __future__ import annotations

import numpy as np

from rag.embedding import Embedder

# Questions about the two sample documents, Dutch and English.
QUESTIONS = [
    "Wat zijn de belangrijkste taken van de beleidsmedewerker bij de gemeente Massy?",
    "Hoeveel medewerkers heeft de gemeentelijke dienst in Amsterdam?",
    "Wat vond de deelnemer het interessantst tijdens de training?",
    "What are the main duties of the policy officer in Massy?",
    "Who prepared the meal before the afternoon in Slotermeer?",
]


def cosines_to(
    reference: Embedder, candidate: Embedder, items: list[tuple[str, str]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each passage's cosine between the two backends' vectors, and both matrices."""
    expected, vectors = reference.encode_documents(items), candidate.encode_documents(items)
    assert vectors.shape == expected.shape and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    return np.sum(vectors * expected, axis=1), expected, vectors


def first_passages(embedder: Embedder, vectors: np.ndarray) -> list[int]:
    """The passage each question finds first, searched with the embedder's own query vectors."""
    return np.argmax(embedder.encode_queries(QUESTIONS) @ vectors.T, axis=1).tolist()
