"""Query latency (p50/p95) of retrieval for 1k, 10k and 100k chunks, on synthetic data.

    .venv/bin/python benchmarks/query_latency.py [--sizes 1000,10000,100000] [--repeats 300]
        [--hnsw] [--no-model]

The index is an in-memory `IndexStore` of fake `Chunk`s: random unit 768-d float32 vectors and
random "Dutch-like" texts of ~150 words, each word drawn with its frequency in the real
`dutch-open-corpus` (so BM25 posting lists look like Dutch). Queries are the 94 real Dutch
questions of `dutch-gov-faq` (dev).

Per size it measures, per single query:
- FAISS: `IndexStore.search` on the exact (flat) index, k = 5 and k = 50 (hybrid's candidate depth);
- BM25: building the index (the first hybrid query pays this once) and `BM25Index.search`, k = 50;
- `Retriever.search` in dense and hybrid mode (k = 5, candidates 50, the defaults):
  (a) without the query embedding (a stub returns a precomputed vector) and
  (b) with it (the real EmbeddingGemma `encode_queries`), plus the query encoding on its own.
With `--hnsw`, the HNSW index (the `auto` choice above 200,000 chunks) is timed at the largest size
too, with its build time and recall@5 against the exact index.
"""

from __future__ import annotations

import argparse
import gc
import json
import re
import sys
import time
from collections import Counter

import numpy as np

from _common import DATA, machine, percentiles, settings, table, write_results

DIM = 768
WORDS_PER_CHUNK = 150
_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)


def corpus_vocabulary() -> tuple[list[str], np.ndarray]:
    """Words of the real corpus and their relative frequencies (case kept as written)."""
    counts: Counter[str] = Counter()
    for path in sorted((DATA / "dutch-open-corpus").glob("*.md")):
        counts.update(_WORD.findall(path.read_text("utf-8")))
    words = list(counts)
    freq = np.array([counts[w] for w in words], dtype=np.float64)
    return words, freq / freq.sum()


def synthetic_texts(n: int, words: list[str], p: np.ndarray, rng: np.random.Generator) -> list[str]:
    vocab = np.array(words, dtype=object)
    texts = []
    for begin in range(0, n, 10_000):
        rows = min(10_000, n - begin)
        picks = vocab[rng.choice(len(words), size=(rows, WORDS_PER_CHUNK), p=p)]
        texts.extend(" ".join(row) + "." for row in picks)
    return texts


def unit_vectors(n: int, rng: np.random.Generator) -> np.ndarray:
    vectors = rng.standard_normal((n, DIM), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def make_store(n: int, texts: list[str], titles: list[str], rng: np.random.Generator):
    from rag.store import IndexStore, Manifest
    from rag.types import Chunk

    chunks = [
        Chunk(
            id=f"c{i}",
            doc=f"doc{i // 20}.md",
            title=titles[i // 20],
            headings=(),
            start=0,
            end=len(text),
            text=text,
        )
        for i, text in enumerate(texts)
    ]
    manifest = Manifest(
        format_version=1,
        model="synthetic",
        dimension=DIM,
        chunk_size=1000,
        chunk_overlap=150,
        index_type="flat",
        built_at=time.time(),
    )
    return IndexStore(manifest, chunks, unit_vectors(n, rng), {})


class StubEmbedder:
    """Returns a precomputed unit vector per query: retrieval time without the model."""

    def __init__(self, queries: list[str], rng: np.random.Generator) -> None:
        self.vectors = dict(zip(queries, unit_vectors(len(queries), rng), strict=True))

    def encode_queries(self, texts):
        return np.stack([self.vectors[t] for t in texts])


def time_calls(fn, queries: list[str], repeats: int, warmup: int = 5) -> list[float]:
    for q in queries[:warmup]:
        fn(q)
    samples = []
    for i in range(repeats):
        q = queries[i % len(queries)]
        started = time.perf_counter()
        fn(q)
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeats", type=int, default=300, help="timed queries per measurement (a)")
    parser.add_argument("--hnsw", action="store_true", help="also time HNSW at the largest size")
    parser.add_argument("--no-model", action="store_true", help="skip (b): no embedding model")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    import faiss

    from rag.retrieval.retriever import Retriever

    rng = np.random.default_rng(20261123)
    queries = [
        json.loads(line)["text"]
        for line in (DATA / "dutch-gov-faq" / "queries-dev.jsonl").open(encoding="utf-8")
    ]
    words, p = corpus_vocabulary()
    print(
        f"vocabulary: {len(words)} words from dutch-open-corpus; {len(queries)} queries; "
        f"faiss {faiss.__version__} with {faiss.omp_get_max_threads()} threads",
        flush=True,
    )
    stub = StubEmbedder(queries, rng)
    config = settings()

    embedder = None
    encode = {}
    if not args.no_model:
        from rag.embedding import Embedder

        embedder = Embedder.from_settings(config)
        samples = time_calls(lambda q: embedder.encode_queries([q]), queries, len(queries))
        encode = percentiles(samples)
        print(
            f"query encode ({embedder.dtype}): p50 {encode['p50_ms']:.1f} ms, p95 {encode['p95_ms']:.1f} ms",
            flush=True,
        )

    results = {
        "machine": machine(),
        "vocabulary": len(words),
        "queries": len(queries),
        "words_per_chunk": WORDS_PER_CHUNK,
        "dimension": DIM,
        "top_k": config.top_k,
        "candidates": config.candidates,
        "dense_weight": config.dense_weight,
        "dtype": embedder.dtype if embedder else None,
        "query_encode": encode,
        "sizes": {},
    }
    for n in sizes:
        started = time.perf_counter()
        texts = synthetic_texts(n, words, p, rng)
        titles = [" ".join(rng.choice(words, size=4, p=p)) for _ in range(n // 20 + 1)]
        index = make_store(n, texts, titles, rng)
        del texts
        index.faiss_index  # noqa: B018 - build FAISS outside the timings
        gen_s = time.perf_counter() - started
        qv = stub.vectors
        res: dict = {"generate_s": gen_s}
        res["faiss_flat_k5"] = percentiles(
            time_calls(lambda q: index.search(qv[q][None], 5), queries, args.repeats)
        )
        res["faiss_flat_k50"] = percentiles(
            time_calls(lambda q: index.search(qv[q][None], 50), queries, args.repeats)
        )

        fast = Retriever(index, stub, config)
        started = time.perf_counter()
        fast.bm25  # noqa: B018 - what the first hybrid query pays
        res["bm25_build_s"] = time.perf_counter() - started
        res["bm25_k50"] = percentiles(time_calls(lambda q: fast.bm25.search(q, 50), queries, args.repeats))
        res["dense_a"] = percentiles(
            time_calls(lambda q: fast.search(q, mode="dense"), queries, args.repeats)
        )
        res["hybrid_a"] = percentiles(
            time_calls(lambda q: fast.search(q, mode="hybrid"), queries, args.repeats)
        )
        if embedder is not None:
            real = Retriever(index, embedder, config)
            real.__dict__["bm25"] = fast.bm25  # the same BM25 index, already built
            res["dense_b"] = percentiles(
                time_calls(lambda q: real.search(q, mode="dense"), queries, len(queries))
            )
            res["hybrid_b"] = percentiles(
                time_calls(lambda q: real.search(q, mode="hybrid"), queries, len(queries))
            )

        if args.hnsw and n == max(sizes):
            from rag.store import build_faiss

            started = time.perf_counter()
            hnsw_index = build_faiss(index.vectors, "hnsw")  # the product's HNSW parameters
            res["hnsw_build_s"] = time.perf_counter() - started
            res["faiss_hnsw_k5"] = percentiles(
                time_calls(lambda q: hnsw_index.search(qv[q][None], 5), queries, args.repeats)
            )
            res["faiss_hnsw_k50"] = percentiles(
                time_calls(lambda q: hnsw_index.search(qv[q][None], 50), queries, args.repeats)
            )
            matrix = np.stack([qv[q] for q in queries])
            _, exact = index.faiss_index.search(matrix, 5)
            _, approx = hnsw_index.search(matrix, 5)
            res["hnsw_recall_at_5"] = float(
                np.mean([len(set(a) & set(e)) / 5 for a, e in zip(approx, exact, strict=True)])
            )
            # Random vectors are the hardest case for HNSW; real embeddings cluster.

        results["sizes"][str(n)] = res
        print(
            f"{n:>7} chunks: faiss k50 p50 {res['faiss_flat_k50']['p50_ms']:.2f} ms, "
            f"bm25 build {res['bm25_build_s']:.1f} s, hybrid(a) p50 {res['hybrid_a']['p50_ms']:.2f} ms",
            flush=True,
        )
        del index, fast
        gc.collect()

    print()
    print(
        f"Synthetic index: random unit {DIM}-d vectors, ~{WORDS_PER_CHUNK}-word texts from the "
        f"corpus vocabulary; k={config.top_k}, candidates={config.candidates}; per query, ms"
    )
    if encode:
        print(
            f"Query embedding alone ({results['dtype']}): p50 {encode['p50_ms']:.1f} ms, "
            f"p95 {encode['p95_ms']:.1f} ms (n={encode['n']})"
        )
    print()
    measures = [
        ("FAISS flat, k=5", "faiss_flat_k5"),
        ("FAISS flat, k=50", "faiss_flat_k50"),
        ("BM25 search, k=50", "bm25_k50"),
        ("search dense (a: no query embedding)", "dense_a"),
        ("search hybrid (a: no query embedding)", "hybrid_a"),
        ("search dense (b: with query embedding)", "dense_b"),
        ("search hybrid (b: with query embedding)", "hybrid_b"),
        ("FAISS HNSW, k=5", "faiss_hnsw_k5"),
        ("FAISS HNSW, k=50", "faiss_hnsw_k50"),
    ]
    headers = ["measure"] + [f"{int(n):,} p50 / p95" for n in sizes]
    rows = []
    for label, key in measures:
        cells = [results["sizes"][str(n)].get(key) for n in sizes]
        if not any(cells):
            continue
        rows.append([label] + [f"{c['p50_ms']:.2f} / {c['p95_ms']:.2f}" if c else "–" for c in cells])
    rows.append(
        ["BM25 index build (first hybrid query), s"]
        + [f"{results['sizes'][str(n)]['bm25_build_s']:.2f}" for n in sizes]
    )
    for n in sizes:
        res = results["sizes"][str(n)]
        if "hnsw_build_s" in res:
            rows.append(
                [f"HNSW build s / recall@5 vs exact ({n:,})"]
                + [
                    f"{res['hnsw_build_s']:.1f} / {res['hnsw_recall_at_5']:.3f}" if str(m) == str(n) else "–"
                    for m in sizes
                ]
            )
    print(table(headers, rows))
    path = write_results("query_latency", results)
    print(f"\nresults: {path}")


if __name__ == "__main__":
    sys.exit(main())
