"""What the chat and embedding backends share when they talk to an OpenAI-compatible server.

vLLM, llama.cpp's llama-server, Ollama (`/v1`), LM Studio, LocalAI and TEI all speak this API but
word their failures differently; this module turns the failures they have in common (no server,
a rejected key, an unknown model) into one message that names the setting to change. The key goes
only into the Authorization header: it is never part of a message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import httpx
from pydantic import SecretStr


@dataclass(frozen=True)
class Server:
    """One configured server, and the names of the settings a user changes to fix it."""

    base_url: str
    model: str | None
    api_key: SecretStr | None
    settings: str  # prefix of its settings: "RAG_OPENAI" or "RAG_EMBED_OPENAI"

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def headers(self) -> dict[str, str]:
        if self.api_key is None or not self.api_key.get_secret_value():
            return {}
        return {"Authorization": f"Bearer {self.api_key.get_secret_value()}"}

    def missing_model(self) -> str:
        return (
            f"{self.settings}_MODEL is not set: set it to the name the server at {self.base_url} "
            f"serves the model under (GET {self.url('/models')} lists them)"
        )

    def unreachable(self) -> str:
        return (
            f"No OpenAI-compatible server answers at {self.base_url}: start it (e.g. "
            f"`llama-server -m MODEL.gguf`, `vllm serve MODEL`, `ollama serve`) or set "
            f"{self.settings}_BASE_URL to its address, ending in /v1"
        )

    def failure(self, status: int, detail: str) -> str | None:
        """The message for a refusal every such server means the same by; None for the others."""
        if status in (401, 403):
            given = "rejected the API key" if self.headers() else "needs an API key"
            return (
                f"The server at {self.base_url} {given} ({status}: {detail}): set {self.settings}_API_KEY "
                "in the environment to a key it accepts"
            )
        if status == 404 and "model" in detail.lower():
            return (
                f"The server at {self.base_url} does not serve the model {self.model!r} ({detail}): set "
                f"{self.settings}_MODEL to one that GET {self.url('/models')} lists"
            )
        if status == 404:
            return (
                f"{self.base_url} has no OpenAI-compatible API ({status}: {detail}): "
                f"{self.settings}_BASE_URL usually ends in /v1"
            )
        return None


def error_detail(response: httpx.Response) -> str:
    """The server's own words: `{"error": {"message": ...}}` (OpenAI, vLLM, llama.cpp), `{"error":
    "..."}` (Ollama, TEI), `{"detail": ...}` (FastAPI servers), else the start of the body."""
    try:
        response.read()
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, httpx.HTTPError):
        return response.text[:300].strip() or response.reason_phrase
    if isinstance(body, dict):
        error = body.get("error", body.get("detail", body))
        if isinstance(error, dict):
            error = error.get("message", error)
        return str(error)[:300]
    return str(body)[:300]


def served_models(server: Server, timeout: float) -> list[str]:
    """The model names GET /models lists (raises httpx errors: the caller knows what they mean)."""
    response = httpx.get(server.url("/models"), headers=server.headers(), timeout=timeout)
    response.raise_for_status()
    names = []
    for entry in response.json().get("data", []):
        names.append(entry.get("id", ""))
        names.extend(entry.get("aliases", []))  # llama-server: the file path is the id, --alias an alias
    return names
