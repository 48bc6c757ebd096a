"""The sources under an answer: merged when they are one stretch of a document, numbered 1..n in
the order the answer cites them, with the sentence that backs the claim marked."""

from __future__ import annotations

import re

import pytest

from rag.chunking import normalize_whitespace
from rag.citations import check_citations
from rag.types import Answer, Chunk, Document, Hit
from rag.ui.export import chat_markdown
from rag.ui.highlight import answer_html, passage_html
from rag.ui.sources import sourced_answer
from rag.ui.texts import Texts
from rag.ui.welcome import example_questions

pytestmark = pytest.mark.unit

REPORT = (
    "Mijn werk voor de gemeente\n"
    "In mijn werk heb ik drie hoofdtaken. Allereerst onderhoud ik de contacten met NGO's. "
    "Ten tweede stimuleer ik de gemeenschap om te participeren. Ten derde organiseer ik "
    "inspraakbijeenkomsten over het budget.\n\n"
    "Het fondsje van de winkeliers\n"
    "Een moeder had schulden bij de winkels in de straat. De winkeliers richtten samen een fondsje "
    "op waaruit haar schulden werden betaald. Zij kon zelfs weer boodschappen doen."
)
MINUTES = "Verslag wijkraad\nDe wijkraad besprak het Marktplein. Bewoners willen meer groen."


def document(path: str, text: str) -> Document:
    return Document(path, path.removesuffix(".txt").title(), text, "0" * 64, 0.0)


DOCS = {d.path: d for d in (document("verslag.txt", REPORT), document("wijkraad.txt", MINUTES))}


def hit(rank: int, doc: str, start: int, end: int, heading: str, score: float) -> Hit:
    text = DOCS[doc].text
    chunk = Chunk(
        f"{doc}-{start}", doc, DOCS[doc].title, (heading,), start, end, normalize_whitespace(text[start:end])
    )
    return Hit(rank, 1 / rank, chunk, dense_score=score)


def at(doc: str, phrase: str) -> int:
    return DOCS[doc].text.index(phrase)


# Passages as retrieval returns them: 1 and 3 overlap (one stretch of the report), 2 is elsewhere
# in the report, 4 is another document.
FUNDS = hit(
    1, "verslag.txt", at("verslag.txt", "Het fondsje"), len(REPORT), "Het fondsje van de winkeliers", 0.41
)
TASKS = hit(2, "verslag.txt", 0, at("verslag.txt", "Ten derde"), "Mijn werk voor de gemeente", 0.30)
FUNDS_TAIL = hit(
    3, "verslag.txt", at("verslag.txt", "De winkeliers"), len(REPORT), "Het fondsje van de winkeliers", 0.38
)
MARKET = hit(4, "wijkraad.txt", 0, len(MINUTES), "Verslag wijkraad", 0.12)
PASSAGES = [FUNDS, TASKS, FUNDS_TAIL, MARKET]


def answered(text: str, passages: list[Hit] = PASSAGES) -> Answer:
    report = check_citations(text, passages)
    return Answer(report.text, False, "extractive", "m", "q", "q", passages, citations=report.citations)


def test_overlapping_passages_are_one_source_numbered_in_citation_order() -> None:
    answer = answered(
        "De winkeliers richtten samen een fondsje op waaruit haar schulden werden betaald. [3] "
        "Zij kon zelfs weer boodschappen doen. [1] In mijn werk heb ik drie hoofdtaken. [2]"
    )
    sourced = sourced_answer(answer, DOCS)

    assert [s.n for s in sourced.sources] == [1, 2]  # 3 and 1 merged, then 2: no gaps
    funds, tasks = sourced.sources
    assert re.findall(r"\[(\d+)\]", sourced.text) == ["1", "1", "2"]
    assert (funds.start, funds.end) == (FUNDS.chunk.start, FUNDS.chunk.end)
    assert funds.section == "Het fondsje van de winkeliers" and funds.relevance == pytest.approx(0.41)
    assert tasks.section == "Mijn werk voor de gemeente"
    marked = [REPORT[a:b] for a, b in funds.marks]
    assert marked == [
        "De winkeliers richtten samen een fondsje op waaruit haar schulden werden betaald.",
        "Zij kon zelfs weer boodschappen doen.",
    ]
    assert funds.snippet == marked[0]


def test_a_paraphrase_marks_the_sentence_it_was_made_from() -> None:
    answer = answered("Ze stimuleert de gemeenschap om mee te doen aan besluiten. [2]")
    (tasks,) = sourced_answer(answer, DOCS).sources
    assert [REPORT[a:b] for a, b in tasks.marks] == [
        "Ten tweede stimuleer ik de gemeenschap om te participeren."
    ]


def test_without_citations_every_passage_is_listed_once_in_rank_order() -> None:
    refusal = Answer("Ik kan dit niet vinden.", True, "extractive", "m", "boodschappen moeder", "q", PASSAGES)
    sources = sourced_answer(refusal, DOCS).sources
    assert [(s.n, s.doc, s.cited) for s in sources] == [
        (1, "verslag.txt", False),
        (2, "verslag.txt", False),
        (3, "wijkraad.txt", False),
    ]
    assert sources[0].snippet  # something to recognise each by


def test_citation_numbers_link_to_their_source_cards_and_nothing_else() -> None:
    shown = answer_html("Een fondsje [1, 2]. <a href='http://x'>x</a> [3]", anchor="bron-7")
    assert re.findall(r'href="([^"]+)"', shown) == ["#bron-7-1", "#bron-7-2", "#bron-7-3"]
    assert "&lt;a href=" in shown


def test_the_backing_sentence_is_marked_inside_the_highlighted_passage() -> None:
    funds = sourced_answer(answered("Zij kon zelfs weer boodschappen doen. [1]"), DOCS).sources[0]
    shown = passage_html(REPORT, funds.start, funds.end, funds.marks)
    outer = re.search(r'<mark class="rag-mark">(.*)</mark>', shown, re.S).group(1)
    assert '<mark class="rag-cited">Zij kon zelfs weer boodschappen doen.</mark>' in outer


def test_export_keeps_citations_readable_and_says_where_without_offsets() -> None:
    answer = answered("De winkeliers richtten samen een fondsje op waaruit haar schulden werden betaald. [3]")
    refusal = Answer("Ik kan dit niet vinden.", True, "extractive", "m", "q", "q", [MARKET])
    messages = [
        {"role": "user", "content": "Hoe hielpen winkeliers?"},
        {"role": "assistant", "content": answer.text, "answer": answer, "docs": DOCS},
        {"role": "user", "content": "Wat kost een paspoort?"},
        {"role": "assistant", "content": refusal.text, "answer": refusal, "docs": DOCS},
    ]
    exported = chat_markdown(messages, Texts("nl"))
    assert "betaald. [1]" in exported and "\\[" not in exported.split("#### Bronnen")[0]
    assert "**[1] Verslag** — `verslag.txt`, Het fondsje van de winkeliers" in exported
    assert "### Niet gevonden" in exported and "tekens" not in exported


def test_example_questions_come_from_the_headings_of_each_document_in_turn() -> None:
    chunks = [h.chunk for h in PASSAGES]
    questions = example_questions(chunks, Texts("nl"))
    assert questions == [
        "Wat staat er in de documenten over „Het fondsje van de winkeliers”?",
        "Wat staat er in de documenten over „Verslag wijkraad”?",
        "Wat staat er in de documenten over „Mijn werk voor de gemeente”?",
    ]
    assert example_questions(chunks, Texts("en"))[0] == (
        "What do the documents say about “Het fondsje van de winkeliers”?"
    )


def test_numbered_divisions_are_no_example_topics() -> None:
    statute = [
        Chunk(f"a{i}", "verordening.md", "Verordening", (heading,), 0, 10, "tekst")
        for i, heading in enumerate(["Artikel 1", "Hoofdstuk 2", "Artikel 3 Het burgerinitiatief"])
    ]
    assert example_questions(statute, Texts("nl")) == [
        "Wat staat er in de documenten over „Artikel 3 Het burgerinitiatief”?"
    ]


def test_a_heading_that_repeats_the_title_is_not_shown_as_the_section() -> None:
    page = "Verslag wijkraad\nDe wijkraad besprak het Marktplein."
    doc = Document("pagina.txt", "Verslag wijkraad", page, "0" * 64, 0.0)
    chunk = Chunk("p1", doc.path, doc.title, ("Verslag wijkraad",), 0, len(page), page)
    answer = answered("De wijkraad besprak het Marktplein. [1]", [Hit(1, 1.0, chunk, dense_score=0.5)])
    (source,) = sourced_answer(answer, {doc.path: doc}).sources
    assert source.title == "Verslag wijkraad" and source.section is None
