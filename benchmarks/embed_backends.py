"""Embedding backends on real chunks: torch float32, torch bfloat16, torch compiled, the int8 ONNX model.

    .venv/bin/python benchmarks/embed_backends.py [--corpus /work/shared/dutch-open-corpus]
                                                  [--chunks 1024] [--slice 64] [--no-bfloat16]

The corpus is read and chunked as the product does it (`load_document`, `chunk_document` with the
default settings); `--chunks` of them, spread evenly over the corpus, are encoded as documents by
each backend. Speed: the chunks are cut into slices and every slice is encoded by each backend in
turn, so that other load on the machine hits all backends alike; chunks/s is the total over all
slices. The table and JSON are rewritten after every slice (the chunks are shuffled, so a run
stopped early has figures for a sample of the whole corpus). Agreement with torch float32: the
cosine of each chunk's two vectors, and how many of each chunk's 10 nearest other chunks are the
same (top-10 neighbour overlap). The int8 ONNX model must have been built (`rag model fetch`); the
compiled PyTorch model (`torch … compiled`) is timed when fetch built one for this machine.
`--no-bfloat16` leaves PyTorch bfloat16 out: on a CPU without bfloat16 instructions it is emulated,
slower than float32, and never chosen by `auto`.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
from _common import DATA, machine, settings, table, write_results

from rag.chunking import chunk_document
from rag.embedding import Embedder
from rag.embedding.compiled import load_compiled
from rag.embedding.onnx import OnnxEmbedder
from rag.embedding.onnx_artefact import onnx_dir, read_record
from rag.embedding.pytorch import SentenceTransformerEmbedder, choose_dtype
from rag.errors import DocumentError
from rag.loaders import discover, load_document
from rag.model_files import resolve_model_path

NEIGHBOURS = 10


def corpus_chunks(corpus: Path, count: int) -> list[tuple[str, str]]:
    """(title, text) of `count` chunks spread evenly over the corpus's chunks, in a shuffled order."""
    config = settings()
    chunks = []
    for path in discover(corpus):
        try:
            document = load_document(path, corpus)
        except DocumentError:  # empty files: the product skips them too
            continue
        chunks += [
            (c.title, c.text) for c in chunk_document(document, config.chunk_size, config.chunk_overlap)
        ]
    if len(chunks) < count:
        raise SystemExit(f"{corpus} has {len(chunks)} chunks, fewer than --chunks {count}")
    step = len(chunks) / count
    picked = [chunks[int(i * step)] for i in range(count)]
    order = np.random.default_rng(0).permutation(count)  # any prefix is a sample of the whole corpus
    return [picked[i] for i in order]


def neighbours(vectors: np.ndarray) -> np.ndarray:
    """Each row's NEIGHBOURS nearest other rows, by inner product."""
    scores = vectors @ vectors.T
    np.fill_diagonal(scores, -np.inf)
    return np.argsort(-scores, axis=1)[:, :NEIGHBOURS]


def overlap(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean([len(set(x) & set(y)) / NEIGHBOURS for x, y in zip(a, b, strict=True)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DATA / "dutch-open-corpus")
    parser.add_argument("--chunks", type=int, default=1024)
    parser.add_argument("--slice", type=int, default=64, help="chunks per alternating timed slice")
    parser.add_argument("--no-bfloat16", action="store_true", help="leave out torch bfloat16")
    args = parser.parse_args()
    config = settings()
    chunks = corpus_chunks(args.corpus, args.chunks)
    path, batch = resolve_model_path(config), config.embed_batch_size
    embedders: dict[str, Embedder] = {"torch float32": SentenceTransformerEmbedder(path, "float32", batch)}
    if not args.no_bfloat16:
        embedders["torch bfloat16"] = SentenceTransformerEmbedder(path, "bfloat16", batch)
    dtype = choose_dtype(config.embed_dtype)
    compiled = load_compiled(config.models_dir, dtype, model_id=config.embed_model, batch_size=batch)
    if compiled is not None:
        embedders[f"torch {dtype} compiled"] = compiled
    embedders["onnx-int8"] = OnnxEmbedder(onnx_dir(config.models_dir), model_id=config.embed_model)
    print(
        f"{len(chunks)} chunks of {np.mean([len(t) for _, t in chunks]):.0f} characters on average, "
        f"batch size {batch}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    for embedder in embedders.values():
        embedder.encode_documents(chunks[:batch])  # warm-up
    seconds = dict.fromkeys(embedders, 0.0)
    parts: dict[str, list[np.ndarray]] = {name: [] for name in embedders}
    for start in range(0, len(chunks), args.slice):
        for name, embedder in embedders.items():
            began = time.perf_counter()
            parts[name].append(embedder.encode_documents(chunks[start : start + args.slice]))
            seconds[name] += time.perf_counter() - began
        # figures so far after every slice: a long run stopped early still leaves its results
        report({name: np.concatenate(rows) for name, rows in parts.items()}, seconds, args.corpus, batch)


def report(vectors: dict[str, np.ndarray], seconds: dict[str, float], corpus: Path, batch: int) -> None:
    """Print the table and write the JSON for the chunks encoded so far."""
    reference = vectors["torch float32"]
    reference_neighbours = neighbours(reference)
    results = {}
    for name, matrix in vectors.items():
        cosines = np.sum(matrix * reference, axis=1)
        results[name] = {
            "chunks_per_s": len(matrix) / seconds[name],
            "seconds": seconds[name],
            "mean_cosine": float(cosines.mean()),
            "min_cosine": float(cosines.min()),
            "top10_overlap": overlap(neighbours(matrix), reference_neighbours),
        }
    base = results["torch float32"]["chunks_per_s"]
    rows = [
        [
            name,
            r["chunks_per_s"],
            r["chunks_per_s"] / base,
            r["mean_cosine"],
            r["min_cosine"],
            r["top10_overlap"],
        ]
        for name, r in results.items()
    ]
    print(f"{len(reference)} chunks, load average {os.getloadavg()[0]:.1f}")
    print(
        table(["backend", "chunks/s", "× float32", "mean cos", "min cos", "top-10 overlap"], rows), flush=True
    )
    record = read_record(onnx_dir(settings().models_dir))
    write_results(
        "embed_backends",
        {
            "machine": machine(),
            "corpus": str(corpus),
            "chunks": len(reference),
            "batch_size": batch,
            "onnx_record": record.__dict__ if record else None,
            "results": results,
        },
    )


if __name__ == "__main__":
    main()
