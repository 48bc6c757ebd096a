"""Which embedding backend the settings pick, decided from the artefact's record alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.config import Settings
from rag.embedding import cpu, load_embedder, resolve_backend
from rag.embedding.onnx_artefact import (
    COPIED_FILES,
    MODEL_FILE,
    RECIPE,
    RECORD_FILE,
    SIGNED_WEIGHTS,
    UNSIGNED_WEIGHTS,
    ArtefactRecord,
    ensure_onnx_int8,
    onnx_dir,
    source_sha256,
    verify_artefact,
)
from rag.errors import ConfigError, ModelError
from rag.hashing import file_sha256
from rag.indexing import update_index
from rag.model_files import MODEL_DIRNAME
from tests.fakes import HashEmbedder

pytestmark = pytest.mark.unit


def models(tmp_path: Path, *, usable: bool | None) -> Path:
    """A models folder with the default model's folder and, unless `usable` is None, an artefact."""
    (tmp_path / MODEL_DIRNAME).mkdir(parents=True)
    if usable is not None:
        artefact = onnx_dir(tmp_path)
        artefact.mkdir()
        (artefact / MODEL_FILE).write_bytes(b"not really onnx")
        record = ArtefactRecord("0" * 64, source_sha256(), 0.995 if usable else 0.95, 0.9, 64, usable, RECIPE)
        (artefact / RECORD_FILE).write_text(record.to_json(), encoding="utf-8")
    return tmp_path


def auto(models_dir: Path, **values: str) -> Settings:
    """Explicitly "auto": the test session pins RAG_EMBED_BACKEND=torch (conftest); no index yet."""
    return Settings(models_dir=models_dir, index_dir=models_dir / "no-index", embed_backend="auto", **values)


def test_auto_uses_the_onnx_model_only_when_its_agreement_passed(tmp_path: Path) -> None:
    assert resolve_backend(auto(models(tmp_path / "a", usable=True), embed_dtype="float32")) == "onnx-int8"
    assert resolve_backend(auto(models(tmp_path / "b", usable=False), embed_dtype="float32")) == "torch"
    assert resolve_backend(auto(models(tmp_path / "c", usable=None), embed_dtype="float32")) == "torch"


def test_auto_keeps_torch_where_it_is_asked_to_run_bfloat16(tmp_path: Path) -> None:
    assert resolve_backend(auto(models(tmp_path, usable=True), embed_dtype="bfloat16")) == "torch"


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({"avx2", "avx512_bf16", "avx512_vnni", "amx_bf16"}, "torch"),
        ({"avx2", "avx512_bf16", "avx512_vnni"}, "onnx-int8"),
        ({"avx2"}, "onnx-int8"),
    ],
)
def test_auto_picks_what_embeds_fastest_on_this_cpu(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flags: set[str], expected: str
) -> None:
    """PyTorch bfloat16 only on CPUs with matrix units (AMX); with AVX-512 bfloat16 alone, the
    int8 model is faster (benchmarks/README.md)."""
    monkeypatch.setattr(cpu, "flags", lambda: frozenset(flags))
    assert resolve_backend(auto(models(tmp_path, usable=True))) == expected


def test_auto_keeps_torch_for_another_model_and_explicit_choices_win(tmp_path: Path) -> None:
    folder = models(tmp_path, usable=True)
    own_model = tmp_path / "own-model"
    own_model.mkdir()
    assert resolve_backend(auto(folder, embed_model=str(own_model))) == "torch"
    assert resolve_backend(Settings(models_dir=folder, embed_backend="torch")) == "torch"
    assert resolve_backend(Settings(models_dir=tmp_path / "none", embed_backend="onnx-int8")) == "onnx-int8"


def test_asking_for_a_missing_or_failed_onnx_model_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="run `rag model fetch` to build it"):
        load_embedder(Settings(models_dir=models(tmp_path / "a", usable=None), embed_backend="onnx-int8"))
    with pytest.raises(ModelError, match="agreed too little .* set RAG_EMBED_BACKEND=torch"):
        load_embedder(Settings(models_dir=models(tmp_path / "b", usable=False), embed_backend="onnx-int8"))
    with pytest.raises(ConfigError, match="runs the default model only"):
        load_embedder(
            Settings(models_dir=tmp_path / "a", embed_model=str(tmp_path), embed_backend="onnx-int8")
        )


def test_an_artefact_whose_hash_differs_from_its_record_is_rebuilt(tmp_path: Path) -> None:
    artefact = onnx_dir(models(tmp_path, usable=True))
    assert "missing tokenizer.json" in (verify_artefact(artefact) or "")
    for name in COPIED_FILES:
        (artefact / name).write_text("{}", encoding="utf-8")
    assert "recorded 0000" in (verify_artefact(artefact) or "")
    assert "missing or unreadable" in (verify_artefact(tmp_path / "elsewhere") or "")


def test_an_artefact_of_an_earlier_recipe_is_rebuilt(tmp_path: Path) -> None:
    """A record written before the recipe was recorded (signed weights, wrong on CPUs without VNNI)
    does not verify, so `rag model fetch` builds the artefact again."""
    artefact = onnx_dir(models(tmp_path, usable=True))
    for name in COPIED_FILES:
        (artefact / name).write_text("{}", encoding="utf-8")
    record = json.loads((artefact / RECORD_FILE).read_text("utf-8"))
    del record["recipe"]
    (artefact / RECORD_FILE).write_text(json.dumps(record), encoding="utf-8")
    assert f"recipe 1, now {RECIPE}" in (verify_artefact(artefact) or "")


def test_fetch_builds_the_artefact_once_for_this_kind_of_cpu(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []

    def build(model_dir: Path, models_dir: Path, weights: str) -> ArtefactRecord:
        artefact = onnx_dir(models_dir)
        artefact.mkdir(exist_ok=True)
        for name in (MODEL_FILE, *COPIED_FILES):
            (artefact / name).write_text("{}", encoding="utf-8")
        record = ArtefactRecord(
            file_sha256(artefact / MODEL_FILE), source_sha256(), 0.995, 0.98, 64, True, RECIPE, weights
        )
        (artefact / RECORD_FILE).write_text(record.to_json(), encoding="utf-8")
        built.append(weights)
        return record

    monkeypatch.setattr("rag.embedding.onnx_export.build_onnx_int8", build)
    monkeypatch.setattr(cpu, "flags", lambda: frozenset({"avx2"}))
    messages: list[str] = []
    folder = models(tmp_path, usable=None)
    assert ensure_onnx_int8(folder / MODEL_DIRNAME, folder, messages.append) == onnx_dir(folder)
    ensure_onnx_int8(folder / MODEL_DIRNAME, folder, messages.append)
    assert built == [UNSIGNED_WEIGHTS]
    assert messages[0] == "Building the int8 ONNX model (once, a few minutes)…"
    assert "mean cosine 0.9950 (min 0.9800)" in messages[1] and "usable" in messages[1]
    assert messages[2].endswith("is present and matches its recorded sha256")

    monkeypatch.setattr(cpu, "flags", lambda: frozenset({"avx512_vnni"}))
    ensure_onnx_int8(folder / MODEL_DIRNAME, folder, messages.append)  # the folder moved to a VNNI CPU
    assert built == [UNSIGNED_WEIGHTS, SIGNED_WEIGHTS]
    assert (
        messages[3].startswith("Rebuilding the int8 ONNX model")
        and f"built for {UNSIGNED_WEIGHTS}" in messages[3]
    )


def test_auto_keeps_the_backend_an_existing_index_was_built_with(tmp_path: Path) -> None:
    """Building the int8 model after the index must not lock the user out of it: the query has to
    come from the backend that embedded the passages."""
    folder = models(tmp_path, usable=True)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("De wijkraad vergadert elke maand in het buurthuis.", encoding="utf-8")
    settings = auto(folder, embed_dtype="float32").model_copy(
        update={"corpus_dir": corpus, "index_dir": tmp_path / "index"}
    )
    assert resolve_backend(settings) == "onnx-int8"  # no index yet: the faster backend
    update_index(settings, HashEmbedder())  # recorded as built with PyTorch
    assert resolve_backend(settings) == "torch"
