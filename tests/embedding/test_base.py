"""What every embedding backend shares: the title in the document prompt, unit-length rows."""

from __future__ import annotations

import numpy as np
import pytest

from rag.embedding.base import unit_rows, with_document_prompt

pytestmark = pytest.mark.unit

PROMPT = "title: none | text: "  # EmbeddingGemma's document prompt


def test_the_real_title_fills_the_title_slot() -> None:
    assert with_document_prompt(PROMPT, "Verslag  wijkraad\nZuid", "Tekst.") == (
        "title: Verslag wijkraad Zuid | text: Tekst."
    )
    assert with_document_prompt(PROMPT, "", "Tekst.") == "title: none | text: Tekst."
    assert (
        with_document_prompt("passage: ", "Verslag › Inleiding", "Tekst.")
        == "passage: Verslag › Inleiding\n\nTekst."
    )
    assert with_document_prompt("", "", "Tekst.") == "Tekst."


def test_rows_become_float32_unit_vectors_and_zero_rows_stay_finite() -> None:
    rows = unit_rows(np.array([[3.0, 4.0], [0.0, 0.0]], dtype=np.float64))
    assert rows.dtype == np.float32 and rows.flags["C_CONTIGUOUS"]
    np.testing.assert_allclose(rows[0], [0.6, 0.8], rtol=1e-6)
    assert np.all(np.isfinite(rows[1]))
