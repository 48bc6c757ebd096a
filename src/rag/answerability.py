"""Do the retrieved passages answer the question? Three outcomes instead of a cosine cut-off.

A single similarity threshold cannot separate answerable from unanswerable questions: narrative
reports and English questions over Dutch text score lower than FAQ text, and a question about a
topic of the corpus whose fact is missing scores as high as an answerable one. So several signals
are combined by a small logistic model, fitted on a tuning split of the evaluation questions and
reported on a check split it never saw (`benchmarks/answerability.py`, `benchmarks/README.md`):

- how far the best passage stands out from the question's background over the whole corpus
  (its similarity, and its distance above the 50th best passage), which is what separates a
  question about the corpus from one about something else;
- whether the words and names of the question occur in the best passages, and whether they hold
  what the question asks for (a number for "hoeveel", a date for "wanneer", a name for "wie").

`answered` (confident), `weak` (answered from the closest passages, labelled "check the sources")
and `refused` (clearly off-topic). `RAG_CONFIDENT_ABOVE` and `RAG_REFUSE_BELOW` move the trade-off.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from rag.retrieval.bm25 import tokenize
from rag.types import Hit, Language

Outcome = Literal["answered", "weak", "refused"]
BACKGROUND = 50  # the question's similarity to the corpus is read from its 50 nearest passages
EVIDENCE = 3  # the best passages whose words are checked against the question

_NUMBER = re.compile(r"\d")
_YEAR_OR_DATE = re.compile(
    r"\b(1[89]\d\d|20\d\d)\b|\b\d{1,2}\s+(jan|feb|maa|apr|mei|jun|jul|aug|sep|okt|nov|dec)", re.I
)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-zà-ÿ]+")
_EXPECTS = {
    "number": re.compile(
        r"\b(hoeveel|hoe\s+(veel|lang|oud|hoog|groot|duur)|wat\s+kost|welk\s+bedrag|how\s+(many|much|long|old|high|big)"
        r"|what\s+does\s+.+\s+cost|percentage|tarief|rate)\b",
        re.I,
    ),
    "date": re.compile(
        r"\b(wanneer|sinds\s+wanneer|welk\s+jaar|in\s+welk\s+jaar|when|since\s+when|what\s+year)\b", re.I
    ),
    "name": re.compile(r"\b(wie|who|whom|welke\s+organisatie|which\s+organi[sz]ation)\b", re.I),
}


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    score: float  # estimated probability that the passages answer the question
    signals: Mapping[str, float]


@dataclass(frozen=True)
class Model:
    """Logistic regression over `signals`: score = sigmoid(bias + sum(weight * signal))."""

    bias: float
    weights: Mapping[str, float]

    def score(self, signals: Mapping[str, float]) -> float:
        z = self.bias + sum(weight * signals[name] for name, weight in self.weights.items())
        return 1.0 / (1.0 + math.exp(-z))


def signals(question: str, hits: list[Hit], background: list[float], language: Language) -> dict[str, float]:
    """The evidence the model weighs; `background` holds the similarities of the question's
    nearest passages in the whole index, best first (see `BACKGROUND`)."""
    similarities = [h.dense_score for h in hits if h.dense_score is not None] or background[:1] or [0.0]
    best = max(similarities)
    floor = background[-1] if background else 0.0
    evidence = " ".join(h.chunk.text for h in hits[:EVIDENCE])
    return {
        "similarity": best,
        "above_background": best - floor,
        "term_coverage": _coverage(tokenize(question), set(tokenize(evidence))),
        "name_coverage": _coverage(_names_and_numbers(question), set(_names_and_numbers(evidence))),
        "expected_kind_found": _expected_kind_found(question, evidence),
        "english": 1.0 if language == "en" else 0.0,
    }


# Fitted on the tuning questions by `benchmarks/answerability.py fit` (figures in benchmarks/README.md).
MODEL = Model(
    bias=-4.0,
    weights={"similarity": 8.0, "above_background": 4.0},
)


def judge(
    question: str,
    hits: list[Hit],
    background: list[float],
    language: Language,
    confident_above: float,
    refuse_below: float,
) -> Verdict:
    """The outcome for `question` given its passages and its background similarities."""
    evidence = signals(question, hits, background, language)
    score = MODEL.score(evidence)
    if score >= confident_above:
        return Verdict("answered", score, evidence)
    return Verdict("weak" if score >= refuse_below else "refused", score, evidence)


def _coverage(asked: list[str], found: set[str]) -> float:
    """Share of the distinct asked terms found; 1.0 when nothing specific is asked."""
    distinct = set(asked)
    return len(distinct & found) / len(distinct) if distinct else 1.0


def _names_and_numbers(text: str) -> list[str]:
    """Capitalised words inside a sentence and numbers: what a question names exactly."""
    numbers = re.findall(r"\d+", text)
    return [name.lower() for name in _NAME.findall(text)] + numbers


def _expected_kind_found(question: str, evidence: str) -> float:
    """1.0 when the passages hold the kind of thing the question asks for (or it asks for no
    particular kind), 0.0 when it asks for a number, date or name and none is there."""
    checks = {"number": _NUMBER, "date": _YEAR_OR_DATE, "name": _NAME}
    kinds = [kind for kind, pattern in _EXPECTS.items() if pattern.search(question)]
    return 1.0 if all(checks[kind].search(evidence) for kind in kinds) else 0.0
