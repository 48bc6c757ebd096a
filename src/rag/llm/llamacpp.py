"""Answers from a GGUF model run in this process by llama.cpp, through the optional `xllamacpp`.

This needs no server to install or start: the model file is the whole setup. xllamacpp embeds
llama.cpp's own server, whose chat endpoint applies the chat template stored in the GGUF.
"""

from __future__ import annotations

import queue
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx

from rag.config import Settings
from rag.errors import LLMError
from rag.types import Message

GGUF_MAGIC = b"GGUF"
_DONE = object()  # end of one generation in the queue between llama.cpp and `stream`


def _import_xllamacpp() -> ModuleType:
    try:
        import xllamacpp
    except ImportError:
        raise LLMError(
            "The llama.cpp backend needs the xllamacpp package: "
            "pip install 'participatie-assistent[llamacpp]'"
        ) from None
    return xllamacpp


def _check_gguf(gguf_path: str | Path | None) -> Path:
    """Fail early, naming the file and the setting, instead of llama.cpp's generic load error."""
    fix = "set RAG_LLM_GGUF to a .gguf model file"
    if gguf_path is None:
        raise LLMError(f"The llama.cpp backend needs a model file: {fix}")
    path = Path(gguf_path)
    if not path.is_file():
        raise LLMError(f"GGUF model file not found: {path} ({fix})")
    try:
        with path.open("rb") as file:
            magic = file.read(len(GGUF_MAGIC))
    except OSError as error:
        raise LLMError(f"Cannot read GGUF model file {path}: {error.strerror} ({fix})") from None
    if magic != GGUF_MAGIC:
        raise LLMError(f"{path} is not a GGUF model file ({fix})")
    return path


class LlamaCppLLM:
    """A local GGUF model; it loads on first use, so building one (e.g. for `auto`) is cheap."""

    name = "llamacpp"

    def __init__(
        self,
        gguf_path: str | Path | None,
        context_tokens: int,
        max_answer_tokens: int,
        temperature: float,
    ) -> None:
        self._xllamacpp = _import_xllamacpp()
        self.path = _check_gguf(gguf_path)
        self.model = self.path.name
        self.context_tokens = context_tokens
        self.max_answer_tokens = max_answer_tokens
        self.temperature = temperature
        # The embedded server also listens on 127.0.0.1 (we use it only to tokenize); a random key
        # keeps other local users from sending it prompts or reading ours.
        self._api_key = secrets.token_urlsafe(24)
        self._server: Any = None
        self._load_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> LlamaCppLLM:
        return cls(
            gguf_path=settings.llm_gguf,
            context_tokens=settings.llm_context_tokens,
            max_answer_tokens=settings.llm_max_answer_tokens,
            temperature=settings.llm_temperature,
        )

    def count_tokens(self, text: str) -> int:
        """Exact count with the model's own tokenizer (the embedded server's /tokenize)."""
        response = httpx.post(
            f"{self._loaded().listening_address}/tokenize",
            json={"content": text},
            headers={"Authorization": f"Bearer {self._api_key}"},
            timeout=60.0,
        )
        response.raise_for_status()
        return len(response.json()["tokens"])

    def stream(self, messages: list[Message]) -> Iterator[str]:
        """Yield pieces as llama.cpp generates them; stopping early stops the generation."""
        server = self._loaded()
        request = {
            "messages": messages,
            "stream": True,
            "max_tokens": self.max_answer_tokens,
            "temperature": self.temperature,
        }
        # llama.cpp calls back in the thread that asked and returns only when done, so it runs in
        # a thread of its own and hands each chunk over a queue.
        chunks: queue.SimpleQueue[Any] = queue.SimpleQueue()
        abandoned = threading.Event()

        def on_chunk(chunk: dict[str, Any]) -> bool:
            chunks.put(chunk)
            return abandoned.is_set()  # True makes llama.cpp stop generating

        def generate() -> None:
            try:
                server.handle_chat_completions(request, on_chunk)
            except Exception as error:  # noqa: BLE001 - handed to the consumer, which re-raises
                chunks.put(error)
            finally:
                chunks.put(_DONE)

        threading.Thread(target=generate, name="llamacpp-generate", daemon=True).start()
        pieces: list[str] = []
        try:
            while (chunk := chunks.get()) is not _DONE:
                piece = _content(chunk, pieces)
                if piece:
                    pieces.append(piece)
                    yield piece
        finally:
            abandoned.set()

    def _loaded(self) -> Any:
        """The llama.cpp server with the model loaded, once per instance (loading takes seconds)."""
        with self._load_lock:
            if self._server is None:
                self._server = self._load()
            return self._server

    def _load(self) -> Any:
        xllamacpp = self._xllamacpp
        params = xllamacpp.CommonParams()
        params.model.path = str(self.path)
        params.n_ctx = self.context_tokens
        params.n_parallel = 1  # one slot holds the whole context instead of a share of it
        params.n_predict = self.max_answer_tokens
        params.sampling.temp = self.temperature
        params.api_keys = [self._api_key]
        params.endpoint_slots = False
        params.verbosity = -1  # llama.cpp logs every load step and request to stderr otherwise
        try:
            return xllamacpp.Server(params)
        except RuntimeError as error:
            raise LLMError(
                f"llama.cpp could not load {self.path} ({error}): the file may be damaged or need "
                "a newer xllamacpp; check RAG_LLM_GGUF"
            ) from None


def _content(chunk: Any, pieces: list[str]) -> str:
    """The text in one OpenAI-style stream chunk; llama.cpp sends failures as `{"error": ...}`."""
    if isinstance(chunk, Exception):
        raise chunk
    if "error" in chunk:
        message = chunk["error"].get("message", chunk["error"])
        incomplete = "; the answer is incomplete" if pieces else ""
        raise LLMError(f"llama.cpp could not answer: {message}{incomplete}", "".join(pieces))
    choices = chunk.get("choices") or [{}]
    return choices[0].get("delta", {}).get("content") or ""
