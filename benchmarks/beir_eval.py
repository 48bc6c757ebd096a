"""Retrieval quality on dutch-gov-faq (dev): BM25, dense and hybrid, and a sweep of the fusion.

    .venv/bin/python benchmarks/beir_eval.py [--data /work/shared/dutch-gov-faq] [--dtype auto]
        [--weights 0.5,0.6,0.7,0.8,0.9] [--candidates 10,20,30,50,100,200]

The product's real path is measured: every passage of `corpus.jsonl` becomes its own file
`<_id>.md` with content `# {title}\n\n{text}` (title + text only; `doc_title` is the question
itself), that folder is indexed with `update_index`, and queries go through `Retriever.search`.
Hits are mapped back to passages by file name; a passage split into several chunks counts once,
at its best rank (the top 10 chunks are retrieved). Relevant = qrels score ≥ 1.

Metrics per query, averaged: recall@1 and recall@5 (1 if a relevant passage is in the top 1 / 5,
the usual "success@k" for one-FAQ-per-query judgments), MRR@10 (1/rank of the first relevant
passage within the top 10). `--prompt-check` also scores dense retrieval with the passages encoded
directly (no index, no chunking) under three document-prompt variants, to see what the product's
way of building the embedded text costs or gains. The built index is cached in benchmarks/.cache/ and reused by
re-runs (`update_index` finds nothing to do); delete that folder to rebuild.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from _common import CACHE, DATA, machine, settings, table, write_results

TOP = 10  # chunks retrieved per query


class CachedQueries:
    """The real embedder, with each query encoded once (the sweep repeats the same queries)."""

    def __init__(self, embedder) -> None:
        self.embedder = embedder
        self.cache: dict[str, object] = {}
        self.seconds = 0.0

    def encode_queries(self, texts):
        import numpy as np

        missing = [t for t in texts if t not in self.cache]
        if missing:
            started = time.perf_counter()
            for text, vector in zip(missing, self.embedder.encode_queries(missing), strict=True):
                self.cache[text] = vector
            self.seconds += time.perf_counter() - started
        return np.stack([self.cache[t] for t in texts])


def load_set(data: Path):
    passages = [json.loads(line) for line in (data / "corpus.jsonl").open(encoding="utf-8")]
    queries = [json.loads(line) for line in (data / "queries-dev.jsonl").open(encoding="utf-8")]
    relevant: dict[str, set[str]] = {}
    for line in (data / "qrels-dev.tsv").read_text("utf-8").splitlines()[1:]:
        query_id, passage_id, score = line.split("\t")
        if int(score) >= 1:
            relevant.setdefault(query_id, set()).add(passage_id)
    queries = [q for q in queries if q["_id"] in relevant]
    return passages, queries, relevant


def write_corpus(passages, folder: Path) -> int:
    """One Markdown file per passage; files already there with the same content are left alone."""
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    wanted = set()
    for p in passages:
        path = folder / f"{p['_id']}.md"
        wanted.add(path.name)
        content = f"# {p['title']}\n\n{p['text']}\n"
        if not path.exists() or path.read_text("utf-8") != content:
            path.write_text(content, "utf-8")
            written += 1
    for stale in folder.glob("*.md"):
        if stale.name not in wanted:
            stale.unlink()
    return written


def evaluate(retriever, queries, relevant, mode: str) -> dict:
    r1 = r5 = rr = 0.0
    for q in queries:
        ranking: list[str] = []
        for hit in retriever.search(q["text"], k=TOP, mode=mode):
            pid = Path(hit.chunk.doc).stem
            if pid not in ranking:
                ranking.append(pid)
        good = relevant[q["_id"]]
        first = next((r for r, pid in enumerate(ranking[:10], start=1) if pid in good), None)
        r1 += first == 1
        r5 += first is not None and first <= 5
        rr += 1.0 / first if first else 0.0
    n = len(queries)
    return {"recall@1": r1 / n, "recall@5": r5 / n, "mrr@10": rr / n, "queries": n}


def prompt_check(embedder, queries_embedder, passages, queries, relevant) -> dict:
    """Dense metrics with passage vectors made directly by `encode_documents`, per prompt variant."""
    import numpy as np

    ids = [p["_id"] for p in passages]
    qv = queries_embedder.encode_queries([q["text"] for q in queries])
    variants = {
        "`title: {title} | text: {text}`": [(p["title"], p["text"]) for p in passages],
        "`title: none | text: {text}`": [("", p["text"]) for p in passages],
        "`title: none | text: # {title} {text}`": [("", f"# {p['title']} {p['text']}") for p in passages],
    }
    results = {}
    for label, items in variants.items():
        started = time.perf_counter()
        matrix = embedder.encode_documents(items)
        seconds = time.perf_counter() - started
        r1 = r5 = rr = 0.0
        for query, row in zip(queries, qv @ matrix.T, strict=True):
            ranking = [ids[i] for i in np.argsort(-row)[:10]]
            good = relevant[query["_id"]]
            first = next((r for r, pid in enumerate(ranking, start=1) if pid in good), None)
            r1 += first == 1
            r5 += first is not None and first <= 5
            rr += 1.0 / first if first else 0.0
        n = len(queries)
        results[label] = {"recall@1": r1 / n, "recall@5": r5 / n, "mrr@10": rr / n, "encode_s": seconds}
        print(f"{label}: recall@1 {r1 / n:.3f} ({seconds:.0f} s)", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA / "dutch-gov-faq")
    parser.add_argument("--dtype", default="auto", choices=["auto", "float32", "bfloat16"])
    parser.add_argument("--weights", default="0.5,0.6,0.7,0.8,0.9")
    parser.add_argument("--candidates", default="10,20,30,50,100,200")
    parser.add_argument(
        "--prompt-check",
        action="store_true",
        help="also encode the passages directly with 3 prompt variants (dense only)",
    )
    parser.add_argument("--out", default="beir_eval", help="name of the results file")
    args = parser.parse_args()
    weights = [float(w) for w in args.weights.split(",")]
    depths = [int(c) for c in args.candidates.split(",")]

    from rag import store
    from rag.embedding import Embedder
    from rag.indexing import update_index
    from rag.retrieval.retriever import Retriever

    passages, queries, relevant = load_set(args.data)
    cache = CACHE / f"dutch-gov-faq-{args.dtype}"
    corpus, index_dir = cache / "corpus", cache / "index"
    written = write_corpus(passages, corpus)
    config = settings(corpus_dir=corpus, index_dir=index_dir, embed_dtype=args.dtype)
    embedder = Embedder.from_settings(config)
    report = update_index(config, embedder)
    print(
        f"{len(passages)} passages ({written} files written), {report.chunks} chunks; "
        f"{report.embedded_chunks} embedded in {report.seconds:.1f} s "
        f"({'reused the cached index' if not report.embedded_chunks else 'built'}); "
        f"{len(queries)} queries; dtype {embedder.dtype}",
        flush=True,
    )

    queries_embedder = CachedQueries(embedder)
    retriever = Retriever(store.load(index_dir), queries_embedder, config)
    modes = {mode: evaluate(retriever, queries, relevant, mode) for mode in ("bm25", "dense", "hybrid")}
    best = {m: max(modes["dense"][m], modes["bm25"][m]) for m in ("recall@5", "mrr@10")}

    sweep = []
    for depth in depths:
        for weight in weights:
            retriever.settings = config.model_copy(update={"dense_weight": weight, "candidates": depth})
            scores = evaluate(retriever, queries, relevant, "hybrid")
            scores.update(
                dense_weight=weight, candidates=depth, beats_both=all(scores[m] >= best[m] for m in best)
            )
            sweep.append(scores)

    variants = (
        prompt_check(embedder, queries_embedder, passages, queries, relevant) if args.prompt_check else {}
    )

    n = len(queries)
    print(
        f"\ndutch-gov-faq dev: {n} queries, {len(passages)} passages, {report.chunks} chunks; "
        f"dtype {embedder.dtype}; hybrid = dense_weight {config.dense_weight}, "
        f"candidates {config.candidates} (defaults)\n"
    )
    print(
        table(
            ["mode", "recall@1", "recall@5", "MRR@10"],
            [[mode, m["recall@1"], m["recall@5"], m["mrr@10"]] for mode, m in modes.items()],
        )
    )
    print(
        f"\nHybrid sweep (✅ = recall@5 ≥ {best['recall@5']:.3f} and MRR@10 ≥ {best['mrr@10']:.3f}, "
        f"the better of dense and BM25; 1 query = {1 / n:.3f})\n"
    )
    print(
        table(
            ["candidates", "dense_weight", "recall@1", "recall@5", "MRR@10", "≥ both"],
            [
                [
                    s["candidates"],
                    s["dense_weight"],
                    s["recall@1"],
                    s["recall@5"],
                    s["mrr@10"],
                    "✅" if s["beats_both"] else "",
                ]
                for s in sweep
            ],
        )
    )
    if variants:
        print("\nDense retrieval, passages encoded directly (no chunking) — document prompt variants:\n")
        print(
            table(
                ["embedded document text", "recall@1", "recall@5", "MRR@10"],
                [
                    [
                        "product index (`title: {title} | text: # {title} {text}`)",
                        modes["dense"]["recall@1"],
                        modes["dense"]["recall@5"],
                        modes["dense"]["mrr@10"],
                    ]
                ]
                + [[label, m["recall@1"], m["recall@5"], m["mrr@10"]] for label, m in variants.items()],
            )
        )
    winners = [s for s in sweep if s["beats_both"]]
    if winners:
        top = max(winners, key=lambda s: (s["mrr@10"], s["recall@5"], s["recall@1"]))
        print(
            f"\nbest passing setting: dense_weight {top['dense_weight']}, candidates "
            f"{top['candidates']} (MRR@10 {top['mrr@10']:.3f}, recall@5 {top['recall@5']:.3f})"
        )
    else:
        print("\nno swept setting makes hybrid ≥ both dense and BM25 on recall@5 and MRR@10")

    path = write_results(
        args.out,
        {
            "machine": machine(),
            "data": str(args.data),
            "dtype": embedder.dtype,
            "passages": len(passages),
            "chunks": report.chunks,
            "queries": n,
            "index_seconds": report.seconds,
            "embedded_chunks": report.embedded_chunks,
            "query_encode_seconds": queries_embedder.seconds,
            "defaults": {"dense_weight": config.dense_weight, "candidates": config.candidates},
            "modes": modes,
            "best_single": best,
            "sweep": sweep,
            "prompt_variants": variants,
        },
    )
    print(f"\nresults: {path}")


if __name__ == "__main__":
    sys.exit(main())
