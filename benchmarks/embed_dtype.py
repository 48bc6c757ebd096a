"""float32 vs bfloat16 for the embedding model on this machine: speed, and whether rankings survive.

    .venv/bin/python benchmarks/embed_dtype.py [--data /work/shared] [--rounds 3] [--threads N]
                                               [--skip-faq]

Speed: 64 real Dutch chunks of ~1000 characters (the default chunk size; the start of documents
spread over `dutch-open-corpus`), timed in alternating passes so that other load on the machine
hits both dtypes alike; the best pass counts. Agreement: cosine between the float32 and bfloat16
vector of each chunk. Retrieval: `dutch-gov-faq` dev (94 queries, 735 passages), recall@1 and
MRR@10 per dtype, and how often both put the same passage first.

To see a CPU without bfloat16 instructions, limit the instruction sets PyTorch may use:
`ONEDNN_MAX_CPU_ISA=AVX512_CORE` (AVX-512 without BF16) or
`ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2`.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import torch

from rag.config import Settings
from rag.embedding import Embedder
from rag.model_fetch import resolve_model_path

CHUNK_CHARS = 1000
DTYPES = ("float32", "bfloat16")
HEADER_PREFIXES = ("#", "Onderwerp:", "Bron:", "Laatst gewijzigd:", "|")


def title_and_body(path: Path) -> tuple[str, str]:
    """A corpus file's title and its body paragraphs (without the source metadata lines)."""
    paragraphs = [p.strip() for p in path.read_text("utf-8").split("\n\n")]
    body = [p for p in paragraphs if p and not p.startswith(HEADER_PREFIXES)]
    return paragraphs[0].lstrip("# "), "\n\n".join(body)


def speed_chunks(data: Path, count: int) -> list[tuple[str, str]]:
    """The first ~1000 characters (cut at a space) of files spread evenly over the sorted corpus."""
    files = sorted((data / "dutch-open-corpus").glob("*__*.md"))
    documents = [doc for doc in map(title_and_body, files) if len(doc[1]) > CHUNK_CHARS]
    step = len(documents) / count
    picked = (documents[int(i * step)] for i in range(count))
    return [(title, body[:CHUNK_CHARS].rsplit(" ", 1)[0]) for title, body in picked]


def rate(embedder: Embedder, chunks: list[tuple[str, str]]) -> float:
    """Chunks per second of one timed pass (the caller keeps the best of several)."""
    start = time.perf_counter()
    embedder.encode_documents(chunks)
    return len(chunks) / (time.perf_counter() - start)


def faq_retrieval(embedder: Embedder, data: Path) -> tuple[list[str], float, float, float]:
    """Top-1 passage per query, recall@1, MRR@10, and encoding time of the passages."""
    faq = data / "dutch-gov-faq"
    passages = [json.loads(line) for line in (faq / "corpus.jsonl").open(encoding="utf-8")]
    queries = [json.loads(line) for line in (faq / "queries-dev.jsonl").open(encoding="utf-8")]
    relevant: dict[str, set[str]] = {}
    for line in (faq / "qrels-dev.tsv").read_text("utf-8").splitlines()[1:]:
        query_id, passage_id, _ = line.split("\t")
        relevant.setdefault(query_id, set()).add(passage_id)
    start = time.perf_counter()
    matrix = embedder.encode_documents([(p["title"], p["text"]) for p in passages])
    seconds = time.perf_counter() - start
    scores = embedder.encode_queries([q["text"] for q in queries]) @ matrix.T
    ids = [p["_id"] for p in passages]
    top1, hits, reciprocal = [], 0, 0.0
    for query, row in zip(queries, scores, strict=True):
        ranking = [ids[i] for i in np.argsort(-row)[:10]]
        top1.append(ranking[0])
        hits += ranking[0] in relevant[query["_id"]]
        rank = next((n for n, pid in enumerate(ranking, 1) if pid in relevant[query["_id"]]), None)
        reciprocal += 1 / rank if rank else 0.0
    return top1, hits / len(queries), reciprocal / len(queries), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared"))
    parser.add_argument("--chunks", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3, help="timed passes per dtype, best kept")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    parser.add_argument("--skip-faq", action="store_true")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    chunks = speed_chunks(args.data, args.chunks)
    path, batch_size = resolve_model_path(Settings()), Settings().embed_batch_size
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"CPU capability {torch.backends.cpu.get_cpu_capability()}, batch size {batch_size}, "
        f"load average {os.getloadavg()[0]:.1f}; {len(chunks)} chunks of "
        f"{np.mean([len(t) for _, t in chunks]):.0f} characters on average"
    )
    embedders = {dtype: Embedder(path, dtype, batch_size) for dtype in DTYPES}
    vectors = {dtype: e.encode_documents(chunks) for dtype, e in embedders.items()}  # + warm-up
    rates: dict[str, list[float]] = {dtype: [] for dtype in DTYPES}
    for _ in range(args.rounds):
        for dtype, embedder in embedders.items():
            rates[dtype].append(rate(embedder, chunks))
    for dtype in DTYPES:
        print(
            f"{dtype:9} {max(rates[dtype]):5.2f} chunks/s (best of {args.rounds}: "
            f"{', '.join(f'{r:.2f}' for r in rates[dtype])})"
        )
    cosine = np.sum(vectors["float32"] * vectors["bfloat16"], axis=1)
    print(f"cosine(float32, bfloat16) per chunk: mean {cosine.mean():.4f}, min {cosine.min():.4f}")
    if args.skip_faq:
        return
    top1 = {}
    for dtype, embedder in embedders.items():
        top1[dtype], recall, mrr, seconds = faq_retrieval(embedder, args.data)
        print(f"{dtype:9} FAQ dev: 735 passages in {seconds:5.1f} s, recall@1 {recall:.3f}, MRR@10 {mrr:.3f}")
    same = sum(a == b for a, b in zip(top1["float32"], top1["bfloat16"], strict=True))
    print(f"same top-1 passage for {same}/{len(top1['float32'])} FAQ queries")


if __name__ == "__main__":
    main()
