"""Query latency (p50/p95) of retrieval for 1k, 10k and 100k chunks, on synthetic data.

    .venv/bin/python benchmarks/query_latency.py [--sizes 1000,10000,100000] [--repeats 300]
        [--hnsw]

The index is an in-memory `IndexStore` of fake `Chunk`s: random unit 768-d float32 vectors and
random "Dutch-like" texts of ~150 words, each word drawn with its frequency in the real
`dutch-open-corpus` (so BM25 posting lists look like Dutch). Queries are the 94 real Dutch
questions of `dutch-gov-faq` (dev).

Per size it measures, per single query:
- FAISS: `IndexStore.search` on the exact (flat) index, k = 5 and k = 50 (hybrid's candidate depth);
- BM25: counting terms (paid by the build since index format 2), what the first hybrid query pays
  after a start (reading the stored counts and deriving BM25 from them; before format 2 it
  tokenised every passage), and `BM25Index.search`, k = 50;
- `Retriever.search` in dense and hybrid mode (k = 5, candidates 50, the defaults), end to end:
  the query is embedded by the real model (`load_embedder`), as in the product; the query
  embedding is also timed on its own. FAISS times use the same query vectors, computed once.
With `--hnsw`, the HNSW index (the `auto` choice above 200,000 chunks) is timed at the largest size
too, with its build time and recall@5 against the exact index (random vectors: the worst case for
recall, not for speed), and dense and hybrid search are timed end to end again on it.
"""

from __future__ import annotations

import argparse
import gc
import json
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

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
    return IndexStore.build(manifest, chunks, unit_vectors(n, rng), {})


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


def search_times(index, embedder, config, queries: list[str], suffix: str = "") -> dict:
    """`Retriever.search` end to end in dense and hybrid mode, the query embedded each time."""
    from rag.retrieval.retriever import Retriever

    times = {}
    for mode in ("dense", "hybrid"):
        fresh = Retriever(index, embedder, config)  # its query-vector cache starts empty
        fresh.bm25  # noqa: B018 -- each retriever derives its own BM25: built here, outside the timing
        times[mode + suffix] = percentiles(
            time_calls(lambda q, r=fresh, m=mode: r.search(q, mode=m), queries, len(queries))
        )
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeats", type=int, default=300, help="timed queries per measurement (a)")
    parser.add_argument("--hnsw", action="store_true", help="also time HNSW at the largest size")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    import faiss

    from rag.embedding import load_embedder
    from rag.retrieval.retriever import Retriever
    from rag.terms import TermCounts
    from rag.vector_index import VectorIndex

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
    config = settings()
    embedder = load_embedder(config)
    encode = percentiles(time_calls(lambda q: embedder.encode_queries([q]), queries, len(queries)))
    print(f"query encode: p50 {encode['p50_ms']:.1f} ms, p95 {encode['p95_ms']:.1f} ms", flush=True)
    qv = dict(zip(queries, embedder.encode_queries(queries), strict=True))

    results = {
        "machine": machine(),
        "vocabulary": len(words),
        "queries": len(queries),
        "words_per_chunk": WORDS_PER_CHUNK,
        "dimension": DIM,
        "top_k": config.top_k,
        "candidates": config.candidates,
        "dense_weight": config.dense_weight,
        "embed_model": embedder.model_id,
        "embed_backend": embedder.backend,
        "query_encode": encode,
        "sizes": {},
    }
    for n in sizes:
        started = time.perf_counter()
        texts = synthetic_texts(n, words, p, rng)
        titles = [" ".join(rng.choice(words, size=4, p=p)) for _ in range(n // 20 + 1)]
        index = make_store(n, texts, titles, rng)  # counts BM25 terms, builds FAISS
        del texts
        gen_s = time.perf_counter() - started
        res: dict = {"generate_and_count_s": gen_s}
        for k in (5, 50):
            res[f"faiss_flat_k{k}"] = percentiles(
                time_calls(lambda q, k=k, index=index: index.search(qv[q][None], k), queries, args.repeats)
            )

        with tempfile.TemporaryDirectory() as folder:
            index.terms.save(Path(folder) / "bm25.npz")
            started = time.perf_counter()
            index.terms = TermCounts.load(Path(folder) / "bm25.npz")  # what store.load reads
            res["bm25_counts_load_s"] = time.perf_counter() - started
        retriever = Retriever(index, embedder, config)
        started = time.perf_counter()
        bm25 = retriever.bm25  # what the first hybrid query pays
        res["bm25_ready_s"] = time.perf_counter() - started
        res["bm25_build_s"] = res["bm25_counts_load_s"] + res["bm25_ready_s"]
        res["bm25_k50"] = percentiles(
            time_calls(lambda q, bm25=bm25: bm25.search(q, 50), queries, args.repeats)
        )
        res.update(search_times(index, embedder, config, queries))

        if args.hnsw and n == max(sizes):
            started = time.perf_counter()
            hnsw_index = VectorIndex.build(index.vectors.matrix(), "hnsw")  # the product's parameters
            res["hnsw_build_s"] = time.perf_counter() - started
            for k in (5, 50):
                res[f"faiss_hnsw_k{k}"] = percentiles(
                    time_calls(lambda q, k=k, h=hnsw_index: h.search(qv[q][None], k), queries, args.repeats)
                )
            matrix = np.stack([qv[q] for q in queries])
            exact = [[row for row, _ in hits] for hits in index.search(matrix, 5)]
            approx = [[row for row, _ in hits] for hits in hnsw_index.search(matrix, 5)]
            res["hnsw_recall_at_5"] = float(
                np.mean([len(set(a) & set(e)) / 5 for a, e in zip(approx, exact, strict=True)])
            )
            # Random vectors are the hardest case for HNSW; real embeddings cluster.
            index.vectors = hnsw_index  # what `auto` searches above 200,000 chunks
            res.update(search_times(index, embedder, config, queries, suffix="_hnsw"))

        results["sizes"][str(n)] = res
        print(
            f"{n:>7} chunks: faiss k50 p50 {res['faiss_flat_k50']['p50_ms']:.2f} ms, "
            f"bm25 build {res['bm25_build_s']:.1f} s, hybrid p50 {res['hybrid']['p50_ms']:.2f} ms",
            flush=True,
        )
        del index, retriever
        gc.collect()

    print()
    print(
        f"Synthetic index: random unit {DIM}-d vectors, ~{WORDS_PER_CHUNK}-word texts from the "
        f"corpus vocabulary; k={config.top_k}, candidates={config.candidates}; per query, ms"
    )
    print(
        f"Query embedding alone ({embedder.backend}): p50 {encode['p50_ms']:.1f} ms, "
        f"p95 {encode['p95_ms']:.1f} ms (n={encode['n']})"
    )
    print()
    measures = [
        ("FAISS flat, k=5", "faiss_flat_k5"),
        ("FAISS flat, k=50", "faiss_flat_k50"),
        ("BM25 search, k=50", "bm25_k50"),
        ("search dense (with query embedding)", "dense"),
        ("search hybrid (with query embedding)", "hybrid"),
        ("FAISS HNSW, k=5", "faiss_hnsw_k5"),
        ("FAISS HNSW, k=50", "faiss_hnsw_k50"),
        ("search dense, HNSW (with query embedding)", "dense_hnsw"),
        ("search hybrid, HNSW (with query embedding)", "hybrid_hnsw"),
    ]
    headers = ["measure"] + [f"{int(n):,} p50 / p95" for n in sizes]
    rows = []
    for label, key in measures:
        cells = [results["sizes"][str(n)].get(key) for n in sizes]
        if not any(cells):
            continue
        rows.append([label] + [f"{c['p50_ms']:.2f} / {c['p95_ms']:.2f}" if c else "–" for c in cells])
    rows.append(
        ["BM25 at the first hybrid query after a start (stored counts read + BM25 derived), s"]
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
