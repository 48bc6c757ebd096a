"""Could another signal than the best passage's similarity tell answerable from unanswerable?

    .venv/bin/python benchmarks/refusal_signals.py eval/dev.jsonl --index .cache/eval/dev/index
    .venv/bin/python benchmarks/refusal_signals.py --records benchmarks/results/refusal_signals.json

Run `rag eval` on the set first: it builds the index this script reads. For every question it
takes the top 5 hybrid passages and records three signals:

- `passage`: the best passage's cosine similarity (what the gate `RAG_MIN_RELEVANCE` uses);
- `sentence`: the best cosine similarity of a single sentence of those passages, as the
  extractive answerer scores them (seconds per question: every sentence is embedded);
- `coverage`: the IDF-weighted share of the question's BM25 terms found in those passages.

Then it scores refusal rules on them. `--records` re-scores the stored signals without a model.
"""

from __future__ import annotations

import argparse
import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from _common import machine, settings, table, write_results

K = 5
RULES = {
    "passage >= 0.50 (the default gate)": lambda r: r["passage"] >= 0.50,
    "passage >= 0.525": lambda r: r["passage"] >= 0.525,
    "sentence >= 0.50": lambda r: r["sentence"] >= 0.50,
    "sentence >= 0.55": lambda r: r["sentence"] >= 0.55,
    "sentence >= 0.60": lambda r: r["sentence"] >= 0.60,
    "passage >= 0.50 or sentence >= 0.55": lambda r: r["passage"] >= 0.50 or r["sentence"] >= 0.55,
    "passage >= 0.50 and coverage >= 0.5": lambda r: r["passage"] >= 0.50 and r["coverage"] >= 0.5,
    "passage >= 0.40 and coverage >= 0.5": lambda r: r["passage"] >= 0.40 and r["coverage"] >= 0.5,
}


def signals(questions: Path, index_dir: Path) -> list[dict[str, Any]]:
    from rag.answering import ExtractiveAnswerer
    from rag.embedding import load_embedder
    from rag.evaluation import read_qa
    from rag.retrieval.bm25 import searchable_text, tokenize
    from rag.retrieval.retriever import Retriever

    config = settings(index_dir=index_dir)
    embedder = load_embedder(config)
    retriever = Retriever.open(config, embedder)
    index = retriever.index
    answerer = ExtractiveAnswerer(embedder, index.documents)
    terms = {c.id: set(tokenize(searchable_text(c))) for c in index.chunks}
    document_frequency = Counter(term for chunk_terms in terms.values() for term in chunk_terms)

    def weight(term: str) -> float:
        return math.log(1 + len(index.chunks) / (1 + document_frequency[term]))

    records = []
    for case in read_qa(questions):
        hits = retriever.search(case.question, k=K)
        sentences = [(s.title, s.text) for s in answerer.candidates(hits)]
        query = embedder.encode_queries([case.question])[0]
        found = set().union(*(terms[hit.chunk.id] for hit in hits))
        asked = set(tokenize(case.question))
        records.append(
            {
                "question": case.question,
                "answerable": case.answerable,
                "passage": max(h.dense_score for h in hits),
                "sentence": float(np.max(embedder.encode_documents(sentences) @ query)) if sentences else 0.0,
                "coverage": sum(weight(t) for t in asked & found) / max(1e-9, sum(weight(t) for t in asked)),
            }
        )
        print(json.dumps(records[-1], ensure_ascii=False), flush=True)
    return records


def score(records: list[dict[str, Any]]) -> list[list[Any]]:
    answerable = [r for r in records if r["answerable"]]
    unanswerable = [r for r in records if not r["answerable"]]
    if not answerable or not unanswerable:
        raise SystemExit("Scoring refusals needs both answerable and unanswerable questions.")
    rows = []
    for name, answers in RULES.items():
        refused = sum(not answers(r) for r in unanswerable)
        wrongful = sum(not answers(r) for r in answerable)
        balanced = (refused / len(unanswerable) + 1 - wrongful / len(answerable)) / 2
        rows.append([name, f"{refused}/{len(unanswerable)}", f"{wrongful}/{len(answerable)}", balanced])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path, nargs="?", help="QA JSON Lines file")
    parser.add_argument("--index", type=Path)
    parser.add_argument("--records", type=Path, help="a results file of this script: re-score it")
    args = parser.parse_args()
    if args.records:
        stored = json.loads(args.records.read_text(encoding="utf-8"))
        records, run = stored["records"], stored["machine"]
    else:
        records, run = signals(args.questions, args.index), machine()
    rows = score(records)
    print(
        table(
            ["rule (answer when …)", "unanswerable refused", "answerable refused", "balanced accuracy"], rows
        )
    )
    if not args.records:
        write_results("refusal_signals", {"machine": run, "k": K, "rules": rows, "records": records})


if __name__ == "__main__":
    main()
