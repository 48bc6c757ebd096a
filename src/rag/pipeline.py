"""Ask a question: rewrite → retrieve → refuse or draft → stream → check citations → `Answer`.

This is the one place that knows the order of the steps; the CLI, the chat and `rag eval` build
an `Assistant` with `Assistant.from_settings` and only call `ask`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from rag.answerability import BACKGROUND, Thresholds, Verdict, judge
from rag.answering import Answerer, answerer_from_settings
from rag.citations import check_citations
from rag.config import RetrievalMode, Settings
from rag.embedding import Embedder
from rag.errors import LLMError, QuestionError
from rag.followup import rewrite_query
from rag.language import detect_language
from rag.llm import LLM, llm_from_settings
from rag.prompting import NOT_FOUND
from rag.retrieval.filters import Where
from rag.retrieval.retriever import Retriever
from rag.types import Answer, Hit, Language, Message

OnToken = Callable[[str], None]
# What the user waits for: searching, then n passages found, then writing the answer.
Stage = Literal["searching", "found", "writing"]
OnStage = Callable[[Stage, int], None]

# What the user is told when an answer needs checking, in the language of the question.
WARNINGS = {
    "nl": {
        "removed": "Verwijzing [{n}] verwijderd: er is geen passage {n}.",
        "uncited": "Dit antwoord verwijst naar geen enkele passage: "
        "controleer het met de passages hieronder.",
        "unsupported": "{n} zin(nen) worden niet gedragen door de passage die ze noemen: controleer ze.",
        "empty": "Het taalmodel {model} gaf een leeg antwoord. Hieronder staan de gevonden passages; "
        "vraag het opnieuw of kies een ander antwoordmodel.",
    },
    "en": {
        "removed": "Removed citation [{n}]: there is no passage {n}.",
        "uncited": "This answer cites no passage: check it against the passages below.",
        "unsupported": "{n} sentence(s) are not backed by the passage they cite: check them.",
        "empty": "The language model {model} returned an empty answer. The passages found are below; "
        "ask again or choose another answer model.",
    },
}


@dataclass
class Assistant:
    """Answers questions from one index with one answerer."""

    settings: Settings
    retriever: Retriever
    answerer: Answerer
    rewriter: LLM | None = None  # rewrites follow-up questions; None: a rule does

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        retriever: Retriever | None = None,
        embedder: Embedder | None = None,
    ) -> Assistant:
        """The assistant the settings describe; `auto` probes for a language model once, here."""
        if retriever is None:
            from rag.embedding import load_embedder

            retriever = Retriever.open(settings, embedder or load_embedder(settings))
        llm = llm_from_settings(settings)
        return cls(settings, retriever, answerer_from_settings(settings, retriever, llm), llm)

    def ask(
        self,
        question: str,
        history: list[Message] | None = None,
        *,
        k: int | None = None,
        mode: RetrievalMode | None = None,
        where: Where | None = None,
        on_token: OnToken | None = None,
        on_stage: OnStage | None = None,
        force: bool = False,
        as_typed: bool = False,
    ) -> Answer:
        """Answer `question`; `on_token` receives the answer text as it is generated.

        A question the passages clearly do not answer is refused, with the closest passages kept
        in `Answer.passages`; `force` answers it anyway from them, labelled weak. A follow-up
        question is searched with its context from `history`, unless `as_typed`. `on_stage` hears
        when each step starts, so the user sees progress before the first token.
        """
        if not question.strip():
            raise QuestionError("The question is empty: type a question about the documents.")
        timings: dict[str, float] = {}
        started = time.perf_counter()
        query = question if as_typed else rewrite_query(question, history or [], self.rewriter)
        timings["rewrite"] = time.perf_counter() - started

        tick = time.perf_counter()
        if on_stage:
            on_stage("searching", 0)
        hits = self.retriever.search(query, k=k, mode=mode, where=where)
        timings["retrieve"] = time.perf_counter() - tick
        if on_stage:
            on_stage("found", len(hits))
        answerer = self.answerer
        language = detect_language(question)
        answer = Answer(
            "",
            False,
            answerer.name,
            answerer.model,
            query,
            question,
            hits,
            language=language,
            timings=timings,
        )
        if not answerer.writes_answers:
            answer.notice = answerer.draft(question, hits, language).notice
            timings["total"] = time.perf_counter() - started
            return answer
        verdict = self._judge(query, hits, language)
        answer.answerability = verdict.score
        if verdict.outcome == "refused" and not force:
            answer.refused = True
            answer.text = NOT_FOUND[language]
            _emit(on_token, answer.text)
        else:
            answer.confidence = "high" if verdict.outcome == "answered" else "weak"
            if on_stage:
                on_stage("writing", len(hits))
            self._write(answer, question, hits, language, on_token)
        timings["total"] = time.perf_counter() - started
        return answer

    def _judge(self, query: str, hits: list[Hit], language: Language) -> Verdict:
        """How likely the passages answer the query, read against its background in the index."""
        background = [score for _, score in self.retriever.dense(query, BACKGROUND)]
        return judge(query, hits, background, language, Thresholds.from_settings(self.settings))

    def _write(
        self, answer: Answer, question: str, hits: list[Hit], language: Language, on_token: OnToken | None
    ) -> None:
        draft = self.answerer.draft(question, hits, language)
        answer.passages = draft.passages
        answer.notice = draft.notice
        answer.warnings.extend(draft.warnings)
        text = self._collect(answer, draft.pieces, on_token)
        if answer.error and not text.strip():
            return
        if not text.strip():  # a model failure, not a "not found": keep the passages on show
            answer.error = WARNINGS[language]["empty"].format(model=answer.model)
            return
        if text.strip() == NOT_FOUND[language]:  # the language model found no answer in them
            answer.refused = True
            answer.confidence = None
            answer.passages = hits  # shown as the closest matches
            answer.text = text.strip()
            return
        report = check_citations(text, answer.passages)
        answer.text = report.text
        answer.citations = report.citations
        answer.unsupported_sentences = report.unsupported_sentences
        warn = WARNINGS[language]
        answer.warnings.extend(warn["removed"].format(n=n) for n in dict.fromkeys(report.removed))
        if not report.citations:
            answer.warnings.append(warn["uncited"])
        elif report.unsupported_sentences:
            answer.warnings.append(warn["unsupported"].format(n=len(report.unsupported_sentences)))

    def _collect(self, answer: Answer, pieces: Iterator[str], on_token: OnToken | None) -> str:
        """Stream pieces to `on_token`; a backend failure keeps the partial text, marked incomplete."""
        tick = time.perf_counter()
        parts: list[str] = []
        try:
            for piece in pieces:
                if not parts:
                    answer.timings["first_token"] = time.perf_counter() - tick
                parts.append(piece)
                _emit(on_token, piece)
        except LLMError as error:
            answer.incomplete = bool(error.partial or parts)
            answer.error = str(error)
            if not parts and error.partial:
                parts.append(error.partial)
        answer.timings["generate"] = time.perf_counter() - tick
        return "".join(parts)


def _emit(on_token: OnToken | None, text: str) -> None:
    if on_token:
        on_token(text)
