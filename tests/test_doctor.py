"""`rag doctor`: a sound index passes every check; each kind of damage is named with its fix."""

from __future__ import annotations

import json
import shutil

import faiss
import numpy as np
import pytest
from typer.testing import CliRunner

from rag import store
from rag.cli import app
from rag.config import Settings
from rag.doctor import check_index
from tests.files import CORPUS

pytestmark = pytest.mark.integration
runner = CliRunner()


@pytest.fixture
def settings(tmp_path, sample_retriever) -> Settings:
    """A private copy of the session's sample index (the checks below damage it)."""
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    index_dir = tmp_path / "index"
    shutil.copytree(sample_retriever.settings.index_dir, index_dir)
    return Settings(corpus_dir=corpus, index_dir=index_dir)


def failed(settings: Settings) -> dict[str, str]:
    return {f.check: f.detail for f in check_index(settings) if not f.ok}


def test_a_sound_index_passes_every_check(settings, monkeypatch):
    findings = check_index(settings)
    assert len(findings) >= 9 and all(f.ok for f in findings), findings

    monkeypatch.setenv("RAG_CORPUS_DIR", str(settings.corpus_dir))
    monkeypatch.setenv("RAG_INDEX_DIR", str(settings.index_dir))
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 0, result.output
    assert "The index is sound." in result.output


def test_an_edited_chunk_store_fails_checksums_and_offsets(settings, monkeypatch):
    chunks = store.live_build(settings.index_dir) / "chunks.jsonl"
    rows = [json.loads(line) for line in chunks.read_text("utf-8").splitlines()]
    rows[0]["text"] = "Een tekst die niet in het document staat."
    chunks.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")

    problems = failed(settings)
    assert "chunks.jsonl" in problems["build files match their checksums"]
    assert "1 chunks do not" in problems["chunk offsets point at exactly the chunk text"]

    monkeypatch.setenv("RAG_CORPUS_DIR", str(settings.corpus_dir))
    monkeypatch.setenv("RAG_INDEX_DIR", str(settings.index_dir))
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 1
    assert "FAIL" in result.output and "rag index --rebuild" in result.output


def test_a_slot_file_one_row_short_is_reported_as_damage(settings):
    slots_path = store.live_build(settings.index_dir) / "slots.npy"
    np.save(slots_path, np.load(slots_path)[:-1])

    problems = failed(settings)
    assert list(problems) == ["index loads"]
    assert "damaged" in problems["index loads"] and "rag index --rebuild" in problems["index loads"]


def test_vectors_that_are_no_longer_unit_length_are_reported(settings):
    faiss_path = store.live_build(settings.index_dir) / "faiss.index"
    index = faiss.read_index(str(faiss_path))
    vectors = index.reconstruct_n(0, index.ntotal)
    index.reset()
    index.add(vectors * 2)
    faiss.write_index(index, str(faiss_path))

    problems = failed(settings)
    assert "faiss.index" in problems["build files match their checksums"]
    assert problems["vectors are unit length"].startswith(f"{len(vectors)} vectors are not")


def test_stale_corpus_and_other_model_are_named_with_the_fix(settings):
    (settings.corpus_dir / "nieuw.md").write_text("# Nieuw\n\nEen nieuw verslag.", encoding="utf-8")
    other = settings.model_copy(update={"embed_model": "intfloat/multilingual-e5-small"})

    problems = failed(other)
    assert "1 new" in problems["the index covers the corpus in " + str(settings.corpus_dir)]
    assert "built with google/embeddinggemma-300m" in problems["embedding model matches the settings"]


def test_a_missing_index_says_how_to_build_it(tmp_path):
    findings = check_index(Settings(corpus_dir=tmp_path, index_dir=tmp_path / "none"))
    assert [f.ok for f in findings] == [False] and "rag index" in findings[0].detail
