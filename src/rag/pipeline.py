"""Ask a question: rewrite → retrieve → refuse or prompt → generate → check citations → `Answer`.

This is the one place that knows the order of the steps; the CLI and the app only call `ask`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from rag.citations import check_citations
from rag.config import RetrievalMode, Settings
from rag.errors import LLMError, QuestionError
from rag.followup import rewrite_query
from rag.llm.base import LLM, Message
from rag.llm.extractive import ExtractiveAnswerer
from rag.prompting import NOT_FOUND, build_prompt, detect_language
from rag.retrieval.filters import Where
from rag.retrieval.retriever import Retriever
from rag.types import Answer, Hit

OnToken = Callable[[str], None]

NOTICE_EXTRACTIVE = {
    "nl": "Extractief antwoord — geen taalmodel ingesteld: letterlijke zinnen uit de bronnen.",
    "en": "Extractive answer — no language model configured: sentences quoted from the sources.",
}
# What the user is told when an answer needs checking, in the language of the question.
WARNINGS = {
    "nl": {
        "dropped": "{n} passage(s) weggelaten om in het contextvenster van {tokens} tokens te passen.",
        "removed": "Verwijzing [{n}] verwijderd: er is geen passage {n}.",
        "uncited": "Dit antwoord verwijst naar geen enkele passage: controleer het met de passages hieronder.",
        "unsupported": "{n} zin(nen) worden niet gedragen door de passage die ze noemen: controleer ze.",
        "empty": "Het taalmodel {model} gaf een leeg antwoord. Hieronder staan de gevonden passages; "
        "vraag het opnieuw of kies een ander model (RAG_OLLAMA_MODEL of RAG_LLM_GGUF).",
    },
    "en": {
        "dropped": "{n} passage(s) left out to fit the model's context window of {tokens} tokens.",
        "removed": "Removed citation [{n}]: there is no passage {n}.",
        "uncited": "This answer cites no passage: check it against the passages below.",
        "unsupported": "{n} sentence(s) are not backed by the passage they cite: check them.",
        "empty": "The language model {model} returned an empty answer. The passages found are below; "
        "ask again or choose another model (RAG_OLLAMA_MODEL or RAG_LLM_GGUF).",
    },
}


@dataclass
class Assistant:
    """Answers questions from one index with one backend (`llm`, else extractive, or search only)."""

    settings: Settings
    retriever: Retriever
    llm: LLM | None  # None: the extractive answerer
    search_only: bool = False

    @property
    def backend(self) -> str:
        return "none" if self.search_only else self.llm.name if self.llm else "extractive"

    @property
    def model(self) -> str:
        if self.search_only:
            return ""
        return self.llm.model if self.llm else self.retriever.embedder.model_id

    def ask(
        self,
        question: str,
        history: list[Message] | None = None,
        *,
        k: int | None = None,
        mode: RetrievalMode | None = None,
        where: Where | None = None,
        on_token: OnToken | None = None,
    ) -> Answer:
        """Answer `question`; `on_token` receives the answer text as it is generated."""
        if not question.strip():
            raise QuestionError("The question is empty: type a question about the documents.")
        timings: dict[str, float] = {}
        started = time.perf_counter()
        query = rewrite_query(question, history or [], self.llm)
        timings["rewrite"] = time.perf_counter() - started

        tick = time.perf_counter()
        hits = self.retriever.search(query, k=k, mode=mode, where=where)
        timings["retrieve"] = time.perf_counter() - tick
        answer = Answer("", False, self.backend, self.model, query, question, hits, timings=timings)
        language = detect_language(question)

        if self.search_only:
            pass
        elif not self._relevant(query, hits):
            answer.refused = True
            answer.answer = NOT_FOUND[language]
            _emit(on_token, answer.answer)
        else:
            self._generate(answer, question, hits, language, on_token)
        timings["total"] = time.perf_counter() - started
        return answer

    def _relevant(self, query: str, hits: list[Hit]) -> bool:
        """Refusal gate: is any passage close enough to the query to possibly answer it?"""
        scores = [h.dense_score for h in hits if h.dense_score is not None]
        if not scores and hits:  # BM25-only results carry no similarity: measure it
            scores = [score for _, score in self.retriever.dense(query, 1)]
        return bool(scores) and max(scores) >= self.settings.min_relevance

    def _generate(
        self, answer: Answer, question: str, hits: list[Hit], language: str, on_token: OnToken | None
    ) -> None:
        if self.llm is None:
            answer.passages = hits
            answer.notice = NOTICE_EXTRACTIVE[language]
            pieces = ExtractiveAnswerer(self.retriever.embedder, self.retriever.index.documents).answer(
                question, hits
            )
        else:
            prompt = build_prompt(
                question,
                hits,
                self.llm.count_tokens,
                self.llm.context_tokens,
                self.settings.llm_max_answer_tokens,
            )
            answer.passages = prompt.passages
            if prompt.dropped:
                answer.warnings.append(
                    WARNINGS[language]["dropped"].format(
                        n=len(prompt.dropped), tokens=self.llm.context_tokens
                    )
                )
            pieces = self.llm.stream(prompt.messages)
        text = self._collect(answer, pieces, on_token)
        if answer.error and not text.strip():
            return
        if not text.strip():  # a model failure, not a "not found": keep the passages on show
            answer.error = WARNINGS[language]["empty"].format(model=self.model)
            return
        if text.strip() == NOT_FOUND[language]:
            answer.refused = True
            answer.answer = text.strip()
            return
        report = check_citations(text, answer.passages)
        answer.answer = report.text
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
