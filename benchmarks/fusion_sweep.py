"""Sweep the fusion of dense and BM25 results on an evaluation set, scored like `rag eval`.

    .venv/bin/python benchmarks/fusion_sweep.py eval/dev.jsonl --index .cache/eval/dev/index
    .venv/bin/python benchmarks/fusion_sweep.py ../shared/dutch-gov-faq --index .cache/eval/dutch-gov-faq/index

Run `rag eval` on the set first: it builds the index this script reads. Each question's dense and
BM25 candidate lists (depth `--candidates`) are computed once with the product's `Retriever`, then
fused offline in two ways: weighted reciprocal-rank fusion (`weighted_rrf`, the product's method)
and a convex combination of min-max-normalised scores, over a range of dense weights. Metrics are
`rag eval`'s own (`score_ranks`): recall@1, recall@5, MRR@10 over the answerable questions.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from _common import machine, settings, table, write_results

WEIGHTS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path, help="QA JSON Lines file or BEIR folder")
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--candidates", type=int, default=50)
    parser.add_argument("--k", type=int, default=5)
    args = parser.parse_args()

    from rag import store
    from rag.embedding import Embedder
    from rag.evaluation import first_relevant_rank, is_beir, read_beir, read_qa, score_ranks
    from rag.retrieval.fusion import weighted_rrf, weighted_score_fusion
    from rag.retrieval.retriever import Retriever

    cases = read_beir(args.questions) if is_beir(args.questions) else read_qa(args.questions)
    cases = [c for c in cases if c.answerable]
    config = settings(index_dir=args.index)
    retriever = Retriever(store.load(args.index), Embedder.from_settings(config), config)
    lists = [
        (retriever.dense(c.question, args.candidates), retriever.bm25.search(c.question, args.candidates))
        for c in cases
    ]

    def scores(rank_rows) -> list:
        ranks = [
            first_relevant_rank(case, retriever._hits([(row, 0.0) for row in rows[:10]], [], []))
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

    print(f"{args.questions}: {len(cases)} answerable questions, {args.candidates} candidates per list")
    print(table(["method", "recall@1", f"recall@{args.k}", "MRR@10"], [[m, *v] for m, v in results.items()]))
    name = "fusion_sweep_" + (args.questions.stem or args.questions.name)
    print(
        f"\nresults: {write_results(name, {'machine': machine(), 'questions': str(args.questions), 'candidates': args.candidates, 'scores': results})}"
    )


if __name__ == "__main__":
    sys.exit(main())
