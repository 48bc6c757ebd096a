"""Extractive answers: how sentence scoring costs and what it quotes, side by side in one run.

    .venv/bin/python benchmarks/extractive_speed.py [--index .cache/eval/answerability/index] [--every 2]

For every answerable question with a `fact` in `eval/dev.jsonl` and `eval/answerability.jsonl`
(every `--every`-th one), the top 5 passages are retrieved once, then each variant drafts the
extractive answer from them in turn (interleaved, so load from other jobs hits all variants
alike), with its sentence cache emptied first:

- *PyTorch*: the index's embedder, each sentence behind `title: <document title> | text:`
  (the product before this change);
- *int8 ONNX*: the model `rag model fetch` builds, same prompt (the product's choice with `auto`);
- *int8 ONNX, no title*: the short `title: none | text:` prompt (shorter inputs).

Reports draft time p50/p95 and how many answers state the question's fact. Run `rag eval` on
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
    from rag.answering.extractive import Sentence
    from rag.chunking import normalize_whitespace
    from rag.embedding import load_embedder
    from rag.evaluation import read_cases
    from rag.retrieval.retriever import Retriever

    class NoTitle(ExtractiveAnswerer):
        def _sentence_vectors(self, sentences: list[Sentence]) -> np.ndarray:
            return self.embedder.encode_documents([("", s.text) for s in sentences])

    config = settings(index_dir=args.index)
    embedder = load_embedder(config)
    retriever = Retriever.open(config, embedder)
    onnx = load_embedder(config.model_copy(update={"embed_backend": "onnx-int8"}))
    documents = retriever.index.documents
    variants: dict[str, ExtractiveAnswerer] = {
        "PyTorch (before)": ExtractiveAnswerer(embedder, documents),
        "int8 ONNX (auto)": ExtractiveAnswerer(onnx, documents),
        "int8 ONNX, no title": NoTitle(onnx, documents),
    }
    cases = [
        case
        for name in ("dev", "answerability")
        for case in read_cases(REPO / "eval" / f"{name}.jsonl")
        if case.answerable and case.fact
    ][:: args.every]
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    stated = dict.fromkeys(variants, 0)
    for number, case in enumerate(cases, start=1):
        hits = retriever.search(case.question, k=5)
        for name, answerer in variants.items():
            answerer._vectors.clear()
            started = time.perf_counter()
            text = "".join(answerer.draft(case.question, hits, "nl").pieces)
            seconds[name].append(time.perf_counter() - started)
            stated[name] += case.fact.lower() in normalize_whitespace(text).lower()
        print(f"{number}/{len(cases)}", flush=True)
    results: dict[str, Any] = {
        name: {
            "p50 s": round(statistics.median(seconds[name]), 3),
            "p95 s": round(float(np.percentile(seconds[name], 95)), 3),
            "fact stated": f"{stated[name]}/{len(cases)}",
        }
        for name in variants
    }
    rows = [[name, r["p50 s"], r["p95 s"], r["fact stated"]] for name, r in results.items()]
    print(table(["sentence scoring", "draft p50 s", "draft p95 s", "fact stated"], rows))
    written = write_results("extractive_speed", {"machine": machine(), "questions": len(cases), **results})
    print(f"\nresults: {written}")


if __name__ == "__main__":
    sys.exit(main())
