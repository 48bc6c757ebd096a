"""The interface texts: every string in both languages."""

from __future__ import annotations

import pytest

from rag.ui.texts import TEXTS, Texts

pytestmark = pytest.mark.unit


def test_both_languages_have_every_text() -> None:
    assert TEXTS["nl"].keys() == TEXTS["en"].keys()
    for language in TEXTS:
        assert Texts(language)("empty_corpus", folder="x", types="y")
