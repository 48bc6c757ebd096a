"""Answers from any server with the OpenAI-compatible chat API: vLLM, llama-server, Ollama's /v1,
LM Studio, LocalAI, or a shared GPU box.

The answer streams as server-sent events. Every failure becomes an `LLMError` that names the
setting to change and keeps the text streamed so far; an answer the server stops sending before
its end (a crash, a restart, a cut connection) is kept and marked incomplete.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx

from rag.config import Settings
from rag.errors import LLMError
from rag.llm.base import PROBE_TIMEOUT, estimate_tokens
from rag.openai_api import Server, error_detail, served_models
from rag.types import Message


class OpenAILLM:
    """A chat model behind `RAG_OPENAI_BASE_URL`; `is_available` tells the chat whether it answers."""

    name = "openai"

    def __init__(
        self,
        server: Server,
        timeout: float,
        context_tokens: int,
        max_answer_tokens: int,
        temperature: float,
    ) -> None:
        self.server = server
        self.model = server.model or ""
        self.timeout = timeout
        self.context_tokens = context_tokens
        self.max_answer_tokens = max_answer_tokens
        self.temperature = temperature

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAILLM:
        return cls(
            Server(settings.openai_base_url, settings.openai_model, settings.openai_api_key, "RAG_OPENAI"),
            timeout=settings.openai_timeout,
            context_tokens=settings.llm_context_tokens,
            max_answer_tokens=settings.llm_max_answer_tokens,
            temperature=settings.llm_temperature,
        )

    def count_tokens(self, text: str) -> int:
        """An estimate: the OpenAI API has no tokenize endpoint. It overcounts, so the prompt fits."""
        return estimate_tokens(text)

    def is_available(self) -> bool:
        """Whether the server answers (with this key) and lists the model, asked with a short timeout."""
        if not self.model:
            return False
        try:
            return self.model in served_models(self.server, PROBE_TIMEOUT)
        except (httpx.HTTPError, ValueError):
            return False

    def stream(self, messages: list[Message]) -> Iterator[str]:
        """Yield the answer as the server generates it; failures keep the pieces already yielded.

        The timeout applies to each read, so a slow but steady answer is never cut off: it fires
        only when the server stays silent that long (model load, a long prompt, a hang).
        """
        if not self.model:
            raise LLMError(self.server.missing_model())
        body = {
            "model": self.model,
            "messages": messages,
            "stream": True,
            "max_tokens": self.max_answer_tokens,
            "temperature": self.temperature,
        }
        pieces: list[str] = []
        try:
            with httpx.stream(
                "POST",
                self.server.url("/chat/completions"),
                json=body,
                headers=self.server.headers(),
                timeout=self.timeout,
            ) as response:
                if response.status_code != 200:
                    raise LLMError(self._refusal(response.status_code, error_detail(response)))
                finished = False
                for event in _events(response):
                    if event is None:
                        finished = True
                        break
                    piece, done = self._piece(event, pieces)
                    finished = finished or done
                    if piece:
                        pieces.append(piece)
                        yield piece
        except httpx.HTTPError as error:
            raise self._lost(error, "".join(pieces)) from error
        if not finished:
            raise LLMError(
                f"The server at {self.server.base_url} ended the answer before it was finished; "
                "the answer is incomplete",
                "".join(pieces),
            )

    def _piece(self, event: dict[str, Any], pieces: list[str]) -> tuple[str, bool]:
        """The text of one stream chunk, and whether it is the last one."""
        if "error" in event:  # llama.cpp and vLLM report failures mid-stream as an event
            error = event["error"]
            message = error.get("message", error) if isinstance(error, dict) else error
            incomplete = "; the answer is incomplete" if pieces else ""
            raise LLMError(f"The server reported an error: {message}{incomplete}", "".join(pieces))
        choices = event.get("choices") or [{}]
        delta = choices[0].get("delta") or {}
        return delta.get("content") or "", choices[0].get("finish_reason") is not None

    def _refusal(self, status: int, detail: str) -> str:
        """The message for a request the server refused before answering."""
        if status == 400 and "context" in detail.lower():
            return (
                f"The prompt does not fit in the model's context at {self.server.base_url} ({detail}): "
                f"set RAG_LLM_CONTEXT_TOKENS (now {self.context_tokens}) to the server's context size "
                "or less, so fewer passages are sent, or start the server with a larger context"
            )
        common = self.server.failure(status, detail)
        return common or f"The server at {self.server.base_url} refused the question ({status}: {detail})"

    def _lost(self, error: httpx.HTTPError, partial: str) -> LLMError:
        incomplete = "; the answer is incomplete" if partial else ""
        if isinstance(error, httpx.ConnectError):
            message = self.server.unreachable()
        elif isinstance(error, httpx.TimeoutException):
            message = (
                f"The server at {self.server.base_url} gave no reply within {self.timeout:g} s "
                "(RAG_OPENAI_TIMEOUT)"
            )
        else:
            message = f"Lost the connection to the server at {self.server.base_url} ({error})"
        return LLMError(message + incomplete, partial)


def _events(response: httpx.Response) -> Iterator[dict[str, Any] | None]:
    """The JSON events of a server-sent event stream; None for the closing `[DONE]`.

    llama-server sends a failure as an `error:` field rather than `data:`; both are events here.
    """
    for line in response.iter_lines():
        field, _, value = line.partition(":")
        value = value.strip()
        if field not in ("data", "error") or not value:
            continue  # blank separators, `: ping` comments, `event:` names
        if value == "[DONE]":
            yield None
            return
        try:
            event = json.loads(value)
        except json.JSONDecodeError:
            event = {"error": value}
        yield event if field == "data" or "error" in event else {"error": event}
