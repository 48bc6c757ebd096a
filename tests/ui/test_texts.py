"""The interface texts: every string in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.errors import DocumentError
from rag.loaders import load_document
from rag.ui.texts import TEXTS, Texts
from tests.files import write_broken_files, write_encrypted_pdf, write_pdf

pytestmark = pytest.mark.unit


def test_both_languages_have_every_text() -> None:
    assert TEXTS["nl"].keys() == TEXTS["en"].keys()
    for language in TEXTS:
        assert Texts(language)("empty_corpus", folder="x", types="y")


def test_every_reason_a_broken_file_is_given_reads_in_dutch(tmp_path: Path) -> None:
    """The reasons come from the loaders in English (what `rag index` prints); the Dutch interface
    shows them in Dutch."""
    write_broken_files(tmp_path)
    write_encrypted_pdf(tmp_path / "beveiligd.pdf", "Verslag van de wijkraad.")
    write_pdf(tmp_path / "zonder-tekst.pdf", [""])  # a page without a text layer, OCR off
    reasons = []
    for path in sorted(tmp_path.iterdir()):
        with pytest.raises(DocumentError) as failure:
            load_document(path, tmp_path)
        reasons.append(failure.value.reason)
    dutch = [Texts("nl").read_failure(reason) for reason in reasons]
    assert all(nl != en for nl, en in zip(dutch, reasons, strict=True)), list(
        zip(reasons, dutch, strict=True)
    )
    assert [Texts("en").read_failure(reason) for reason in reasons] == reasons
