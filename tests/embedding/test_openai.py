"""RAG_EMBED_BACKEND=openai against a real llama.cpp server's /v1/embeddings (SmolLM2, mean-pooled).

SmolLM2 is no embedding model: the vectors are poor, the mechanics real (batches, prompts, retries,
the manifest, `rag index` / `search` / `doctor` / `status`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from rag import store
from rag.cli import app
from rag.config import Settings
from rag.doctor import check_stored_index
from rag.embedding import load_embedder
from rag.embedding.openai import EMBEDDINGGEMMA_PROMPTS, OpenAIEmbedder, prompts
from rag.errors import ConfigError, EmbeddingError
from rag.indexing import update_index
from rag.openai_api import Server
from tests.llama_server import ALIAS, SMOLLM2, LlamaServer
from tests.network import free_port

pytestmark = pytest.mark.slow
runner = CliRunner()

DOCUMENTS = {
    "buurtbudget.txt": "Buurtbudget\n\nHet buurtbudget van Vathorst wordt elk jaar verdeeld door een "
    "commissie van zeven bewoners. Plannen kunnen tot 1 maart worden ingediend.",
    "inspraak.md": "# Inspraakavond\n\nOp de inspraakavond over de nieuwe brug spraken veertig "
    "inwoners met de wethouder over verkeer, geluid en de bouwtijd.",
    "jongeren.txt": "Jongerenraad\n\nDe jongerenraad adviseert de gemeenteraad over sport, onderwijs "
    "en uitgaan; jongeren van twaalf tot achttien jaar kunnen lid worden.",
}


def embedder(server: LlamaServer | str, key: str | None, **options: Any) -> OpenAIEmbedder:
    url = server if isinstance(server, str) else server.url
    options = {"batch_size": 16, "timeout": 30.0, "retries": 0} | options
    return OpenAIEmbedder(Server(url, ALIAS, SecretStr(key) if key else None, "RAG_EMBED_OPENAI"), **options)


@pytest.fixture
def remote_corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, llama_server: LlamaServer) -> Path:
    """A small corpus and an index configured for the remote backend, the way users set it."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in DOCUMENTS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    for name, value in {
        "CORPUS_DIR": str(corpus),
        "INDEX_DIR": str(tmp_path / "index"),
        "EMBED_BACKEND": "openai",
        "EMBED_OPENAI_BASE_URL": llama_server.url,
        "EMBED_OPENAI_MODEL": ALIAS,
        "EMBED_OPENAI_API_KEY": llama_server.api_key,
        "EMBED_OPENAI_RETRIES": "0",
    }.items():
        monkeypatch.setenv(f"RAG_{name}", value)
    return corpus


def test_rag_index_search_doctor_and_status_with_the_remote_backend(
    remote_corpus: Path, llama_server: LlamaServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = runner.invoke(app, ["index"])
    assert built.exit_code == 0, built.output
    assert "3 added" in built.output and "0 failed" in built.output

    manifest = store.read_manifest(remote_corpus.parent / "index")
    assert (manifest.backend, manifest.model, manifest.source) == ("openai", ALIAS, llama_server.url)
    assert manifest.dimension == 576  # SmolLM2's hidden size

    found = runner.invoke(app, ["search", "Wie verdeelt het buurtbudget van Vathorst?", "--json", "-k", "1"])
    assert found.exit_code == 0, found.output
    assert json.loads(found.output)[0]["doc"] == "buurtbudget.txt"

    doctor = runner.invoke(app, ["doctor"])
    assert doctor.exit_code == 0 and "The index is sound." in doctor.output, doctor.output
    status = runner.invoke(app, ["status"])
    assert f"Embedded:  by the server at {llama_server.url}" in status.output
    assert llama_server.api_key not in built.output + found.output + doctor.output + status.output

    monkeypatch.setenv("RAG_EMBED_OPENAI_MODEL", "nomic-embed-text")
    other = runner.invoke(app, ["search", "buurtbudget"])
    assert other.exit_code == 1
    assert f"built with {ALIAS}, settings ask for nomic-embed-text: run `rag index --rebuild`" in other.output


def test_dense_search_finds_a_passage_by_its_meaning_words(remote_corpus: Path) -> None:
    """Only the vectors rank here (dense mode): the server's vectors must carry the text."""
    assert runner.invoke(app, ["index"]).exit_code == 0

    result = runner.invoke(app, ["search", "jongerenraad gemeenteraad", "--mode", "dense", "--json"])

    assert json.loads(result.output)[0]["doc"] == "jongeren.txt", result.output


def test_prompts_are_added_before_the_text_reaches_the_server(llama_server: LlamaServer) -> None:
    query_prompt, document_prompt = EMBEDDINGGEMMA_PROMPTS
    prompted = embedder(
        llama_server, llama_server.api_key, query_prompt=query_prompt, document_prompt=document_prompt
    )
    plain = embedder(llama_server, llama_server.api_key)

    query = prompted.encode_queries(["burgerparticipatie"])[0]
    document = prompted.encode_documents([("Verslag", "burgerparticipatie")])[0]

    assert query @ plain.encode_queries([query_prompt + "burgerparticipatie"])[0] > 0.9999
    assert document @ plain.encode_queries(["title: Verslag | text: burgerparticipatie"])[0] > 0.9999
    assert query @ plain.encode_queries(["burgerparticipatie"])[0] < 0.99


def test_embeddinggemma_on_a_server_gets_its_prompts_unless_set() -> None:
    gemma = Settings(embed_backend="openai", embed_openai_model="google/embeddinggemma-300m")

    assert prompts(gemma) == EMBEDDINGGEMMA_PROMPTS
    assert prompts(gemma.model_copy(update={"embed_query_prompt": "query: "})) == (
        "query: ",
        EMBEDDINGGEMMA_PROMPTS[1],
    )
    assert prompts(Settings(embed_backend="openai", embed_openai_model="bge-m3")) == ("", "")


def test_batches_keep_the_order_of_the_texts(llama_server: LlamaServer) -> None:
    texts = [
        f"Bewonersavond nummer {n} over de {topic}"
        for n, topic in enumerate("brug school park plein".split())
    ]

    in_pairs = embedder(llama_server, llama_server.api_key, batch_size=2).encode_queries(texts)
    at_once = embedder(llama_server, llama_server.api_key, batch_size=16).encode_queries(texts)

    assert in_pairs.shape == (4, 576)
    assert np.allclose(in_pairs, at_once, atol=1e-4)
    assert np.allclose(np.linalg.norm(in_pairs, axis=1), 1.0, atol=1e-5)


def test_a_rejected_key_and_a_too_long_chunk_name_their_fix(llama_server: LlamaServer) -> None:
    with pytest.raises(EmbeddingError, match=r"rejected the API key \(401.*RAG_EMBED_OPENAI_API_KEY"):
        embedder(llama_server, "geheime-sleutel")
    long_chunk = [("Lang", "woord " * 3000)]  # over the server's 2048-token batch

    with pytest.raises(EmbeddingError, match=r"longer than the server .* too large.*RAG_CHUNK_SIZE"):
        embedder(llama_server, llama_server.api_key, retries=3).encode_documents(long_chunk)


def test_no_server_says_start_it_after_the_retries(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}/v1"
    settings = Settings(embed_backend="openai", embed_openai_base_url=dead, embed_openai_model=ALIAS)

    with pytest.raises(
        EmbeddingError, match=r"No OpenAI-compatible server answers at .*RAG_EMBED_OPENAI_BASE_URL"
    ):
        load_embedder(settings.model_copy(update={"embed_openai_retries": 0}))
    with pytest.raises(ConfigError, match=r"RAG_EMBED_OPENAI_MODEL is not set"):
        load_embedder(Settings(embed_backend="openai", embed_openai_base_url=dead))


def test_a_server_that_comes_up_during_the_retries_is_used(tmp_path: Path) -> None:
    """Connection refused at first (a server restarting): the retries wait for it."""
    assert SMOLLM2 is not None
    port = free_port()
    started: list[LlamaServer] = []
    thread = threading.Thread(target=lambda: started.append(LlamaServer(SMOLLM2, api_key="k", port=port)))
    thread.start()
    try:
        late = embedder(f"http://127.0.0.1:{port}/v1", "k", retries=5)  # waits up to 31 s
        assert late.dimension == 576
    finally:
        thread.join()
        for server in started:
            server.close()


def test_a_server_lost_mid_build_leaves_the_previous_index_live(
    tmp_path: Path, doomed_llama_server: LlamaServer
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "buurtbudget.txt").write_text(DOCUMENTS["buurtbudget.txt"], encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    remote = embedder(doomed_llama_server, doomed_llama_server.api_key)
    update_index(settings, remote)
    live = store.current_build_name(settings.index_dir)
    (corpus / "inspraak.md").write_text(DOCUMENTS["inspraak.md"], encoding="utf-8")

    def kill_when_embedding_starts(stage: str, done: int, total: int) -> None:
        if stage == "embedding" and done == 0:
            doomed_llama_server.kill()

    with pytest.raises(EmbeddingError, match=r"the previous index is unchanged and still in use"):
        update_index(settings, remote, progress=kill_when_embedding_starts)

    assert store.current_build_name(settings.index_dir) == live
    assert all(finding.ok for finding in check_stored_index(settings.index_dir))
    assert list(store.read_manifest(settings.index_dir).files) == ["buurtbudget.txt"]


class Scripted(BaseHTTPRequestHandler):
    """Replies from `server.replies` in turn: (status, headers, dimension of the vectors)."""

    def do_POST(self) -> None:
        texts = json.loads(self.rfile.read(int(self.headers["content-length"])))["input"]
        status, headers, dimension = self.server.replies.pop(0)  # type: ignore[attr-defined]
        if status == 200:
            data = [{"index": i, "embedding": [1.0] * dimension} for i in range(len(texts))]
            body = json.dumps({"object": "list", "data": data}).encode()
        else:
            body = json.dumps({"error": {"message": "busy", "code": status}}).encode()
        self.send_response(status)
        for name, value in {"content-type": "application/json", **headers}.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def scripted() -> Iterator[ThreadingHTTPServer]:
    """A stand-in for what the real server cannot be made to do: be overloaded (429, 503) or switch
    models between two requests."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _url(httpd: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{httpd.server_address[1]}/v1"


def test_busy_and_rate_limited_replies_are_retried(scripted: ThreadingHTTPServer) -> None:
    scripted.replies = [(503, {}, 0), (429, {"retry-after": "0"}, 0), (200, {}, 4)]  # type: ignore[attr-defined]

    assert embedder(_url(scripted), None, retries=2).dimension == 4

    scripted.replies = [(503, {}, 0), (503, {}, 0)]  # type: ignore[attr-defined]
    with pytest.raises(EmbeddingError, match=r"failed \(503: busy\) \(gave up after 2 attempts"):
        embedder(_url(scripted), None, retries=1)


def test_vectors_of_another_dimension_mid_build_stop_it(scripted: ThreadingHTTPServer) -> None:
    scripted.replies = [(200, {}, 4), (200, {}, 4), (200, {}, 3)]  # type: ignore[attr-defined]
    remote = embedder(_url(scripted), None, batch_size=2)

    with pytest.raises(EmbeddingError, match=r"returned 3-dimensional vectors, earlier ones had 4"):
        remote.encode_queries(["een", "twee", "drie"])
