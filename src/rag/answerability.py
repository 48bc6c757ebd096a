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
A similarity floor refuses clearly off-topic questions first; it is lower for a question in another
language than its best passage, because cross-language similarities run lower (an English question
over Dutch text scores about 0.1 below its Dutch twin).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from rag.language import detect_language
from rag.terms import tokenize
from rag.types import Hit, Language

if TYPE_CHECKING:
    from rag.config import Settings

Outcome = Literal["answered", "weak", "refused"]
BACKGROUND = 50  # the question's similarity to the corpus is read from its 50 nearest passages
EVIDENCE = 3  # the best passages whose words are checked against the question

# What a question asks for, and how an answer of that kind looks in a passage. A near-miss
# question ("Wat kost een uittreksel?") retrieves the right topic without the amount it asks for.
_ASKS = {
    "money": re.compile(
        r"\b(kost(en|te)?|hoe\s+duur|bedrag|prijs|tarief|costs?|price|fee|how\s+much\s+(does|do|is|are))\b",
        re.I,
    ),
    "number": re.compile(
        r"\b(hoeveel|hoe\s+(vaak|lang|oud|groot|hoog)|aantal|percentage|"
        r"how\s+(many|often|long|old|big|high)|number\s+of)\b",
        re.I,
    ),
    "date": re.compile(
        r"\b(wanneer|sinds\s+wanneer|vanaf\s+wanneer|(in\s+)?welk\s+jaar|when|since\s+when|(what|which)\s+year)\b",
        re.I,
    ),
}
_MONEY = re.compile(r"€|\beuro\b|\bEUR\b|\b\d+,\d\d\b|\bgratis\b|\bkosteloos\b|\bfree\b", re.I)
_NUMBER = re.compile(
    r"\b(\d+|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|twintig|honderd|duizend|miljoen|"
    r"two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|million)\b",
    re.I,
)
_DATE = re.compile(
    r"\b(1[89]\d\d|20\d\d)\b|\b\d{1,2}\s+(januari|februari|maart|april|mei|juni|juli|augustus|"
    r"september|oktober|november|december)\b",
    re.I,
)
_FOCUS_SENTENCES = 4  # the sentences sharing most words with the question are where its answer is
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-zà-ÿ]+")


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


# Fitted on the tuning questions by `benchmarks/answerability.py fit` ("product signals", 2026-12-02;
# figures on the check split in benchmarks/README.md). Scores are calibrated probabilities: the
# defaults of RAG_CONFIDENT_ABOVE and RAG_REFUSE_BELOW were picked on the same questions.
MODEL = Model(
    bias=-3.872,
    weights={
        "similarity": 2.657,
        "above_background": 0.268,
        "term_coverage": 0.147,
        "name_coverage": 1.024,
        "expected_kind_found": 1.516,
        "english": 0.535,
    },
)


@dataclass(frozen=True)
class Thresholds:
    """Where the outcomes change (settings RAG_CONFIDENT_ABOVE, RAG_REFUSE_BELOW,
    RAG_OFF_TOPIC_BELOW, RAG_OFF_TOPIC_OTHER_LANGUAGE_BELOW)."""

    confident_above: float  # score from which an answer is confident
    refuse_below: float  # score below which a question is refused
    # Best passage similarity below which a question is refused whatever its score: when the
    # question and that passage share a language, and when they do not.
    off_topic_below: float
    off_topic_other_language_below: float

    @classmethod
    def from_settings(cls, settings: Settings) -> Thresholds:
        return cls(
            settings.confident_above,
            settings.refuse_below,
            settings.off_topic_below,
            settings.off_topic_other_language_below,
        )

    def off_topic_floor(self, same_language: bool) -> float:
        return self.off_topic_below if same_language else self.off_topic_other_language_below


def judge(
    question: str, hits: list[Hit], background: list[float], language: Language, thresholds: Thresholds
) -> Verdict:
    """The outcome for `question` given its passages and its background similarities.

    The similarity floor comes first: the model's other signals say "nothing particular is
    asked" for a vague question ("What is the recipe for apple pie?"), which must not lift a
    passage that is not about the question at all.
    """
    evidence = signals(question, hits, background, language)
    score = MODEL.score(evidence)
    floor = thresholds.off_topic_floor(shares_language(language, hits))
    if evidence["similarity"] < floor or score < thresholds.refuse_below:
        return Verdict("refused", score, evidence)
    return Verdict("answered" if score >= thresholds.confident_above else "weak", score, evidence)


def shares_language(language: Language, hits: list[Hit]) -> bool:
    """Whether the question's language is that of the passage its similarity signal comes from
    (True without passages)."""
    scored = [h for h in hits if h.dense_score is not None] or hits
    if not scored:
        return True
    return detect_language(max(scored, key=lambda h: h.dense_score or 0.0).chunk.text) == language


def _coverage(asked: list[str], found: set[str]) -> float:
    """Share of the distinct asked terms found; 1.0 when nothing specific is asked."""
    distinct = set(asked)
    return len(distinct & found) / len(distinct) if distinct else 1.0


def _names_and_numbers(text: str) -> list[str]:
    """Capitalised words inside a sentence and numbers: what a question names exactly."""
    numbers = re.findall(r"\d+", text)
    return [name.lower() for name in _NAME.findall(text)] + numbers


def _expected_kind_found(question: str, evidence: str) -> float:
    """1.0 when the sentences nearest the question hold the kind of thing it asks for (an amount
    for "wat kost", a number for "hoeveel", a year or date for "wanneer"), or it asks for no
    particular kind; 0.0 when it asks for one and those sentences have none besides its own."""
    kinds = [kind for kind, pattern in _ASKS.items() if pattern.search(question)]
    if "money" in kinds and "number" in kinds:
        kinds.remove("number")  # "hoeveel kost …" asks for an amount
    if not kinds:
        return 1.0
    asked = set(tokenize(question))
    sentences = _SENTENCE_END.split(evidence)
    nearest = sorted(sentences, key=lambda s: -len(asked & set(tokenize(s))))[:_FOCUS_SENTENCES]
    focus = " ".join(nearest)
    own = {m.group(0).lower() for m in _NUMBER.finditer(question)}
    found = {
        "money": bool(_MONEY.search(focus)),
        "number": any(m.group(0).lower() not in own for m in _NUMBER.finditer(focus)),
        "date": any(m.group(0).lower() not in own for m in _DATE.finditer(focus)),
    }
    return 1.0 if all(found[kind] for kind in kinds) else 0.0
