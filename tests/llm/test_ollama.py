"""OllamaLLM with the official client against a stand-in server that speaks Ollama's API."""

from __future__ import annotations

import httpx
import ollama
import pytest

from rag.errors import LLMError
from rag.llm.ollama import OllamaLLM
from tests.network import free_port
from tests.ollama_server import FakeOllama

pytestmark = pytest.mark.unit

MESSAGES = [
    {"role": "system", "content": "Antwoord alleen uit de bronnen."},
    {"role": "user", "content": "Wat doet het talentprogramma?"},
]


def make_llm(host: str, model: str = "gemma3:4b", timeout: float = 10.0) -> OllamaLLM:
    return OllamaLLM(
        host=host,
        model=model,
        timeout=timeout,
        keep_alive="7m",
        context_tokens=4096,
        max_answer_tokens=300,
        temperature=0.2,
    )


@pytest.fixture
def dead_host() -> str:
    """An address where nothing listens: the port was free a moment ago."""
    return f"http://127.0.0.1:{free_port()}"


def test_stream_yields_pieces_in_order_and_sends_options(fake_ollama: FakeOllama) -> None:
    llm = make_llm(fake_ollama.url)

    assert list(llm.stream(MESSAGES)) == ["Burgers ", "denken ", "mee", "."]

    [request] = fake_ollama.chat_requests()
    assert request["model"] == "gemma3:4b"
    assert request["messages"] == MESSAGES
    assert request["stream"] is True
    assert request["options"] == {"num_ctx": 4096, "num_predict": 300, "temperature": 0.2}
    assert request["keep_alive"] == "7m"


def test_exposes_budget_and_conservative_token_count(fake_ollama: FakeOllama) -> None:
    llm = make_llm(fake_ollama.url)
    text = "Burgerparticipatie in de gemeente " * 10

    assert (llm.name, llm.model, llm.context_tokens) == ("ollama", "gemma3:4b", 4096)
    assert llm.count_tokens(text) >= len(text) / 3


def test_available_when_the_model_is_pulled_also_by_its_latest_tag(fake_ollama: FakeOllama) -> None:
    fake_ollama.models = ["gemma3:4b", "llama3.2:latest"]

    assert make_llm(fake_ollama.url).is_available()
    assert make_llm(fake_ollama.url, model="llama3.2").is_available()

    assert fake_ollama.requests[-1].path == "/api/show"


def test_model_not_pulled(fake_ollama: FakeOllama) -> None:
    llm = make_llm(fake_ollama.url, model="mistral:7b")

    assert not llm.is_available()
    with pytest.raises(LLMError, match=r"`ollama pull mistral:7b`") as error:
        list(llm.stream(MESSAGES))
    assert error.value.partial == ""


def test_server_not_running(dead_host: str) -> None:
    llm = make_llm(dead_host)

    assert not llm.is_available()
    with pytest.raises(LLMError, match=r"not reachable at .*`ollama serve`") as error:
        list(llm.stream(MESSAGES))
    assert error.value.partial == ""


def test_slow_reply_times_out_and_keeps_the_partial_answer(fake_ollama: FakeOllama) -> None:
    fake_ollama.piece_delay = 5.0
    llm = make_llm(fake_ollama.url, timeout=0.5)
    received = []

    with pytest.raises(LLMError, match=r"no reply within 0.5 s.*incomplete") as error:
        for piece in llm.stream(MESSAGES):
            received.append(piece)

    assert received == ["Burgers "]
    assert error.value.partial == "Burgers "


def test_no_first_piece_in_time(fake_ollama: FakeOllama) -> None:
    fake_ollama.first_delay = 5.0

    with pytest.raises(LLMError, match=r"no reply within 0.5 s") as error:
        list(make_llm(fake_ollama.url, timeout=0.5).stream(MESSAGES))
    assert error.value.partial == ""


def test_error_line_mid_stream_keeps_the_partial_answer(fake_ollama: FakeOllama) -> None:
    fake_ollama.error_after = 2

    with pytest.raises(LLMError, match=r"Ollama reported an error: llama runner .*incomplete") as e:
        list(make_llm(fake_ollama.url).stream(MESSAGES))
    assert e.value.partial == "Burgers denken "


def test_fake_speaks_the_documented_wire_format(fake_ollama: FakeOllama) -> None:
    """The stand-in must match Ollama where the client is sensitive to it."""
    body = {"model": "gemma3:4b", "messages": MESSAGES}
    with httpx.stream("POST", f"{fake_ollama.url}/api/chat", json=body) as response:
        assert response.headers["content-type"] == "application/x-ndjson"
        assert response.headers["transfer-encoding"] == "chunked"
        lines = list(response.iter_lines())
    assert len(lines) == 5 and lines[-1].startswith('{"model": "gemma3:4b"')

    with ollama.Client(host=fake_ollama.url) as client:
        whole = client.chat(model="gemma3:4b", messages=MESSAGES, stream=False)
        assert whole.message.content == "Burgers denken mee."
        assert (whole.done, whole.done_reason) == (True, "stop")
        assert [m.model for m in client.list().models] == ["gemma3:4b"]
