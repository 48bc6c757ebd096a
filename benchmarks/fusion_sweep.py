"""Sweep the fusion of dense and BM25 results on an evaluation set, scored like `rag eval`.

    .venv/bin/python benchmarks/fusion_sweep.py eval/dev.jsonl --index .cache/eval/dev/index
    .venv/bin/python benchmarks/fusion_sweep.py ../shared/dutch-gov-faq \
        --index .cache/eval/dutch-gov-faq/index

Run `rag eval` on the set first: it builds the index this script reads. Each question's dense and
BM25 candidate lists (depth `--candidates`) are computed once with the product's `Retriever`, then
fused offline in two ways, both the product's (`RAG_FUSION`): weighted reciprocal-rank fusion
(`weighted_rrf`) and a convex combination of min-max-normalised scores (`weighted_score_fusion`),
over a range of dense weights; score fusion that only re-orders dense's best `top` passages
(`within_dense_shortlist`, `RAG_FUSION_SHORTLIST`), also with only BM25's own best passages
counted (`lexical_top`, `RAG_FUSION_BM25_TOP`); and score fusion gated by the peak of the BM25
list (`peaked`): BM25 takes part only when its best score is at least `peak` times its 10th best,
else the dense order stands, alone and with the shortlist. Metrics are
`rag eval`'s own (`score_ranks`): recall@1, recall@5, MRR@10 over the answerable questions.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from _common import machine, settings, table, write_results

WEIGHTS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95)
PEAKS = (1.25, 1.5, 1.75, 2.0, 2.5, 3.0)
SHORTLISTS = (3, 5, 10)
LEXICAL_TOPS = (1, 2, 3, 5, 10)


def peaked(lexical: list[tuple[int, float]], peak: float, depth: int = 10) -> bool:
    """BM25's best score is at least `peak` times its 10th best (rare exact terms), or it matched
    fewer than 10 passages: the gate measured and not kept (benchmarks/README.md)."""
    if len(lexical) < depth:
        return bool(lexical)
    return lexical[0][1] >= peak * lexical[depth - 1][1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path, help="QA JSON Lines file or BEIR folder")
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--candidates", type=int, default=50)
    parser.add_argument("--k", type=int, default=5)
    args = parser.parse_args()

    from rag.embedding import load_embedder
    from rag.evaluation import first_relevant_rank, read_cases, score_ranks
    from rag.retrieval.fusion import weighted_rrf, weighted_score_fusion, within_dense_shortlist
    from rag.retrieval.retriever import Retriever
    from rag.types import Hit

    cases = [c for c in read_cases(args.questions) if c.answerable]
    config = settings(index_dir=args.index)
    retriever = Retriever.open(config, load_embedder(config))
    lists = [
        (retriever.dense(c.question, args.candidates), retriever.bm25.search(c.question, args.candidates))
        for c in cases
    ]

    def scores(rank_rows) -> list:
        ranks = [
            first_relevant_rank(
                case, [Hit(rank, 0.0, retriever.index.chunks[row]) for rank, row in enumerate(rows[:10], 1)]
            )
            for case, rows in zip(cases, rank_rows, strict=True)
        ]
        s = score_ranks(ranks, args.k)
        return [round(s.recall_at_1, 3), round(s.recall_at_k, 3), round(s.mrr_at_10, 3)]

    results = {
        "dense": scores([[row for row, _ in dense] for dense, _ in lists]),
        "bm25": scores([[row for row, _ in lexical] for _, lexical in lists]),
    }
    for weight in WEIGHTS:
        results[f"rrf w={weight}"] = scores([[f.row for f in weighted_rrf(d, b, weight)] for d, b in lists])
        results[f"minmax w={weight}"] = scores(
            [[f.row for f in weighted_score_fusion(d, b, weight)] for d, b in lists]
        )
    for top in SHORTLISTS:
        for weight in WEIGHTS:
            fused = [
                [f.row for f in within_dense_shortlist(weighted_score_fusion(d, b, weight), d, top)]
                for d, b in lists
            ]
            results[f"shortlist top={top} w={weight}"] = scores(fused)
    for lexical_top in LEXICAL_TOPS:
        for weight in (0.9, 0.95):
            fused = [
                [
                    f.row
                    for f in within_dense_shortlist(
                        weighted_score_fusion(d, b, weight, lexical_top=lexical_top), d, 5
                    )
                ]
                for d, b in lists
            ]
            results[f"shortlist top=5, BM25's best {lexical_top} only, w={weight}"] = scores(fused)
    for peak in PEAKS:
        gated = [(d, b if peaked(b, peak) else []) for d, b in lists]
        share = sum(bool(b) for _, b in gated) / len(gated)
        for weight in WEIGHTS:
            fused = [[f.row for f in weighted_score_fusion(d, b, weight)] for d, b in gated]
            results[f"gated peak={peak} ({share:.0%} fused) w={weight}"] = scores(fused)
            fused = [
                [f.row for f in within_dense_shortlist(weighted_score_fusion(d, b, weight), d, 5)]
                for d, b in gated
            ]
            results[f"gated peak={peak} + shortlist top=5 w={weight}"] = scores(fused)

    print(f"{args.questions}: {len(cases)} answerable questions, {args.candidates} candidates per list")
    print(table(["method", "recall@1", f"recall@{args.k}", "MRR@10"], [[m, *v] for m, v in results.items()]))
    name = "fusion_sweep_" + (args.questions.stem or args.questions.name)
    data = {"machine": machine(), "questions": str(args.questions), "candidates": args.candidates}
    print(f"\nresults: {write_results(name, {**data, 'scores': results})}")


if __name__ == "__main__":
    sys.exit(main())
