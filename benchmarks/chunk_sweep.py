"""Chunk size and small-to-big retrieval, measured rather than assumed.

    .venv/bin/python benchmarks/chunk_sweep.py ../shared/dutch-gov-faq --sizes 500,1000,1500
    .venv/bin/python benchmarks/chunk_sweep.py eval/dev.jsonl --corpus corpus \
        --corpus ../shared/dutch-open-corpus --sizes 500,1000

For each chunk size (overlap 15 % of it, as the default 150 of 1000) the product builds an index of
the same corpus (`update_index`, cached under `.cache/eval/<set>-size<N>`; the default size uses
`rag eval`'s index) and is
scored like `rag eval`: recall@1, recall@5, MRR@10 of dense and hybrid over the answerable
questions, with the index time and chunk count. For every size smaller than `--parent`,
*small-to-big* is scored too: the small passages are ranked, each is replaced by the passage of the
`--parent` index that holds it (same document, overlapping offsets), repeats dropped — what the
user would read and the answer would cite.
"""

from __future__ import annotations

import argparse
import bisect
import sys
import time
from pathlib import Path

from _common import machine, settings, table, write_results

DEPTH = 30  # small passages ranked per question before mapping them to parents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path, help="QA JSON Lines file or BEIR folder")
    parser.add_argument("--corpus", type=Path, action="append", help="corpus folders of a QA file")
    parser.add_argument("--sizes", default="500,1000,1500")
    parser.add_argument("--parent", type=int, default=1000)
    parser.add_argument("--k", type=int, default=5)
    args = parser.parse_args()

    from rag.embedding import load_embedder
    from rag.evaluation import first_relevant_rank, read_cases, score_ranks, staged_settings
    from rag.indexing import update_index
    from rag.retrieval.retriever import Retriever
    from rag.types import Hit

    cases = [c for c in read_cases(args.questions) if c.answerable]
    sizes = sorted({int(s) for s in args.sizes.split(",")} | {args.parent})
    base = staged_settings(args.questions, args.corpus, settings())
    embedder = load_embedder(base)
    retrievers: dict[int, Retriever] = {}
    rows, results = [], {}
    for size in sizes:
        config = base.model_copy(update={"chunk_size": size, "chunk_overlap": size * 15 // 100})
        if (config.chunk_size, config.chunk_overlap) != (base.chunk_size, base.chunk_overlap):
            folder = base.index_dir.parent  # the default size shares `rag eval`'s index
            config = config.model_copy(
                update={"index_dir": folder.parent / f"{folder.name}-size{size}" / "index"}
            )
        began = time.perf_counter()
        report = update_index(config, embedder)
        built = time.perf_counter() - began
        retrievers[size] = Retriever.open(config, embedder)
        for mode in ("dense", "hybrid"):
            ranks = [
                first_relevant_rank(c, retrievers[size].search(c.question, k=10, mode=mode)) for c in cases
            ]
            s = score_ranks(ranks, args.k)
            results[f"{size} {mode}"] = {
                "chunks": report.chunks,
                "seconds": round(built, 1),
                "scores": [round(s.recall_at_1, 3), round(s.recall_at_k, 3), round(s.mrr_at_10, 3)],
            }
            rows.append([size, mode, report.chunks, f"{built:.0f}", *results[f"{size} {mode}"]["scores"]])

    parent = retrievers[args.parent]
    by_doc: dict[str, list[tuple[int, int]]] = {}  # document → (start, row) of its parents, in order
    for row, chunk in enumerate(parent.index.chunks):
        by_doc.setdefault(chunk.doc, []).append((chunk.start, row))
    for parents in by_doc.values():
        parents.sort()

    def parent_of(chunk) -> int:
        """The parent passage that holds `chunk`'s first character (the last one starting before it)."""
        parents = by_doc[chunk.doc]
        return parents[max(bisect.bisect_right(parents, (chunk.start, len(parent.index.chunks))) - 1, 0)][1]

    for size in sizes:
        if size >= args.parent:
            continue
        for mode in ("dense", "hybrid"):
            ranks = []
            for case in cases:
                seen: list[int] = []
                for hit in retrievers[size].search(case.question, k=DEPTH, mode=mode):
                    row = parent_of(hit.chunk)
                    if row not in seen:
                        seen.append(row)
                hits = [Hit(rank, 0.0, parent.index.chunks[row]) for rank, row in enumerate(seen[:10], 1)]
                ranks.append(first_relevant_rank(case, hits))
            s = score_ranks(ranks, args.k)
            scores = [round(s.recall_at_1, 3), round(s.recall_at_k, 3), round(s.mrr_at_10, 3)]
            results[f"{size}→{args.parent} {mode}"] = {"scores": scores}
            rows.append([f"{size} → {args.parent} (small-to-big)", mode, "", "", *scores])

    print(f"{args.questions}: {len(cases)} answerable questions")
    print(table(["chunk size", "mode", "chunks", "index s", "recall@1", f"recall@{args.k}", "MRR@10"], rows))
    name = "chunk_sweep_" + (args.questions.stem or args.questions.name)
    print(f"\nresults: {write_results(name, {'machine': machine(), 'results': results})}")


if __name__ == "__main__":
    sys.exit(main())
