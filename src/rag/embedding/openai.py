"""Embeddings from a server with the OpenAI-compatible /v1/embeddings endpoint (vLLM, TEI,
llama-server, Ollama's /v1): for teams whose GPU box embeds faster than a laptop.

Chunks go in batches of `batch_size` per request. A request that fails for a reason that passes
(no connection, 429, a 5xx other than "input too large") is retried with back-off, so a server
restart does not cost a long build; anything else stops at once with the fix. The server embeds
text exactly as sent, so the model's query and document prompts are added here.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import httpx
import numpy as np

from rag.config import Settings
from rag.embedding.base import unit_rows, with_document_prompt
from rag.errors import ConfigError, EmbeddingError
from rag.openai_api import Server, error_detail

BACKEND = "openai"
# EmbeddingGemma's prompts (its config_sentence_transformers.json); a server does not add them.
EMBEDDINGGEMMA_PROMPTS = ("task: search result | query: ", "title: none | text: ")
FIRST_RETRY_DELAY = 1.0  # seconds; doubled for each further retry
MAX_RETRY_AFTER = 60.0  # a server's Retry-After longer than this is not waited for in full
SERVER_BUSY = (500, 502, 503, 504)


def server(settings: Settings) -> Server:
    """The embedding server; its URL and key default to the chat server's."""
    return Server(
        settings.embed_openai_base_url or settings.openai_base_url,
        settings.embed_openai_model,
        settings.embed_openai_api_key or settings.openai_api_key,
        "RAG_EMBED_OPENAI",
    )


def model_name(settings: Settings) -> str:
    """The model name the index records for RAG_EMBED_BACKEND=openai."""
    if not settings.embed_openai_model:
        raise ConfigError(server(settings).missing_model())
    return settings.embed_openai_model


def prompts(settings: Settings) -> tuple[str, str]:
    """(query prompt, document prompt): the settings', else EmbeddingGemma's for that model."""
    known = EMBEDDINGGEMMA_PROMPTS if "embeddinggemma" in model_name(settings).lower() else ("", "")
    query, document = settings.embed_query_prompt, settings.embed_document_prompt
    return (known[0] if query is None else query, known[1] if document is None else document)


class OpenAIEmbedder:
    """A model on an embedding server; one request at construction learns its dimension."""

    backend = BACKEND

    def __init__(
        self,
        server: Server,
        *,
        batch_size: int,
        timeout: float,
        retries: int,
        query_prompt: str = "",
        document_prompt: str = "",
    ) -> None:
        if batch_size <= 0:
            raise ValueError(f"batch_size must be greater than 0, got {batch_size}")
        self.server = server
        self.model_id = server.model or ""
        self.source = server.base_url
        self.batch_size = batch_size
        self.timeout = timeout
        self.retries = retries
        self.query_prompt = query_prompt
        self.document_prompt = document_prompt
        self.dimension = 0  # learnt from the first reply; every later reply must match it
        self.dimension = self._request(["dimension"]).shape[1]

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAIEmbedder:
        query_prompt, document_prompt = prompts(settings)
        return cls(
            server(settings),
            batch_size=settings.embed_openai_batch_size,
            timeout=settings.embed_openai_timeout,
            retries=settings.embed_openai_retries,
            query_prompt=query_prompt,
            document_prompt=document_prompt,
        )

    def encode_documents(self, items: Sequence[tuple[str, str]]) -> np.ndarray:
        prompt = self.document_prompt
        return self._encode([with_document_prompt(prompt, title, text) for title, text in items])

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([self.query_prompt + text for text in texts])

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        batches = range(0, len(texts), self.batch_size)
        return np.vstack([self._request(texts[i : i + self.batch_size]) for i in batches])

    def _request(self, texts: list[str]) -> np.ndarray:
        """One batch, retried while the failure is one that passes."""
        if not self.model_id:
            raise ConfigError(self.server.missing_model())
        failure = ""
        delay = FIRST_RETRY_DELAY
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(delay)
                delay *= 2
            try:
                response = httpx.post(
                    self.server.url("/embeddings"),
                    json={"model": self.model_id, "input": texts},
                    headers=self.server.headers(),
                    timeout=self.timeout,
                )
            except httpx.ConnectError:
                failure = self.server.unreachable()
                continue
            except (httpx.TimeoutException, httpx.RemoteProtocolError, httpx.ReadError) as error:
                reason = str(error) or type(error).__name__
                failure = f"The server at {self.server.base_url} did not reply ({reason})"
                continue
            if response.status_code == 200:
                return self._vectors(response, len(texts))
            detail = error_detail(response)
            if not _transient(response.status_code, detail):
                raise EmbeddingError(self._refusal(response.status_code, detail))
            failure = f"The server at {self.server.base_url} failed ({response.status_code}: {detail})"
            delay = max(delay, _retry_after(response))
        tries = f"{self.retries + 1} attempt{'s' if self.retries else ''}"
        raise EmbeddingError(f"{failure} (gave up after {tries}; RAG_EMBED_OPENAI_RETRIES)")

    def _vectors(self, response: httpx.Response, expected: int) -> np.ndarray:
        rows = sorted(response.json()["data"], key=lambda row: row["index"])
        vectors = np.asarray([row["embedding"] for row in rows], dtype=np.float32)
        if vectors.ndim != 2 or len(vectors) != expected:
            raise EmbeddingError(
                f"The server at {self.server.base_url} returned {len(rows)} vectors for {expected} texts: "
                "is RAG_EMBED_OPENAI_BASE_URL an OpenAI-compatible embedding server?"
            )
        if self.dimension and vectors.shape[1] != self.dimension:
            raise EmbeddingError(
                f"The server at {self.server.base_url} returned {vectors.shape[1]}-dimensional vectors, "
                f"earlier ones had {self.dimension}: the model behind {self.model_id!r} changed while "
                "embedding. Run `rag index --rebuild` once the server serves one model."
            )
        return unit_rows(vectors)

    def _refusal(self, status: int, detail: str) -> str:
        if _too_long(detail):
            return (
                f"A chunk is longer than the server at {self.server.base_url} embeds at once ({detail}): "
                "give the server a larger batch (llama-server --batch-size 2048 --ubatch-size 2048) "
                "or lower RAG_CHUNK_SIZE"
            )
        common = self.server.failure(status, detail)
        return common or f"The server at {self.server.base_url} refused to embed ({status}: {detail})"


def _too_long(detail: str) -> bool:
    detail = detail.lower()
    return any(words in detail for words in ("too large", "too long", "context", "maximum"))


def _transient(status: int, detail: str) -> bool:
    """Rate limits and server errors pass; llama-server reports a too long input as a 500 too."""
    return status == 429 or (status in SERVER_BUSY and not _too_long(detail))


def _retry_after(response: httpx.Response) -> float:
    """The wait a 429 or 503 asks for, in seconds (0 when it names none or a date)."""
    try:
        return min(float(response.headers.get("retry-after", 0)), MAX_RETRY_AFTER)
    except ValueError:
        return 0.0
