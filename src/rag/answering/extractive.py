"""The no-model answerer: quotes the retrieved sentences that best answer the question.

It cannot invent anything: every sentence it returns is copied from a passage and followed by that
passage's number. It reuses the embedding model to score sentences against the question, then
makes the quotes read like an answer: an enumeration is quoted whole and in order ("Allereerst …
Ten tweede … Ten derde …") with the sentence that announces it, a sentence that continues the
chosen one ("Zij kon zelfs …", "Daarvoor in ruil …") comes along, and no sentence is quoted twice
(overlapping passages repeat sentences).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from rag.answering.base import Draft
from rag.chunking import normalize_whitespace, split_sentences
from rag.embedding import Embedder
from rag.language import detect_language
from rag.types import Document, Hit, Language

_MIN_SENTENCE_CHARS = 25  # shorter "sentences" are headings or fragments, not answers …
# … except a short sentence of three words or more that states a figure: "Het budget is € 12.000."
_STATES_A_FIGURE = re.compile(r"^(?=.*\d)\S+(?:\s+\S+){2,}[.!?]$")
_MAX_SENTENCES = 4  # best-scoring sentences chosen, before enumerations and continuations
_MAX_QUOTED = 8  # sentences in the whole answer
_MARGIN = 0.1  # keep sentences scoring within this of the best one
# Only passages whose similarity to the question is this close to the best passage's are read:
# the answer is rarely in the others, and each of their sentences costs a model run
# (benchmarks/README.md, "Extractive answers": a third of the sentences, the same facts stated).
_PASSAGE_GAP = 0.05
# Sentence vectors kept per answerer (one per chat session): a follow-up, "answer anyway" or
# "search as typed" mostly meets the same passages again. 1,024 vectors are 3 MB.
_CACHED_VECTORS = 1024

# A list item as written (a bullet or a number), which the answer keeps on a line of its own.
_BULLET = re.compile(r"^(?:[-*•▪–]|\d{1,2}[.)])\s")
# An item of an enumeration: an ordinal opening or a list bullet.
_ITEM = re.compile(
    r"^(?:(?:allereerst|ten (?:eerste|tweede|derde|vierde|vijfde|slotte)|tot slot|"
    r"first(?:ly)?|second(?:ly)?|third(?:ly)?|fourth(?:ly)?|finally)\b|"
    + _BULLET.pattern.removeprefix("^")
    + ")",
    re.I,
)
# A short line that announces what follows ("Registratie kost:"): quoted with its items.
_LEAD_IN = re.compile(r"^\w.{2,}:$")
# A sentence that leans on the one before it: a pronoun or a linking adverb at its start.
_CONTINUES = re.compile(
    r"^(zij|hij|ze|het|dit|dat|deze|die|daar\w*|hier\w*|zo|daarom|daardoor|bovendien|ook|"
    r"she|he|they|it|this|that|these|there\w*|so|thus|also)\b",
    re.I,
)

# A "Label: value" line, as in a form's header ("Jaar van deelname: 2016") or a FAQ's metadata
# ("Onderwerp: …", "Bron: …"): the label is a capitalised name of at most four words.
_FIELD = re.compile(r"^[A-ZÀ-Ý][\w’'-]*(?: [\w’'-]+){0,3}:\s+\S")
# Fields about the page rather than its subject: a FAQ's "Bron: https://…", "Onderwerp: …",
# "Laatst gewijzigd: 2025-10-14" would be quoted as if they answered "vanaf wanneer …?".
_METADATA = re.compile(
    r"^(bron|source|url|link|onderwerp|subject|trefwoorden|tags|categorie|category|"
    r"laatst gewijzigd|last modified|bijgewerkt|updated):",
    re.I,
)

NOTICE = {
    "nl": "Extractief antwoord: letterlijke zinnen uit de bronnen. Met een taalmodel (Ollama, een "
    "GGUF-bestand of een OpenAI-compatibele server; zie de README) schrijft de assistent zelf een antwoord.",
    "en": "Extractive answer: sentences quoted from the sources. With a language model (Ollama, a GGUF "
    "file or an OpenAI-compatible server; see the README) the assistant writes an answer of its own.",
}
QUOTES_IN_DUTCH = "The quotes are in Dutch, the language of the documents."


@dataclass(frozen=True)
class Sentence:
    n: int  # number of the passage it is quoted from
    position: int  # its place among that passage's sentences
    text: str
    title: str


class ExtractiveAnswerer:
    """Selects sentences; `name`/`model` are shown with every answer like an LLM backend's."""

    name = "extractive"
    writes_answers = True

    def __init__(
        self,
        embedder: Embedder,
        documents: Mapping[str, Document],
        max_sentences: int = _MAX_SENTENCES,
        passage_gap: float = _PASSAGE_GAP,
    ) -> None:
        self.embedder = embedder
        self.documents = documents
        self.model = embedder.model_id
        self.max_sentences = max_sentences
        self.passage_gap = passage_gap
        self._vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()

    def draft(self, question: str, passages: list[Hit], language: Language) -> Draft:
        notice = NOTICE[language]
        if language == "en" and passages and detect_language(passages[0].chunk.text) == "nl":
            notice += " " + QUOTES_IN_DUTCH
        return Draft(passages, self._quotes_for(question, passages), notice=notice)

    def candidates(self, passages: list[Hit]) -> list[Sentence]:
        """Every sentence long enough to answer of the passages close to the best one, each text
        once (first passage); a field ("Leeftijd: 36") or a figure ("De termijn is 6 weken.") is
        short but says something."""
        seen: set[str] = set()
        found = []
        for n, hit in _close_to_best(passages, self.passage_gap):
            for position, text in enumerate(self._sentences(hit)):
                says_something = (
                    len(text) >= _MIN_SENTENCE_CHARS
                    or _FIELD.match(text)
                    or _LEAD_IN.match(text)
                    or _STATES_A_FIGURE.match(text)
                )
                if says_something and text not in seen:
                    seen.add(text)
                    found.append(Sentence(n, position, text, hit.chunk.title))
        return found

    def _quotes_for(self, question: str, passages: list[Hit]) -> Iterator[str]:
        """Yield `sentence [n]` pieces in passage order."""
        candidates = self.candidates(passages)
        if not candidates:
            return
        query = self.embedder.encode_queries([question])[0]
        scores = self._sentence_vectors(candidates) @ query
        places = {(s.n, s.position) for s in candidates}
        for index, sentence in enumerate(candidates):
            if sentence.text.endswith(":") and (sentence.n, sentence.position + 1) not in places:
                scores[index] = -np.inf  # "… bestaat uit:" says nothing without its (too short) items
        best = float(np.max(scores))
        if not np.isfinite(best):
            return
        chosen = {
            (candidates[i].n, candidates[i].position)
            for i in np.argsort(-scores)[: self.max_sentences]
            if scores[i] >= best - _MARGIN
        }
        quoted = sorted(_completed(chosen, candidates))[:_MAX_QUOTED]
        by_place = {(s.n, s.position): s for s in candidates}
        previous = ""
        for place in quoted:
            text = by_place[place].text
            yield f"{_separator(previous, text)}{text} [{place[0]}]"
            previous = text

    def _sentence_vectors(self, sentences: list[Sentence]) -> np.ndarray:
        """Document vectors of the sentences, embedding only those not seen recently."""
        keys = [(s.title, s.text) for s in sentences]
        missing = [key for key in dict.fromkeys(keys) if key not in self._vectors]
        if missing:
            self._vectors.update(zip(missing, self.embedder.encode_documents(missing), strict=True))
        rows = []
        for key in keys:
            self._vectors.move_to_end(key)
            rows.append(self._vectors[key])
        while len(self._vectors) > _CACHED_VECTORS:
            self._vectors.popitem(last=False)
        return np.stack(rows)

    def _sentences(self, hit: Hit) -> list[str]:
        """Sentences of the passage, split on the original text so headings stay apart (and out)
        and a block of "Label: value" lines gives one sentence per field."""
        chunk = hit.chunk
        document = self.documents.get(chunk.doc)
        if document is None:
            return [normalize_whitespace(chunk.text[a:b]) for a, b in split_sentences(chunk.text)]
        passage = document.text[chunk.start : chunk.end]
        sentences = [
            normalize_whitespace(passage[a:b]) for a, b in _field_lines(passage, split_sentences(passage))
        ]
        # "" keeps the positions. A heading names a topic (asked "Wat staat er over <heading>?",
        # the heading itself would be the answer); a page's metadata is not what the page says.
        headings = set(chunk.headings)
        return [
            "" if text in headings or text.startswith("#") or _METADATA.match(text) else text
            for text in sentences
        ]


def _close_to_best(passages: list[Hit], gap: float) -> list[tuple[int, Hit]]:
    """(number, passage) of the first passage, of those found by their words alone (no
    similarity: a name or number matched) and of those within `gap` of the most similar one."""
    similarities = [hit.dense_score for hit in passages if hit.dense_score is not None]
    floor = max(similarities, default=0.0) - gap
    return [
        (n, hit)
        for n, hit in enumerate(passages, start=1)
        if n == 1 or hit.dense_score is None or hit.dense_score >= floor
    ]


def _field_lines(text: str, spans: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """The spans, with a block of mostly "Label: value" lines split into its lines. Without a full
    stop such a block — a form's header, a FAQ's "Onderwerp: … Bron: …", a price list — reads as
    one sentence ("Jaar van deelname: 2016 Leeftijd: 36 …"); a field on its own line is quotable
    ("Leeftijd: 36" answers "How old was she?")."""
    for start, end in spans:
        lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]*\S[^\n]*", text[start:end])]
        fields = sum(bool(_FIELD.match(text[start + a : start + b].strip())) for a, b in lines)
        if len(lines) < 2 or 2 * fields <= len(lines):
            yield start, end
            continue
        for a, b in lines:
            line = text[start + a : start + b]
            yield start + a + len(line) - len(line.lstrip()), start + a + len(line.rstrip())


def _completed(chosen: set[tuple[int, int]], candidates: list[Sentence]) -> set[tuple[int, int]]:
    """The chosen sentences plus the rest of their enumeration (with its announcing sentence) and
    the sentence that continues each of them."""
    by_place = {(s.n, s.position): s for s in candidates}
    completed = set(chosen)
    for n, position in chosen:
        if _ITEM.match(by_place[(n, position)].text):
            completed |= _enumeration(by_place, n, position)
        elif _announces(by_place, n, position):
            completed |= _enumeration(by_place, n, position + 1)
    for n, position in sorted(completed):
        while (following := by_place.get((n, position + 1))) and _continues(following.text):
            position += 1  # "Zij kon zelfs …", then "Daarvoor in ruil …"
            completed.add((n, position))
    # "… bestaat uit:" without what follows it says nothing (its items may be too short to quote).
    return {
        (n, p) for n, p in completed if not by_place[(n, p)].text.endswith(":") or (n, p + 1) in completed
    }


def _separator(previous: str, text: str) -> str:
    """What goes before a quote: list items stay one per line, as a list apart from the sentences
    around them ("Kosten: [1] - € 450 [1] - € 225" ran together); sentences follow on."""
    if not previous:
        return ""
    item, after_item = bool(_BULLET.match(text)), bool(_BULLET.match(previous))
    if item and after_item:
        return "\n"
    return "\n\n" if item or after_item else " "


def _continues(text: str) -> bool:
    return bool(_CONTINUES.match(text)) and not _ITEM.match(text)


def _announces(by_place: Mapping[tuple[int, int], Sentence], n: int, position: int) -> bool:
    """Whether a list follows, directly or after a short lead-in of its own ("Kosten registratie
    politieke partij", then "Registratie kost:", then the amounts)."""
    following = by_place.get((n, position + 1))
    if following is not None and _LEAD_IN.match(following.text):
        return _announces(by_place, n, position + 1)
    return following is not None and bool(_ITEM.match(following.text))


def _enumeration(by_place: Mapping[tuple[int, int], Sentence], n: int, position: int) -> set[tuple[int, int]]:
    """The run of items around the item at `position` in passage `n`, and the sentence that
    announces it (the one just before the first item)."""
    first = last = position
    while (n, first - 1) in by_place and _ITEM.match(by_place[(n, first - 1)].text):
        first -= 1
    while (n, last + 1) in by_place and _ITEM.match(by_place[(n, last + 1)].text):
        last += 1
    lead_in = {(n, first - 1)} if (n, first - 1) in by_place else set()
    return {(n, p) for p in range(first, last + 1)} | lead_in
