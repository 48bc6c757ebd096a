"""Exact (flat) vs approximate (HNSW) FAISS search at 100k and 300k chunks: latency, recall, memory.

    .venv/bin/python benchmarks/ann_scale.py [--sizes 100000,300000] [--queries 300]

Both indexes are built by the product's own `rag.vector_index.VectorIndex.build` (HNSW: M 32,
efConstruction 200, efSearch 256). The vectors are synthetic 768-d unit vectors in two shapes:
- `clustered`: 3,000 topic centres, each vector a centre plus Gaussian noise of the same norm
  (neighbours at cosine ≈ 0.5, as between related passages of a real corpus);
- `uniform`: uniformly random directions, the worst case for HNSW (no structure to exploit).
Queries are fresh draws from the same distribution, searched one at a time as the product does.
Recall@k is the share of the exact top-k that HNSW returns. Memory is the serialised size of each
FAISS index (what `index.faiss` holds on disk and in RAM) and the process RSS after building.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

import numpy as np
from _common import machine, percentiles, table, write_results

DIM = 768
CENTRES = 3_000


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype("float32")


def draw(n: int, shape: str, rng: np.random.Generator, centres: np.ndarray) -> np.ndarray:
    """n unit vectors, built in blocks so 300k x 768 float64 temporaries never exist at once."""
    blocks = []
    for begin in range(0, n, 50_000):
        rows = min(50_000, n - begin)
        noise = rng.standard_normal((rows, DIM), dtype=np.float32)
        if shape == "clustered":
            noise = centres[rng.integers(0, len(centres), rows)] + noise / np.sqrt(DIM)
        blocks.append(unit(noise))
    return np.vstack(blocks)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def time_single_queries(index, queries: np.ndarray, k: int) -> dict[str, float]:
    samples = []
    for vector in queries:
        started = time.perf_counter()
        index.search(vector[None], k)
        samples.append(time.perf_counter() - started)
    return percentiles(samples)


def recall(approx: np.ndarray, exact: np.ndarray) -> float:
    k = exact.shape[1]
    return float(np.mean([len(set(a) & set(e)) / k for a, e in zip(approx, exact, strict=True)]))


def measure(n: int, shape: str, n_queries: int, rng: np.random.Generator) -> dict:
    import faiss

    from rag.vector_index import VectorIndex

    centres = unit(rng.standard_normal((CENTRES, DIM), dtype=np.float32))
    vectors = draw(n, shape, rng, centres)
    queries = draw(n_queries, shape, rng, centres)
    result: dict = {"chunks": n, "shape": shape, "rss_vectors_mb": rss_mb()}
    for kind in ("flat", "hnsw"):
        started = time.perf_counter()
        index = VectorIndex.build(vectors, kind).faiss
        result[f"{kind}_build_s"] = time.perf_counter() - started
        result[f"{kind}_bytes"] = int(faiss.serialize_index(index).nbytes)
        result[f"{kind}_rss_mb"] = rss_mb()
        for k in (10, 50):
            result[f"{kind}_k{k}"] = time_single_queries(index, queries, k)
            _, result_ids = index.search(queries, k)
            result.setdefault("ids", {})[f"{kind}_k{k}"] = result_ids
        del index
        gc.collect()
    ids = result.pop("ids")
    result["recall_at_10"] = recall(ids["hnsw_k10"], ids["flat_k10"])
    result["recall_at_50"] = recall(ids["hnsw_k50"], ids["flat_k50"])
    print(
        f"{shape:>9} {n:>7,}: flat k10 p50 {result['flat_k10']['p50_ms']:.1f} ms, "
        f"hnsw k10 p50 {result['hnsw_k10']['p50_ms']:.2f} ms, recall@10 {result['recall_at_10']:.3f}, "
        f"hnsw build {result['hnsw_build_s']:.0f} s",
        flush=True,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,300000")
    parser.add_argument("--shapes", default="clustered,uniform")
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()

    info = machine()
    rng = np.random.default_rng(7)
    runs = [
        measure(int(n), shape, args.queries, rng)
        for shape in args.shapes.split(",")
        for n in args.sizes.split(",")
    ]
    rows = [
        [
            r["shape"],
            f"{r['chunks']:,}",
            f"{r['flat_k10']['p50_ms']:.1f} / {r['flat_k10']['p95_ms']:.1f}",
            f"{r['hnsw_k10']['p50_ms']:.2f} / {r['hnsw_k10']['p95_ms']:.2f}",
            f"{r['hnsw_k50']['p50_ms']:.2f} / {r['hnsw_k50']['p95_ms']:.2f}",
            f"{r['recall_at_10']:.3f}",
            f"{r['recall_at_50']:.3f}",
            f"{r['flat_bytes'] / 2**20:,.0f} / {r['hnsw_bytes'] / 2**20:,.0f}",
            f"{r['hnsw_build_s']:.0f}",
        ]
        for r in runs
    ]
    print()
    print(
        table(
            [
                "vectors",
                "chunks",
                "flat k=10 p50 / p95 ms",
                "HNSW k=10 p50 / p95 ms",
                "HNSW k=50 p50 / p95 ms",
                "recall@10",
                "recall@50",
                "index MiB flat / HNSW",
                "HNSW build s",
            ],
            rows,
        )
    )
    path = write_results("ann_scale", {"machine": info, "queries": args.queries, "runs": runs})
    print(f"\nresults: {path}")


if __name__ == "__main__":
    sys.exit(main())
