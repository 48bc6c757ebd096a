"""Remote embedding and generation through a local llama.cpp server vs local embedding.

    .venv/bin/python benchmarks/remote_embedding.py --gguf EMBEDDINGGEMMA.gguf
        [--chat-gguf SMOLLM2.gguf] [--chunks 96] [--batch-sizes 1,8,32]

`--gguf` is EmbeddingGemma-300M converted from the verified weights in `models/` with llama.cpp's
converter (inside the llama-cpp-python sdist, vendor/llama.cpp; needs `pip install gguf
sentencepiece`):

    python convert_hf_to_gguf.py models/embeddinggemma-300m --outtype f32 \\
        --sentence-transformers-dense-modules --outfile embeddinggemma-300m-f32.gguf

The server is the one in the xllamacpp wheel, on 127.0.0.1. The same chunks (the product's loader
and chunker, spread over the corpus) are embedded by the product's `OpenAIEmbedder` through the
server at each request batch size, and by the local PyTorch backend (the dtype `auto` picks here,
and float32 as the reference); agreement is the cosine to local float32 and the top-10 neighbour
overlap. With `--chat-gguf`, answers streamed by `OpenAILLM` give generation tokens/s (one SSE
event per token on llama.cpp). The machine's CPU flags are recorded with the figures.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import time
from pathlib import Path

import numpy as np
from _common import DATA, machine, settings, table, write_results
from embed_backends import corpus_chunks, neighbours, overlap

from rag.embedding import Embedder
from rag.embedding.openai import EMBEDDINGGEMMA_PROMPTS, OpenAIEmbedder
from rag.embedding.pytorch import SentenceTransformerEmbedder, choose_dtype
from rag.llm.openai import OpenAILLM
from rag.model_files import resolve_model_path
from rag.openai_api import Server

CONTEXT = 2048  # EmbeddingGemma's maximum input; every input must fit one physical batch
SLOTS = 4  # requests the server embeds side by side
HEADERS = ["embedding", "chunks/s", "mean cos to local float32", "min cos", "top-10 overlap"]


def start_server(gguf: Path, embedding: bool) -> object:
    """xllamacpp's llama.cpp server in this process; it serves until the process ends."""
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(gguf)
    params.model_alias = {gguf.stem}
    params.port = 0
    params.n_parallel = SLOTS if embedding else 1
    params.n_ctx = CONTEXT * params.n_parallel
    params.n_batch = params.n_ubatch = CONTEXT
    params.embedding = embedding
    params.verbosity = -1
    return xllamacpp.Server(params)


def timed(embedder: Embedder, chunks: list[tuple[str, str]]) -> tuple[np.ndarray, float]:
    embedder.encode_documents(chunks[:4])  # warm-up
    began = time.perf_counter()
    vectors = embedder.encode_documents(chunks)
    return vectors, len(chunks) / (time.perf_counter() - began)


def embedding_rows(args: argparse.Namespace) -> tuple[list[list[object]], dict[str, dict[str, float]]]:
    config = settings()
    chunks = corpus_chunks(args.corpus, args.chunks)
    server = start_server(args.gguf, embedding=True)
    url = f"{server.listening_address}/v1"  # type: ignore[attr-defined]
    local_dtype = choose_dtype("auto")
    path = resolve_model_path(config)
    runs: dict[str, Embedder] = {
        "local torch float32": SentenceTransformerEmbedder(path, "float32", config.embed_batch_size),
    }
    if local_dtype != "float32":
        runs[f"local torch {local_dtype} (`auto`)"] = SentenceTransformerEmbedder(
            path, local_dtype, config.embed_batch_size
        )
    query_prompt, document_prompt = EMBEDDINGGEMMA_PROMPTS
    for batch in args.batch_sizes:
        runs[f"server {args.gguf.name}, {batch} per request"] = OpenAIEmbedder(
            Server(url, args.gguf.stem, None, "RAG_EMBED_OPENAI"),
            batch_size=batch,
            timeout=600.0,
            retries=0,
            query_prompt=query_prompt,
            document_prompt=document_prompt,
        )
    print(f"{len(chunks)} chunks of {np.mean([len(t) for _, t in chunks]):.0f} characters on average")
    results: dict[str, dict[str, float]] = {}
    reference: np.ndarray | None = None
    rows = []
    for name, embedder in runs.items():
        vectors, rate = timed(embedder, chunks)
        reference = vectors if reference is None else reference
        cosines = np.sum(vectors * reference, axis=1)
        results[name] = {
            "chunks_per_s": rate,
            "mean_cosine": float(cosines.mean()),
            "min_cosine": float(cosines.min()),
            "top10_overlap": overlap(neighbours(vectors), neighbours(reference)),
        }
        rows.append([name, *results[name].values()])
        print(table(HEADERS, rows[-1:]), flush=True)
    return rows, results


def generation(gguf: Path, answers: int) -> dict[str, float]:
    server = start_server(gguf, embedding=False)
    llm = OpenAILLM(
        Server(f"{server.listening_address}/v1", gguf.stem, None, "RAG_OPENAI"),  # type: ignore[attr-defined]
        timeout=600.0,
        context_tokens=CONTEXT,
        max_answer_tokens=128,
        temperature=0.1,
    )
    question = [{"role": "user", "content": "Wat is burgerparticipatie? Leg het uitgebreid uit."}]
    rates, first = [], []
    for _ in range(answers + 1):  # the first answer warms up
        began = time.perf_counter()
        arrivals = [time.perf_counter() for _ in llm.stream(question)]
        first.append(arrivals[0] - began)
        rates.append((len(arrivals) - 1) / (arrivals[-1] - arrivals[0]))
    return {"tokens_per_s": float(np.median(rates[1:])), "first_token_s": float(np.median(first[1:]))}


def cpu_flags() -> str:
    """The vector instruction sets llama.cpp and PyTorch can use here (lscpu)."""
    out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    flags = next((line.split(":", 1)[1].split() for line in out.splitlines() if line.startswith("Flags")), [])
    return " ".join(sorted(f for f in flags if f.startswith(("avx", "amx", "fma", "f16c"))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gguf", type=Path, required=True, help="EmbeddingGemma-300M as GGUF")
    parser.add_argument("--chat-gguf", type=Path, help="a chat model GGUF for tokens/s (e.g. SmolLM2)")
    parser.add_argument("--corpus", type=Path, default=DATA / "dutch-open-corpus")
    parser.add_argument("--chunks", type=int, default=96)
    parser.add_argument(
        "--batch-sizes", type=lambda text: [int(b) for b in text.split(",")], default=[1, 8, 32]
    )
    parser.add_argument("--answers", type=int, default=3)
    args = parser.parse_args()
    flags = cpu_flags()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; CPU flags: {flags}")
    chat = generation(args.chat_gguf, args.answers) if args.chat_gguf else None
    if chat:
        print(f"generation through the server ({args.chat_gguf.name}): {chat}", flush=True)
    rows, results = embedding_rows(args)
    print(table(HEADERS, rows))
    write_results(
        "remote_embedding",
        {
            "machine": machine() | {"cpu_flags": flags},
            "corpus": str(args.corpus),
            "chunks": args.chunks,
            "gguf": args.gguf.name,
            "embedding": results,
            "generation": chat,
        },
    )


if __name__ == "__main__":
    main()
