"""Answers from a local Ollama server through the official `ollama` client.

Every failure becomes an `LLMError` whose message says what to do (start the server, pull the
model, raise the timeout) and which keeps the text streamed so far, so the caller can still show it.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import ollama

from rag.config import Settings
from rag.errors import LLMError
from rag.llm.base import PROBE_TIMEOUT, estimate_tokens
from rag.types import Message


class OllamaLLM:
    """A model served by Ollama; `is_available` tells `auto` whether it can answer."""

    name = "ollama"

    def __init__(
        self,
        host: str,
        model: str,
        timeout: float,
        keep_alive: str,
        context_tokens: int,
        max_answer_tokens: int,
        temperature: float,
    ) -> None:
        self.host = host
        self.model = model
        self.timeout = timeout
        self.keep_alive = keep_alive
        self.context_tokens = context_tokens
        self.max_answer_tokens = max_answer_tokens
        self.temperature = temperature

    @classmethod
    def from_settings(cls, settings: Settings) -> OllamaLLM:
        return cls(
            host=settings.ollama_host,
            model=settings.ollama_model,
            timeout=settings.ollama_timeout,
            keep_alive=settings.ollama_keep_alive,
            context_tokens=settings.llm_context_tokens,
            max_answer_tokens=settings.llm_max_answer_tokens,
            temperature=settings.llm_temperature,
        )

    def count_tokens(self, text: str) -> int:
        """An estimate: Ollama's documented API has no tokenize endpoint.

        It must not undercount, because Ollama silently drops what does not fit in `num_ctx`.
        """
        return estimate_tokens(text)

    def is_available(self) -> bool:
        """Whether the server answers and has the model pulled, asked with a short timeout."""
        try:
            with self._connect(PROBE_TIMEOUT) as probe:
                self._check(probe)
        except LLMError:
            return False
        return True

    def stream(self, messages: list[Message]) -> Iterator[str]:
        """Yield the answer as Ollama generates it; failures keep the pieces already yielded."""
        pieces: list[str] = []
        try:
            with self._connect(self.timeout) as client:
                for chunk in client.chat(
                    model=self.model,
                    messages=messages,
                    stream=True,
                    options={
                        "num_ctx": self.context_tokens,
                        "num_predict": self.max_answer_tokens,
                        "temperature": self.temperature,
                    },
                    keep_alive=self.keep_alive,
                ):
                    piece = chunk.message.content
                    if piece:
                        pieces.append(piece)
                        yield piece
        except (ConnectionError, ollama.ResponseError, httpx.HTTPError) as error:
            raise self._error(error, "".join(pieces)) from error

    def _connect(self, timeout: float) -> ollama.Client:
        """A client per request: nothing stays open between questions, and closing an answer
        early closes its connection, which makes Ollama stop generating.

        httpx applies the timeout to each read, so a slow but steady answer is never cut off: it
        fires only when Ollama stays silent that long (model load, prompt evaluation, a hang).
        """
        return ollama.Client(host=self.host, timeout=timeout)

    def _check(self, client: ollama.Client) -> None:
        # `show` resolves the name the way chat does ("gemma3" means "gemma3:latest"), so a model
        # it finds is one chat will find; a dead server fails the same request.
        try:
            client.show(self.model)
        except (ConnectionError, ollama.ResponseError, httpx.HTTPError) as error:
            raise self._error(error) from error

    def _error(self, error: Exception, partial: str = "") -> LLMError:
        """Translate a client exception into a message that names the fix."""
        incomplete = "; the answer is incomplete" if partial else ""
        # The client raises the built-in ConnectionError for plain requests but lets httpx's
        # ConnectError through when streaming.
        if isinstance(error, (ConnectionError, httpx.ConnectError)):
            message = (
                f"Ollama is not reachable at {self.host}: start it with `ollama serve` "
                "(or point RAG_OLLAMA_HOST at a running server)"
            )
        elif isinstance(error, ollama.ResponseError) and error.status_code == 404:
            message = (
                f"Ollama model {self.model} is not pulled: run `ollama pull {self.model}` "
                "(or choose another with RAG_OLLAMA_MODEL)"
            )
        elif isinstance(error, httpx.TimeoutException):
            message = f"Ollama gave no reply within {self.timeout:g} s (RAG_OLLAMA_TIMEOUT)"
        elif isinstance(error, ollama.ResponseError):
            # Also a `{"error": ...}` line mid-stream, which the client raises with status -1.
            message = f"Ollama reported an error: {error.error}"
        else:
            message = f"Lost the connection to Ollama at {self.host}: {error}"
        return LLMError(message + incomplete, partial)
