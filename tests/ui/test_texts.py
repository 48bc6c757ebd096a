"""The interface texts: every string in both languages."""

from __future__ import annotations

from pathlib import Path
from string import Formatter

import pytest

from rag.config import Settings
from rag.errors import (
    INDEX_PROBLEMS,
    READ_FAILURES,
    DocumentError,
    IndexStoreError,
    read_failure,
    read_failure_case,
)
from rag.indexing import REBUILD_REASONS, RebuildReason, update_index
from rag.loaders import load_document
from rag.ui.texts import INDEX_PROBLEMS_NL, READ_FAILURES_NL, REBUILD_REASONS_NL, TEXTS, Texts
from tests.fakes import HashEmbedder
from tests.files import write_broken_files, write_encrypted_pdf, write_pdf

pytestmark = pytest.mark.unit


def test_both_languages_have_every_text() -> None:
    assert TEXTS["nl"].keys() == TEXTS["en"].keys()
    for language in TEXTS:
        assert Texts(language)("empty_corpus", folder="x", types="y")


def test_every_reason_a_broken_file_is_given_reads_in_dutch(tmp_path: Path) -> None:
    """The reasons come from the loaders in English (what `rag index` prints); the Dutch interface
    shows them in Dutch, each as its own case."""
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


def _values(template: str) -> list[str]:
    return [name for _, name, _, _ in Formatter().parse(template) if name]


def test_every_read_failure_has_a_dutch_wording_naming_the_same_values() -> None:
    assert READ_FAILURES_NL.keys() == READ_FAILURES.keys()
    for case, english in READ_FAILURES.items():
        assert set(_values(READ_FAILURES_NL[case])) == set(_values(english)), case


def test_every_kept_reason_is_read_back_as_its_own_case_and_shown_in_dutch() -> None:
    """An index keeps the English reason; the sidebar of a later session words it in Dutch, so no
    two cases may read alike, and a library's message (the last value) survives as it is."""
    for case, template in READ_FAILURES.items():
        names = _values(template)
        values = {name: str(12 + i) for i, name in enumerate(names)}
        if names:
            values[names[-1]] = "Stream has ended (at: byte 12)"
        reason = read_failure(case, **values)
        assert read_failure_case(reason) == (case, values)
        dutch = Texts("nl").read_failure(reason)
        assert dutch == READ_FAILURES_NL[case].format(**values) != reason
        assert all(value in dutch for value in values.values())
    assert Texts("nl").read_failure("a reason an older version gave") == "a reason an older version gave"


def test_why_the_index_is_built_anew_reads_in_dutch_with_what_changed() -> None:
    assert REBUILD_REASONS_NL.keys() == REBUILD_REASONS.keys()
    for case, english in REBUILD_REASONS.items():
        values = {name: f"waarde-{name}" for name in _values(english)}
        reason = RebuildReason(case, values)
        dutch = Texts("nl").rebuild_reason(reason)
        assert dutch != str(reason) == english.format(**values)
        assert set(_values(REBUILD_REASONS_NL[case])) == set(values)
        assert all(value in dutch for value in values.values())
        assert Texts("en").rebuild_reason(reason) == str(reason)


def test_every_index_problem_reads_in_dutch_with_the_same_values() -> None:
    """What the chat shows when the index cannot be used or written: Dutch in the Dutch chat."""
    assert INDEX_PROBLEMS_NL.keys() == INDEX_PROBLEMS.keys()
    for case, english in INDEX_PROBLEMS.items():
        values = {name: f"waarde-{name}" for name in _values(english)}
        error = IndexStoreError(case, **values)
        dutch = Texts("nl").error(error)
        assert dutch != str(error) == english.format(**values)
        assert set(_values(INDEX_PROBLEMS_NL[case])) == set(values), case
        assert all(value in dutch for value in values.values())
        assert Texts("en").error(error) == str(error)


def test_a_build_of_only_broken_files_says_why_each_failed_in_dutch(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    broken = write_broken_files(tmp_path / "corpus")
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")
    with pytest.raises(IndexStoreError) as failure:
        update_index(settings, HashEmbedder())

    english, dutch = str(failure.value), Texts("nl").error(failure.value)
    assert f"None of the {len(broken)} files" in english and "the file is empty" in english
    assert f"Geen van de {len(broken)} bestanden" in dutch and "het bestand is leeg" in dutch
    assert "the file is empty" not in dutch


def test_an_unusable_index_as_the_reason_for_a_rebuild_reads_in_dutch() -> None:
    reason = RebuildReason("unusable", {"error": IndexStoreError("damaged", index_dir="index")})
    assert Texts("nl").rebuild_reason(reason) == (
        "de bestaande index kon niet worden gebruikt (De index in index is beschadigd.)"
    )
