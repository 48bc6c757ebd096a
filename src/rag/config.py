"""All settings in one place: environment variables with the `RAG_` prefix, overridable by CLI flags.

Every field is documented in the README's configuration table; keep the two in step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from rag.errors import ConfigError

RetrievalMode = Literal["hybrid", "dense", "bm25"]
IndexType = Literal["auto", "flat", "hnsw"]
OcrMode = Literal["auto", "off"]
# Who writes the answer: a language model backend, the extractive answerer, or nobody (search only).
AnswererChoice = Literal["auto", "ollama", "llamacpp", "openai", "extractive", "none"]
# Who runs the embedding model: PyTorch, the int8 ONNX artefact `rag model fetch` builds, or a server
# with the OpenAI-compatible /v1/embeddings endpoint.
EmbedBackend = Literal["auto", "torch", "onnx-int8", "openai"]


class Settings(BaseSettings):
    """Runtime configuration. Relative paths are taken from the working directory."""

    model_config = SettingsConfigDict(
        env_prefix="RAG_", extra="ignore", validate_default=True, populate_by_name=True
    )

    # Where things live
    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("index")
    models_dir: Path = Path("models")
    # Larger files are skipped with a message: 20 MB of plain text is ~20,000 passages, hours of
    # embedding on a laptop CPU; PDFs this large are mostly images.
    max_file_mb: float = Field(20.0, gt=0)

    # Scans: PDF pages without a text layer and images are read with Tesseract (rag.ocr).
    ocr: OcrMode = "auto"  # "off": Tesseract never runs; images and PDFs without text are skipped
    ocr_languages: str = Field("nld+eng", pattern=r"^[a-z][a-z_]*(\+[a-z][a-z_]*)*$")  # Tesseract codes
    # One to three seconds per A4 page on 2 shared cores (benchmarks/README.md): 500 pages is 10-25
    # minutes. A larger scan is skipped with a message rather than stalling the build for hours.
    ocr_max_pages: int = Field(500, gt=0)

    # Embeddings
    embed_model: str = "google/embeddinggemma-300m"
    embed_dtype: Literal["auto", "float32", "bfloat16"] = "auto"
    embed_batch_size: int = Field(16, gt=0)
    # "auto": the int8 ONNX model when `rag model fetch` built it and its vectors agreed with the
    # float32 model (benchmarks/README.md), else PyTorch. The index records the backend.
    embed_backend: EmbedBackend = "auto"
    # "auto": PyTorch runs the model compiled for this CPU when `rag model fetch` built it (needs a
    # C++ compiler; same vectors, about twice as fast), else as it is. "off": never compiled.
    embed_compiled: Literal["auto", "off"] = "auto"
    # RAG_EMBED_BACKEND=openai: a server speaking the OpenAI embeddings API (vLLM, TEI, llama-server,
    # Ollama's /v1). URL and key default to the chat server's (RAG_OPENAI_*); the model has no default.
    embed_openai_base_url: str | None = None
    embed_openai_model: str | None = None
    embed_openai_api_key: SecretStr | None = None
    # Chunks per request; chosen with benchmarks/remote_embedding.py (benchmarks/README.md).
    embed_openai_batch_size: int = Field(32, gt=0)
    embed_openai_timeout: float = Field(120.0, gt=0)
    embed_openai_retries: int = Field(4, ge=0)  # retries of a failed request, after 1, 2, 4, 8 s
    # The server embeds text as given: a model trained with prompts needs them added here. None means
    # EmbeddingGemma's prompts when the model name contains "embeddinggemma", else no prompt.
    embed_query_prompt: str | None = None
    embed_document_prompt: str | None = None

    # Chunking (characters; ~1000 chars of Dutch is ~330 EmbeddingGemma tokens)
    chunk_size: int = Field(1000, ge=200)
    chunk_overlap: int = Field(150, ge=0)

    # Index and retrieval
    index_type: IndexType = "auto"
    hnsw_threshold: int = Field(200_000, gt=0)  # "auto" switches to HNSW above this many chunks
    retrieval_mode: RetrievalMode = "hybrid"
    top_k: int = Field(5, gt=0, le=100)
    candidates: int = Field(50, gt=0)  # depth of each retriever's list before fusion
    # Fusion of dense and BM25, tuned on eval/dev.jsonl and dutch-gov-faq (benchmarks/README.md):
    # EmbeddingGemma is much stronger than BM25 on both; weighted rank fusion lost to dense alone on
    # the dev set, min-max-scaled scores with a high dense weight are >= dense on both sets.
    dense_weight: float = Field(0.95, ge=0.0, le=1.0)
    fusion: Literal["rrf", "score"] = "score"  # weighted rank fusion, or of min-max-scaled scores
    # BM25 only re-orders dense's best this-many passages: recall@5 is never below dense alone's
    fusion_shortlist: int = Field(5, gt=0)
    # and only its own best this-many passages count: ≥ dense on every set (benchmarks/README.md)
    fusion_bm25_top: int = Field(3, gt=0)
    mmr_lambda: float = Field(1.0, ge=0.0, le=1.0)  # diversity: 1.0 = off, lower = more diverse

    # Answering (RAG_LLM is the older name of RAG_ANSWERER and still read)
    answerer: AnswererChoice = Field("auto", validation_alias=AliasChoices("RAG_ANSWERER", "RAG_LLM"))
    ollama_host: str = Field(
        "http://127.0.0.1:11434", validation_alias=AliasChoices("OLLAMA_HOST", "RAG_OLLAMA_HOST")
    )
    ollama_model: str = "gemma3:4b"
    ollama_timeout: float = Field(120.0, gt=0)
    ollama_keep_alive: str = "5m"
    # RAG_ANSWERER=openai: any server with the OpenAI-compatible /v1/chat/completions endpoint.
    # The key is read from the environment only and never shown (SecretStr hides it in messages).
    openai_base_url: str = "http://127.0.0.1:8080/v1"
    openai_model: str | None = None
    openai_api_key: SecretStr | None = None
    openai_timeout: float = Field(120.0, gt=0)
    llm_context_tokens: int = Field(8192, ge=1024)
    llm_max_answer_tokens: int = Field(512, gt=0)
    llm_temperature: float = Field(0.1, ge=0.0, le=2.0)
    llm_gguf: Path | None = None
    # Answerability (answerability.py): the estimated chance that the passages answer the question
    # decides between a confident answer, an answer labelled "check the sources", and a refusal.
    # Chosen on the tuning questions (benchmarks/README.md): refusals only for clearly off-topic
    # questions (<= 2 % of answerable ones), and as few unanswerable questions labelled confident as
    # possible while <= 25 % of answerable ones are labelled weak.
    confident_above: float = Field(0.505, ge=0.0, le=1.0)
    refuse_below: float = Field(0.19, ge=0.0, le=1.0)
    # Cosine similarity of the best passage below which a question is off-topic whatever else it
    # shows, when question and passage share a language ("Wat is een goed recept voor appeltaart?"
    # 0.27) and when they do not (English over Dutch runs ~0.1 lower). No answerable evaluation
    # question scored below 0.38 and 0.29 (EmbeddingGemma, benchmarks/README.md).
    off_topic_below: float = Field(0.3, ge=-1.0, le=1.0)
    off_topic_other_language_below: float = Field(0.2, ge=-1.0, le=1.0)

    # Interface
    ui_language: Literal["nl", "en"] = "nl"

    @model_validator(mode="after")
    def _refusals_below_confidence(self) -> Settings:
        if self.refuse_below > self.confident_above:
            raise ValueError(
                f"RAG_REFUSE_BELOW ({self.refuse_below}) must not be above "
                f"RAG_CONFIDENT_ABOVE ({self.confident_above})"
            )
        return self

    @model_validator(mode="after")
    def _overlap_below_size(self) -> Settings:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError(
                f"RAG_CHUNK_OVERLAP ({self.chunk_overlap}) must be smaller than "
                f"RAG_CHUNK_SIZE ({self.chunk_size})"
            )
        return self


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, with explicit (CLI) values taking precedence; None is ignored."""
    try:
        return Settings(**{key: value for key, value in overrides.items() if value is not None})
    except ValidationError as error:
        problems = "; ".join(
            f"RAG_{'_'.join(str(p) for p in e['loc']).upper() or 'SETTINGS'}: {e['msg']}"
            for e in error.errors()
        )
        raise ConfigError(f"Invalid setting: {problems}") from None
