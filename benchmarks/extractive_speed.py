"""Extractive answers: how sentence scoring costs and what it quotes, side by side in one run.

    .venv/bin/python benchmarks/extractive_speed.py [--index .cache/eval/answerability/index] [--every 2]

For every answerable question with a `fact` in `eval/dev.jsonl` and `eval/answerability.jsonl`
(every `--every`-th one), the top 5 passages are retrieved once, then each variant drafts the
extractive answer from them in turn (interleaved, so load from other jobs hits all variants
alike), with its sentence cache emptied first:

- *all five passages*: the int8 model `rag model fetch` builds scores every sentence of the five
  passages, each behind `title: <document title> | text:` (the product before 2026-12-06);
- *passages near the best*: the same, only for the passages whose similarity to the question is
  within 0.05 of the best one's (the product's default);
- *index embedder*: the same with the index's own embedder (PyTorch where `auto` chose it).

Reports draft time p50/p95 and how many answers state the question's fact, of all and of those
whose gold passage is among the five. Run `rag eval` on
`eval/answerability.jsonl` with the corpus and the open corpus first: it builds the index.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from _common import REPO, machine, settings, table, write_results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=REPO / ".cache/eval/answerability/index")
    parser.add_argument("--every", type=int, default=1, help="take every n-th question")
    args = parser.parse_args()

    from rag.answering import ExtractiveAnswerer
    from rag.chunking import normalize_whitespace
    from rag.embedding import load_embedder
    from rag.evaluation import read_cases
    from rag.retrieval.retriever import Retriever

    config = settings(index_dir=args.index)
    embedder = load_embedder(config)
    retriever = Retriever.open(config, embedder)
    onnx = load_embedder(config.model_copy(update={"embed_backend": "onnx-int8"}))
    documents = retriever.index.documents
    variants: dict[str, ExtractiveAnswerer] = {
        "int8 ONNX, all five passages (before)": ExtractiveAnswerer(onnx, documents, passage_gap=2.0),
        "int8 ONNX, passages near the best (default)": ExtractiveAnswerer(onnx, documents),
        f"index embedder ({embedder.backend}), passages near the best": ExtractiveAnswerer(
            embedder, documents
        ),
    }
    cases = [
        case
        for name in ("dev", "answerability")
        for case in read_cases(REPO / "eval" / f"{name}.jsonl")
        if case.answerable and case.fact
    ][:: args.every]
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    stated = dict.fromkeys(variants, 0)
    stated_retrieved = dict.fromkeys(variants, 0)  # among questions whose gold passage is in the 5
    retrieved = 0
    for number, case in enumerate(cases, start=1):
        hits = retriever.search(case.question, k=5)
        gold_retrieved = any(case.is_relevant(hit) for hit in hits)
        retrieved += gold_retrieved
        for name, answerer in variants.items():
            answerer._vectors.clear()
            started = time.perf_counter()
            text = "".join(answerer.draft(case.question, hits, "nl").pieces)
            seconds[name].append(time.perf_counter() - started)
            said = case.fact.lower() in normalize_whitespace(text).lower()
            stated[name] += said
            stated_retrieved[name] += said and gold_retrieved
        print(f"{number}/{len(cases)}", flush=True)
    results: dict[str, Any] = {
        name: {
            "p50 s": round(statistics.median(seconds[name]), 3),
            "p95 s": round(float(np.percentile(seconds[name], 95)), 3),
            "fact stated": f"{stated[name]}/{len(cases)}",
            "fact stated, gold passage retrieved": f"{stated_retrieved[name]}/{retrieved}",
        }
        for name in variants
    }
    columns = ["p50 s", "p95 s", "fact stated", "fact stated, gold passage retrieved"]
    rows = [[name, *(r[column] for column in columns)] for name, r in results.items()]
    print(table(["sentence scoring", *columns], rows))
    written = write_results("extractive_speed", {"machine": machine(), "questions": len(cases), **results})
    print(f"\nresults: {written}")


if __name__ == "__main__":
    sys.exit(main())
