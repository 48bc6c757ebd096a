"""Measure retrieval and answers on a question set, so quality is a number and not a feeling.

Two formats: the product's QA lines (`question`, `gold` substring of the relevant passage or null,
optional `doc`, `answerable`, `lang`, `fact` — a short substring of the gold a correct answer
states — and `split`: tune, or a check split that is only reported) and the BEIR layout
(`corpus.jsonl`, `queries*.jsonl`, `qrels*.tsv`), whose passages are written out as one Markdown
file each so they go through the product's real loading, chunking and indexing.
"""

from __future__ import annotations

import csv
import json
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from rag.chunking import normalize_whitespace
from rag.config import RetrievalMode, Settings
from rag.errors import ConfigError
from rag.language import detect_language
from rag.loaders import discover
from rag.pipeline import Assistant
from rag.retrieval.retriever import Retriever
from rag.types import Hit

MODES: tuple[RetrievalMode, ...] = ("bm25", "dense", "hybrid")
MRR_DEPTH = 10
# Each evaluation set gets its own staged corpus and index here, updated incrementally between runs.
EVAL_CACHE = Path(".cache/eval")


@dataclass(frozen=True)
class Case:
    """One question and how to recognise a relevant passage for it."""

    question: str
    answerable: bool
    gold: str | None = None  # QA format: whitespace-folded substring of a relevant passage
    relevant_docs: frozenset[str] = frozenset()  # BEIR format: relevant passage ids (file stems)
    fact: str | None = None  # what a correct answer states, verbatim from the gold
    language: str = "nl"
    split: str = "tune"  # "tune": may be tuned on; "check", "check2": only reported

    def is_relevant(self, hit: Hit) -> bool:
        if self.gold is not None:
            return self.gold in normalize_whitespace(hit.chunk.text)
        return Path(hit.chunk.doc).stem in self.relevant_docs


@dataclass
class RetrievalScores:
    recall_at_1: float
    recall_at_k: float
    mrr_at_10: float
    k: int
    questions: int


OUTCOMES = ("answered", "weak", "refused")


@dataclass
class AnswerScores:
    backend: str
    model: str
    # "nl answerable" / "en unanswerable" / "all answerable" ... -> outcome -> questions
    outcomes: dict[str, dict[str, int]]
    gold_shown: float | None  # answerable questions whose shown passages hold the gold passage
    fact_in_answer: float | None  # answered questions (with a `fact`) whose text states it
    supported_citations: float | None  # share of citations the checker found backed
    first_token_p50: float | None  # seconds
    total_p50: float
    total_p95: float


def read_qa(path: Path) -> list[Case]:
    """Cases from a QA JSON Lines file; a malformed line is reported with its number."""
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            gold, fact = item.get("gold"), item.get("fact")
            cases.append(
                Case(
                    question=item["question"],
                    answerable=bool(item.get("answerable", gold is not None)),
                    gold=normalize_whitespace(gold) if gold else None,
                    fact=normalize_whitespace(fact) if fact else None,
                    language=item.get("lang") or detect_language(item["question"]),
                    split=item.get("split", "tune"),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise ConfigError(
                f'{path}, line {number}: expected a JSON object with at least "question" '
                f"({type(error).__name__}: {error})"
            ) from None
    return cases


def is_beir(path: Path) -> bool:
    return path.is_dir() and (path / "corpus.jsonl").exists()


def read_cases(path: Path, split: str | None = None) -> list[Case]:
    """Cases from a BEIR folder or a QA JSON Lines file; only those of `split` when given."""
    cases = read_beir(path) if is_beir(path) else read_qa(path)
    if split is None:
        return cases
    chosen = [case for case in cases if case.split == split]
    if not chosen:
        splits = ", ".join(sorted({case.split for case in cases if case.split})) or "none"
        raise ConfigError(f"{path} has no questions in split {split!r}; its splits: {splits}.")
    return chosen


def staged_settings(
    path: Path, corpora: list[Path] | None, settings: Settings, cache: Path = EVAL_CACHE
) -> Settings:
    """Settings to evaluate `path` with: a BEIR folder's passages, or the `corpora` folders, staged
    as one corpus under `cache` with an index of its own. Without either, the configured index."""
    name = path.name if is_beir(path) else path.stem
    staged = cache / name / "corpus"
    if is_beir(path):
        write_beir_corpus(path, staged)
    elif corpora:
        stage_corpus(corpora, staged)
    else:
        return settings
    return settings.model_copy(update={"corpus_dir": staged, "index_dir": cache / name / "index"})


def read_beir(folder: Path, split: str = "dev") -> list[Case]:
    """Cases from a BEIR folder: queries with at least one relevant passage in the qrels."""
    qrels: dict[str, set[str]] = {}
    with open(_one(folder, f"qrels-{split}.tsv", "qrels*.tsv"), encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if int(row["score"]) > 0:
                qrels.setdefault(row["query-id"], set()).add(row["corpus-id"])
    cases = []
    with open(_one(folder, f"queries-{split}.jsonl", "queries*.jsonl"), encoding="utf-8") as lines:
        for line in lines:
            query = json.loads(line)
            if query["_id"] in qrels:
                cases.append(Case(query["text"], True, relevant_docs=frozenset(qrels[query["_id"]])))
    return cases


def write_beir_corpus(folder: Path, target: Path) -> None:
    """Each passage as `<_id>.md` (`# title` + text): the title is part of what is indexed."""
    target.mkdir(parents=True, exist_ok=True)
    with open(folder / "corpus.jsonl", encoding="utf-8") as lines:
        for line in lines:
            passage = json.loads(line)
            content = f"# {passage.get('title') or ''}\n\n{passage['text']}\n"
            path = target / f"{passage['_id']}.md"
            if not path.exists() or path.read_text(encoding="utf-8") != content:
                path.write_text(content, encoding="utf-8")


def stage_corpus(folders: list[Path], target: Path) -> None:
    """Link the files of several corpus folders into one, so one index covers them all."""
    target.mkdir(parents=True, exist_ok=True)
    wanted = {}
    for folder in folders:
        if not folder.is_dir():
            raise ConfigError(f"Corpus folder {folder} does not exist.")
        for path in discover(folder):
            wanted[path.relative_to(folder).as_posix()] = path.resolve()
    for existing in target.rglob("*"):
        if existing.is_symlink() and existing.relative_to(target).as_posix() not in wanted:
            existing.unlink()
    for relative, source in wanted.items():
        link = target / relative
        if link.is_symlink() and link.resolve() == source:
            continue
        link.parent.mkdir(parents=True, exist_ok=True)
        link.unlink(missing_ok=True)
        link.symlink_to(source)


def _one(folder: Path, preferred: str, pattern: str) -> Path:
    if (folder / preferred).exists():
        return folder / preferred
    found = sorted(folder.glob(pattern))
    if not found:
        raise ConfigError(f"{folder} has no {pattern} file: is it a BEIR folder?")
    return found[0]


def first_relevant_rank(case: Case, hits: list[Hit]) -> int | None:
    return next((rank for rank, hit in enumerate(hits, start=1) if case.is_relevant(hit)), None)


def score_ranks(ranks: list[int | None], k: int) -> RetrievalScores:
    """recall@1, recall@k and MRR@10 from the rank of the first relevant passage per question."""
    n = len(ranks) or 1
    return RetrievalScores(
        recall_at_1=sum(r == 1 for r in ranks) / n,
        recall_at_k=sum(r is not None and r <= k for r in ranks) / n,
        mrr_at_10=sum(1 / r for r in ranks if r is not None and r <= MRR_DEPTH) / n,
        k=k,
        questions=len(ranks),
    )


def evaluate_retrieval(
    retriever: Retriever, cases: list[Case], k: int, modes: Iterable[RetrievalMode] = MODES
) -> dict[str, RetrievalScores]:
    """Scores per retrieval mode over the answerable cases."""
    answerable = [c for c in cases if c.answerable]
    depth = max(k, MRR_DEPTH)
    results: dict[str, RetrievalScores] = {}
    for mode in modes:
        ranks = [
            first_relevant_rank(case, retriever.search(case.question, k=depth, mode=mode))
            for case in tqdm(answerable, desc=f"retrieval {mode}", unit=" q", leave=False)
        ]
        results[mode] = score_ranks(ranks, k)
    return results


def evaluate_answers(assistant: Assistant, cases: list[Case], k: int) -> AnswerScores:
    """Outcomes (answered / weak / refused) per language, what the user is shown, and latency."""
    outcomes: dict[str, dict[str, int]] = {}
    shown: list[bool] = []
    stated: list[bool] = []
    citations = supported = 0
    first_tokens: list[float] = []
    totals: list[float] = []
    for case in tqdm(cases, desc=f"answers {assistant.answerer.name}", unit=" q", leave=False):
        answer = assistant.ask(case.question, k=k)
        outcome = "refused" if answer.refused else "weak" if answer.confidence == "weak" else "answered"
        kind = "answerable" if case.answerable else "unanswerable"
        for language in (case.language, "all"):
            row = outcomes.setdefault(f"{language} {kind}", dict.fromkeys(OUTCOMES, 0))
            row[outcome] += 1
        if case.answerable and case.gold is not None:
            shown.append(any(case.is_relevant(hit) for hit in answer.passages))
        if case.answerable and case.fact and not answer.refused:
            stated.append(case.fact.lower() in normalize_whitespace(answer.text).lower())
        citations += len(answer.citations)
        supported += sum(c.supported for c in answer.citations)
        totals.append(answer.timings["total"])
        if "first_token" in answer.timings:
            first_tokens.append(answer.timings["first_token"])
    return AnswerScores(
        backend=assistant.answerer.name,
        model=assistant.answerer.model,
        outcomes=outcomes,
        gold_shown=_share(sum(shown), len(shown)),
        fact_in_answer=_share(sum(stated), len(stated)),
        supported_citations=_share(supported, citations),
        first_token_p50=statistics.median(first_tokens) if first_tokens else None,
        total_p50=statistics.median(totals),
        total_p95=_percentile(totals, 95),
    )


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _percentile(values: list[float], percent: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]
