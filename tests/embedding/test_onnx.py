"""The int8 ONNX backend against the float32 PyTorch model, on the real files `rag model fetch` built.

Same tokens, vectors at mean cosine >= 0.99 on the sample corpus, the same passage first for real
questions; an index embedded by one backend is not searched with the other's queries.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rag import store
from rag.answering import ExtractiveAnswerer
from rag.cli import app
from rag.config import Settings
from rag.embedding import Embedder, cpu, load_embedder, resolve_backend, sentence_embedder
from rag.embedding.agreement import DOCUMENTS, QUERIES
from rag.embedding.base import with_document_prompt
from rag.embedding.onnx import OnnxEmbedder
from rag.embedding.onnx_artefact import (
    MODEL_FILE,
    SIGNED_WEIGHTS,
    onnx_dir,
    read_record,
    weights_for_this_cpu,
)
from rag.embedding.pytorch import SentenceTransformerEmbedder
from rag.errors import IndexStoreError
from rag.indexing import update_index
from rag.retrieval.retriever import Retriever
from tests.embedding.agreement import cosines_to, first_passages
from tests.fakes import MemoEmbedder
from tests.files import CORPUS

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def onnx_embedder() -> Embedder:
    """The artefact in models/ (built by `rag model fetch`, which `make test` runs first)."""
    return MemoEmbedder(load_embedder(Settings(embed_backend="onnx-int8")))


@pytest.fixture(scope="module")
def float32_embedder(embedder: Embedder) -> Embedder:
    """The reference: float32 PyTorch (the session model may be bfloat16 on this CPU)."""
    if getattr(embedder, "model", None) and embedder.model.dtype == "float32":  # type: ignore[attr-defined]
        return embedder
    return MemoEmbedder(load_embedder(Settings(embed_backend="torch", embed_dtype="float32")))


def test_auto_picks_the_onnx_model_where_its_artefact_passed_and_torch_runs_float32(tmp_path: Path) -> None:
    settings = Settings(embed_backend="auto", embed_dtype="float32", index_dir=tmp_path / "no-index")
    assert resolve_backend(settings) == "onnx-int8"
    embedder = load_embedder(settings)
    assert isinstance(embedder, OnnxEmbedder) and embedder.backend == "onnx-int8"
    assert embedder.dimension == 768 and embedder.max_seq_length == 2048


def test_fetch_gave_the_model_the_int8_weights_this_cpu_multiplies_fastest() -> None:
    """Signed where the CPU has VNNI (1.5x faster there), unsigned where signed weights saturate."""
    import onnx

    directory = onnx_dir(Settings().models_dir)
    record = read_record(directory)
    assert record is not None and record.target == weights_for_this_cpu()
    graph = onnx.load(str(directory / MODEL_FILE), load_external_data=False).graph
    kinds = {i.data_type for i in graph.initializer if i.name.endswith("_quantized")}
    signed = {onnx.TensorProto.INT8} if record.target == SIGNED_WEIGHTS else set()
    assert kinds - {onnx.TensorProto.UINT8} == signed  # the embedding table's Gather is unsigned either way


@pytest.mark.skipif(not cpu.CPUINFO.exists(), reason="CPU flags come from PyTorch without /proc/cpuinfo")
def test_choosing_and_running_the_int8_model_never_imports_torch(tmp_path: Path) -> None:
    """torch takes seconds and hundreds of MB to import; a chat on the int8 model does not need it."""
    code = (
        "import sys\n"
        "from rag.config import Settings\n"
        "from rag.embedding import cpu, load_embedder, resolve_backend\n"
        f"resolve_backend(Settings(embed_backend='auto', embed_dtype='auto', index_dir={str(tmp_path)!r}))\n"
        "load_embedder(Settings(embed_backend='onnx-int8')).encode_queries(['Wie betaalt de koffie?'])\n"
        "print(sorted(cpu.flags() & set(cpu.BFLOAT16 + cpu.INT8_DOT_PRODUCTS)), 'torch' in sys.modules)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.split()[-1] == "False", run.stdout + run.stderr

    import torch

    capabilities = torch.cpu.get_capabilities()
    for feature in (*cpu.BFLOAT16, *cpu.MATRIX_UNITS, *cpu.INT8_DOT_PRODUCTS):
        if feature in capabilities:  # the names Linux and PyTorch share mean the same
            assert (feature in cpu.flags()) == bool(capabilities[feature]), feature


def test_tokens_are_sentence_transformers_tokens(onnx_embedder: Embedder, float32_embedder: Embedder) -> None:
    onnx = onnx_embedder.model  # type: ignore[attr-defined]
    torch_model = float32_embedder.model  # type: ignore[attr-defined]
    assert isinstance(onnx, OnnxEmbedder) and isinstance(torch_model, SentenceTransformerEmbedder)
    texts = [f"task: search result | query: {q}" for q in QUERIES[:8]]
    texts += [with_document_prompt("title: none | text: ", title, text) for title, text in DOCUMENTS[-4:]]
    texts.append("woord " * 3000)  # cut at 2048 tokens, the end-of-text token kept
    reference = torch_model.module.preprocess(texts)
    for row, encoding in enumerate(onnx._tokenizer.encode_batch(texts)):
        length = int(reference["attention_mask"][row].sum())
        assert encoding.ids == reference["input_ids"][row][:length].tolist()


def test_vectors_agree_with_float32_on_the_sample_corpus(
    sample_retriever: Retriever, onnx_embedder: Embedder, float32_embedder: Embedder
) -> None:
    items = [(chunk.title, chunk.text) for chunk in sample_retriever.index.chunks]
    cosines, reference, vectors = cosines_to(float32_embedder, onnx_embedder, items)
    assert cosines.mean() >= 0.99, f"mean {cosines.mean():.4f}, min {cosines.min():.4f}"
    assert first_passages(onnx_embedder, vectors) == first_passages(float32_embedder, reference)


def test_an_index_is_searched_only_with_its_own_backend(
    tmp_path: Path,
    sample_retriever: Retriever,
    onnx_embedder: Embedder,
    embedder: Embedder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    torch_settings = sample_retriever.settings
    with pytest.raises(IndexStoreError, match=r"set RAG_EMBED_BACKEND=torch or run `rag index --rebuild`"):
        Retriever.open(torch_settings, onnx_embedder)

    shutil.copytree(CORPUS, tmp_path / "corpus")
    onnx_settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")
    update_index(onnx_settings, onnx_embedder)
    assert store.read_manifest(onnx_settings.index_dir).backend == "onnx-int8"
    Retriever.open(onnx_settings, onnx_embedder)
    with pytest.raises(
        IndexStoreError, match=r"set RAG_EMBED_BACKEND=onnx-int8 or run `rag index --rebuild`"
    ):
        Retriever.open(onnx_settings, embedder)

    monkeypatch.setenv("RAG_EMBED_BACKEND", "onnx-int8")
    status = CliRunner().invoke(
        app, ["status", "--corpus", str(onnx_settings.corpus_dir), "--index", str(onnx_settings.index_dir)]
    )
    assert status.exit_code == 0, status.output
    assert f"int8:      {weights_for_this_cpu()}, mean cosine 0.99" in status.output


def test_extractive_answers_score_sentences_with_the_int8_model_and_quote_the_same_facts(
    sample_retriever: Retriever, embedder: Embedder
) -> None:
    """With `auto`, sentences are scored by the int8 model (faster on short inputs) even where the
    index was embedded by PyTorch; the answers state what the PyTorch-scored ones state."""
    settings = Settings(embed_backend="auto")
    scorer = sentence_embedder(settings, embedder)
    assert scorer.backend == "onnx-int8"
    assert sentence_embedder(Settings(embed_backend="torch"), embedder) is embedder
    documents = sample_retriever.index.documents
    with_onnx, with_torch = ExtractiveAnswerer(scorer, documents), ExtractiveAnswerer(embedder, documents)
    facts = {
        "Hoe helpten winkeliers een moeder met schulden?": "fondsje",
        "Welke drie hoofdtaken heeft de beleidsmedewerker uit Massy?": "Allereerst",
        "Wie bereidde de maaltijd voor de bijeenkomst in Slotermeer?": "Zina",
    }
    for question, fact in facts.items():
        hits = sample_retriever.search(question)
        answers = ["".join(a.draft(question, hits, "nl").pieces) for a in (with_onnx, with_torch)]
        assert all(fact in text for text in answers), (question, answers)
