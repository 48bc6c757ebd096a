"""Answerability: which signals tell an answerable question from an unanswerable one, measured on a
tuning split and reported on a check split that was written before tuning and never tuned on.

    .venv/bin/python benchmarks/answerability.py signals
    .venv/bin/python benchmarks/answerability.py fit
    .venv/bin/python benchmarks/answerability.py floor

`signals` answers nothing: per question of `eval/dev.jsonl` (tuning), `eval/answerability.jsonl`
(splits tune and check) and `eval/answerability_check2.jsonl` (split check2, written afterwards by
someone who never saw the signals) it retrieves the top 5 passages like the product and records
the product's signals (`rag.answerability.signals`) plus candidate signals the product does not
use: the best single sentence of the top passages, EmbeddingGemma's question-answering prompt, and
the lexical specificity of the question's words. Run `rag eval eval/answerability.jsonl --corpus
corpus --corpus ../shared/dutch-open-corpus` first: it builds the index (corpus/ + the open
corpus) this script reads.

`fit` fits logistic models over sets of signals on every question outside the check split
(`--check-split`, default check2; the first check split became tuning data once it had been looked
at), picks the two thresholds per model on the same questions (answerable refused <= 2 %, then the
fewest unanswerable questions labelled confident), and prints every candidate's outcome on both.

`floor` reads where the off-topic floor can sit: per split, and for questions in the language of
their best passage and in another, the lowest similarity of an answerable question and the
similarities of the off-topic ones, with what the product's floors (RAG_OFF_TOPIC_BELOW,
RAG_OFF_TOPIC_OTHER_LANGUAGE_BELOW) refuse of them.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from _common import REPO, RESULTS, machine, settings, table, write_results

QUESTION_SETS = (
    REPO / "eval" / "dev.jsonl",
    REPO / "eval" / "answerability.jsonl",
    REPO / "eval" / "answerability_check2.jsonl",
)
RECORDS = RESULTS / "answerability_signals.json"
QA_PROMPT = "task: question answering | query: "
K = 5
# The product's signals, in the product model's order; each candidate adds to them.
PRODUCT = [
    "similarity",
    "above_background",
    "term_coverage",
    "name_coverage",
    "expected_kind_found",
    "english",
]
CANDIDATES = {
    "similarity only (the old gate)": ["similarity"],
    "similarity + above background": ["similarity", "above_background"],
    "product signals": PRODUCT,
    "product signals + sentence": [*PRODUCT, "sentence"],
    "product signals + QA prompt": [*PRODUCT, "qa_similarity"],
    "product signals + lexical specificity": [*PRODUCT, "unknown_terms", "missing_specific"],
    "all": [
        *PRODUCT,
        "sentence",
        "qa_similarity",
        "qa_above_background",
        "unknown_terms",
        "missing_specific",
    ],
}


def collect(index_dir: Path, model_signals: bool = True) -> list[dict[str, Any]]:
    """Signals per question; without `model_signals` only the cheap ones (no sentence or QA-prompt
    embeddings, which cost seconds per question)."""
    from sentence_transformers import SentenceTransformer

    from rag.answerability import BACKGROUND, signals
    from rag.answering import ExtractiveAnswerer
    from rag.embedding import load_embedder
    from rag.language import detect_language
    from rag.model_files import resolve_model_path
    from rag.retrieval.retriever import Retriever
    from rag.terms import searchable_text, tokenize

    config = settings(index_dir=index_dir)
    embedder = load_embedder(config)
    retriever = Retriever.open(config, embedder)
    answerer = ExtractiveAnswerer(embedder, retriever.index.documents)
    qa_model = (
        SentenceTransformer(resolve_model_path(config), local_files_only=True) if model_signals else None
    )
    frequencies = Counter(
        t for chunk in retriever.index.chunks for t in set(tokenize(searchable_text(chunk)))
    )
    records = []
    for path in QUESTION_SETS:
        for line in path.read_text("utf-8").splitlines():
            item = json.loads(line)
            question = item["question"]
            hits = retriever.search(question, k=K)
            background = [score for _, score in retriever.dense(question, BACKGROUND)]
            record = signals(question, hits, background, detect_language(question))
            record.update(lexical_specificity(question, hits, frequencies, len(retriever.index.chunks)))
            if qa_model is not None:
                sentences = [(s.title, s.text) for s in answerer.candidates(hits[:3])]
                query = embedder.encode_queries([question])[0]
                record["sentence"] = (
                    float(np.max(embedder.encode_documents(sentences) @ query)) if sentences else 0.0
                )
                qa = qa_model.encode([QA_PROMPT + question], normalize_embeddings=True)[0]
                qa_scores = np.sort(retriever.index.vectors.matrix() @ qa)[::-1]
                record["qa_similarity"] = float(qa_scores[0])
                record["qa_above_background"] = float(qa_scores[0] - qa_scores[BACKGROUND - 1])
            gold = " ".join(item["gold"].split()) if item.get("gold") else None
            record.update(
                question=question,
                answerable=_answerable(item),
                language=item.get("lang") or detect_language(question),
                split=item.get("split", "tune"),
                kind=item.get("kind", "dev"),
                set=path.name,
                gold_shown=bool(gold) and any(gold in " ".join(h.chunk.text.split()) for h in hits),
            )
            records.append(record)
            print(
                f"{len(records):4d} {record['split']:5} {record['answerable']!s:5} {question[:70]}",
                flush=True,
            )
    return records


def _answerable(item: dict[str, Any]) -> bool:
    return bool(item.get("answerable", bool(item.get("gold"))))


def lexical_specificity(
    question: str, hits: list[Any], frequencies: Counter[str], size: int
) -> dict[str, float]:
    """Words of the question the corpus never uses, and how specific the most specific question word
    missing from the top 3 passages is (its IDF over the index, scaled to 0..1): a near miss often
    asks for one particular thing ("salaris", "rente") the passages on its topic do not mention."""
    from rag.terms import searchable_text, tokenize

    asked = set(tokenize(question))
    evidence = {t for h in hits[:3] for t in tokenize(searchable_text(h.chunk))}
    unknown = sum(frequencies[t] == 0 for t in asked) / len(asked) if asked else 0.0
    missing = [math.log(size / (frequencies[t] + 1)) / math.log(size) for t in asked - evidence]
    return {"unknown_terms": unknown, "missing_specific": max(missing, default=0.0)}


def fit(records: list[dict[str, Any]], check_split: str) -> dict[str, Any]:
    """Every candidate fitted on all questions outside `check_split`, reported on both."""
    from sklearn.linear_model import LogisticRegression

    tune = [r for r in records if r["split"] != check_split]
    check = [r for r in records if r["split"] == check_split]
    report: dict[str, Any] = {}
    for name, features in CANDIDATES.items():
        if any(feature not in tune[0] for feature in features):
            continue  # signals collected with --product-only
        x = np.array([[r[f] for f in features] for r in tune])
        y = np.array([r["answerable"] for r in tune])
        model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000).fit(x, y)
        scores = {
            split: model.predict_proba(np.array([[r[f] for f in features] for r in rows]))[:, 1]
            for split, rows in (("tune", tune), ("check", check))
        }
        refuse_below, confident_above = thresholds(scores["tune"], y)
        report[name] = {
            "features": features,
            "bias": float(model.intercept_[0]),
            "weights": dict(zip(features, map(float, model.coef_[0]), strict=True)),
            "refuse_below": refuse_below,
            "confident_above": confident_above,
            "tune": outcomes(tune, scores["tune"], refuse_below, confident_above),
            "check": outcomes(check, scores["check"], refuse_below, confident_above),
        }
    return report


def thresholds(scores: np.ndarray, answerable: np.ndarray) -> tuple[float, float]:
    """Refuse below the score that keeps >= 98 % of answerable questions; be confident above the
    score that lets the fewest unanswerable through while labelling <= 25 % of answerable weak."""
    ordered = np.sort(scores[answerable])
    refuse_below = float(ordered[int(np.floor(0.02 * len(ordered)))])
    best = (1.0, 1.0)  # (unanswerable confident, threshold)
    for threshold in np.unique(scores):
        weak = np.mean(scores[answerable] < threshold)
        leaked = np.mean(scores[~answerable] >= threshold)
        if weak <= 0.25 and leaked < best[0]:
            best = (leaked, float(threshold))
    return refuse_below, max(best[1], refuse_below)


def outcomes(
    rows: list[dict[str, Any]], scores: np.ndarray, refuse_below: float, confident_above: float
) -> dict:
    table_: dict[str, Any] = {}
    for language in ("nl", "en", "all"):
        for answerable in (True, False):
            picked = [
                s
                for r, s in zip(rows, scores, strict=True)
                if r["answerable"] == answerable and language in (r["language"], "all")
            ]
            key = f"{language} {'answerable' if answerable else 'unanswerable'}"
            table_[key] = {
                "n": len(picked),
                "answered": sum(s >= confident_above for s in picked),
                "weak": sum(refuse_below <= s < confident_above for s in picked),
                "refused": sum(s < refuse_below for s in picked),
            }
    return table_


def floor(index_dir: Path) -> dict[str, Any]:
    """Best passage similarities per split and language pair, with what the floors refuse."""
    from rag.answerability import Thresholds, shares_language
    from rag.embedding import load_embedder
    from rag.language import detect_language
    from rag.retrieval.retriever import Retriever

    config = settings(index_dir=index_dir)
    retriever = Retriever.open(config, load_embedder(config))
    thresholds = Thresholds.from_settings(config)
    groups: dict[str, dict[str, Any]] = {}
    for path in QUESTION_SETS:
        for line in path.read_text("utf-8").splitlines():
            item = json.loads(line)
            question = item["question"]
            hits = retriever.search(question, k=K)
            same = shares_language(item.get("lang") or detect_language(question), hits)
            pair = "same language" if same else "other language"
            group = groups.setdefault(
                f"{item.get('split', 'tune')} · {pair}",
                {"floor": thresholds.off_topic_floor(same), "answerable": [], "off-topic": []},
            )
            kind = "answerable" if _answerable(item) else item.get("kind", "dev")
            if kind in ("answerable", "off-topic"):
                best = max(h.dense_score or 0.0 for h in hits)
                group[kind].append(round(float(best), 3))
    return groups


def print_floor(groups: dict[str, Any]) -> None:
    rows = []
    for name, group in sorted(groups.items()):
        answerable, off_topic, bar = group["answerable"], group["off-topic"], group["floor"]
        rows.append(
            [
                name,
                f"{bar:.2f}",
                f"{min(answerable):.3f}" if answerable else "–",
                f"{sum(s < bar for s in answerable)}/{len(answerable)}",
                " ".join(f"{s:.2f}" for s in sorted(off_topic)) or "–",
                f"{sum(s < bar for s in off_topic)}/{len(off_topic)}",
            ]
        )
    headers = [
        "split · question vs passage",
        "floor",
        "lowest answerable",
        "answerable under it",
        "off-topic similarities",
        "off-topic under it",
    ]
    print(table(headers, rows))


def print_report(report: dict[str, Any]) -> None:
    rows = []
    for name, result in report.items():
        for split in ("tune", "check"):
            a, u = result[split]["all answerable"], result[split]["all unanswerable"]
            rows.append(
                [
                    name,
                    split,
                    f"{a['refused']}/{a['n']}",
                    f"{a['weak']}/{a['n']}",
                    f"{u['refused'] + u['weak']}/{u['n']}",
                    f"{u['answered']}/{u['n']}",
                ]
            )
    headers = [
        "signals",
        "split",
        "answerable refused",
        "answerable weak",
        "unanswerable weak+refused",
        "unanswerable confident",
    ]
    print(table(headers, rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    collect_parser = commands.add_parser("signals")
    collect_parser.add_argument("--index", type=Path, default=REPO / ".cache/eval/answerability/index")
    collect_parser.add_argument(
        "--product-only", action="store_true", help="skip the sentence and QA-prompt signals (seconds each)"
    )
    floor_parser = commands.add_parser("floor")
    floor_parser.add_argument("--index", type=Path, default=REPO / ".cache/eval/answerability/index")
    fit_parser = commands.add_parser("fit")
    fit_parser.add_argument(
        "--check-split",
        default="check2",
        help="the split reported as the check; all others are tuned on",
    )
    args = parser.parse_args()
    if args.command == "signals":
        records = collect(args.index, model_signals=not args.product_only)
        write_results("answerability_signals", {"machine": machine(), "records": records})
        return
    if args.command == "floor":
        groups = floor(args.index)
        print_floor(groups)
        print(f"\nresults: {write_results('answerability_floor', {'machine': machine(), 'groups': groups})}")
        return
    records = json.loads(RECORDS.read_text("utf-8"))["records"]
    report = fit(records, args.check_split)
    print_report(report)
    print(f"\nresults: {write_results('answerability_fit', {'machine': machine(), 'candidates': report})}")


if __name__ == "__main__":
    sys.exit(main())
