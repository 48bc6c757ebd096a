"""The PyTorch model compiled for this machine against float32 and eager PyTorch, on real files.

The compiled model is the one `rag model fetch` built (which `make test` runs first); on a CPU where fetch
does not compile (no bfloat16 instructions), it is compiled here once, into a temporary folder.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from rag.cli import app
from rag.config import Settings
from rag.embedding import Embedder, load_embedder
from rag.embedding.compiled import (
    LIBRARY_FILE,
    RECIPE,
    CompiledEmbedder,
    compiled_dir,
    ensure_compiled,
    load_compiled,
    this_machine,
)
from rag.embedding.onnx_artefact import RECORD_FILE, ArtefactRecord, source_sha256, verify_artefact
from rag.embedding.pytorch import SentenceTransformerEmbedder, choose_dtype
from rag.indexing import update_index
from rag.model_files import MODEL_DIRNAME
from rag.retrieval.retriever import Retriever
from tests.embedding.agreement import QUESTIONS, cosines_to, first_passages
from tests.files import CORPUS

pytestmark = pytest.mark.integration
runner = CliRunner()


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """models/ when fetch compiled the model for this machine, else a copy-free folder beside it
    (the model linked in) where it is compiled now."""
    settings = Settings()
    dtype = choose_dtype(settings.embed_dtype)
    if (
        verify_artefact(compiled_dir(settings.models_dir, dtype), LIBRARY_FILE, RECIPE, this_machine(dtype))
        is None
    ):
        return settings.models_dir
    if shutil.which("g++") is None and shutil.which("c++") is None:
        pytest.skip("no C++ compiler to compile the model with: apt install g++ (as .ci/run does)")
    models = tmp_path_factory.mktemp("models")
    (models / MODEL_DIRNAME).symlink_to((settings.models_dir / MODEL_DIRNAME).resolve())
    ensure_compiled(models / MODEL_DIRNAME, models, dtype, progress=print)
    return models


@pytest.fixture(scope="module")
def compiled(models_dir: Path) -> Embedder:
    embedder = load_embedder(Settings(models_dir=models_dir))
    assert isinstance(embedder, CompiledEmbedder)
    return embedder


@pytest.fixture(scope="module")
def eager(models_dir: Path) -> Embedder:
    embedder = load_embedder(Settings(models_dir=models_dir, embed_compiled="off"))
    assert isinstance(embedder, SentenceTransformerEmbedder)
    return embedder


def test_the_compiled_model_is_the_torch_backend_in_the_same_dtype(
    compiled: Embedder, eager: Embedder
) -> None:
    assert compiled.backend == eager.backend == "torch"
    assert compiled.model_id == eager.model_id and compiled.dimension == eager.dimension == 768
    assert compiled.dtype == eager.dtype  # type: ignore[attr-defined]
    assert compiled.max_seq_length == 2048  # type: ignore[attr-defined]


def test_vectors_agree_with_float32_alone_and_in_batches(
    sample_retriever: Retriever, compiled: Embedder, models_dir: Path
) -> None:
    float32 = load_embedder(Settings(models_dir=models_dir, embed_compiled="off", embed_dtype="float32"))
    items = [(chunk.title, chunk.text) for chunk in sample_retriever.index.chunks]
    cosines, reference, vectors = cosines_to(
        float32, compiled, items
    )  # batches of texts of different lengths
    assert cosines.min() >= 0.999, f"mean {cosines.mean():.5f}, min {cosines.min():.5f}"

    alone = np.concatenate([compiled.encode_documents([item]) for item in items[:6]])
    assert np.sum(alone * vectors[:6], axis=1).min() >= 0.999  # padding does not change a vector
    assert first_passages(compiled, vectors) == first_passages(float32, reference)


def test_an_index_built_eagerly_is_searched_with_compiled_queries(
    tmp_path: Path, compiled: Embedder, eager: Embedder, models_dir: Path
) -> None:
    shutil.copytree(CORPUS, tmp_path / "corpus")
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index", models_dir=models_dir)
    update_index(settings, eager)
    by_eager = Retriever.open(settings, eager)
    by_compiled = Retriever.open(settings, compiled)  # the same backend: no mismatch
    for question in QUESTIONS:
        expected = [hit.chunk.id for hit in by_eager.search(question, k=3)]
        assert [hit.chunk.id for hit in by_compiled.search(question, k=3)][:1] == expected[:1], question


def test_a_compiled_model_for_another_machine_is_left_unused_and_rebuilt(tmp_path: Path) -> None:
    dtype = "bfloat16"
    folder = compiled_dir(tmp_path, dtype)
    folder.mkdir(parents=True)
    (folder / LIBRARY_FILE).write_bytes(b"machine code for another CPU")
    record = ArtefactRecord(
        "0" * 64, source_sha256(), 0.99995, 0.9998, 64, True, RECIPE, "bfloat16, torch 2.0.0, avx2"
    )
    (folder / RECORD_FILE).write_text(record.to_json(), encoding="utf-8")

    assert load_compiled(tmp_path, dtype, model_id="google/embeddinggemma-300m", batch_size=16) is None
    problem = verify_artefact(folder, LIBRARY_FILE, RECIPE, this_machine(dtype))
    assert problem is not None and "built for bfloat16, torch 2.0.0, avx2" in problem
    assert json.loads((folder / RECORD_FILE).read_text("utf-8"))["usable"]  # usable, but not here


def test_status_says_whether_pytorch_runs_compiled(
    cli_corpus: Path, models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAG_MODELS_DIR", str(models_dir))
    assert runner.invoke(app, ["index"]).exit_code == 0
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    assert f"compiled for this CPU ({compiled_dir(models_dir, choose_dtype('auto'))})" in result.output

    monkeypatch.setenv("RAG_EMBED_COMPILED", "off")
    assert "not compiled (RAG_EMBED_COMPILED=off)" in runner.invoke(app, ["status"]).output
