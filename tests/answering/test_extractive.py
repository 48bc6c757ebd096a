"""The extractive answerer: quotes that read like an answer, and no sentence embedded twice."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from rag.answering import ExtractiveAnswerer
from rag.chunking import normalize_whitespace
from rag.types import Chunk, Document, Hit
from tests.fakes import HashEmbedder

pytestmark = pytest.mark.unit

REPORT = (
    "Mijn werk voor de gemeente\n"
    "In mijn werk voor de gemeente heb ik drie hoofdtaken. Allereerst onderhoud ik de contacten met "
    "NGO's en donoren. Ten tweede stimuleer ik de gemeenschap om te participeren bij besluiten. Ten "
    "derde organiseer ik inspraakbijeenkomsten over het gemeentelijk budget.\n\n"
    "Een moeder had schulden bij de winkels in de straat. De winkeliers richtten een fondsje op om "
    "haar schulden te betalen. Zij kon zelfs geen wc-papier meer kopen door de gokverslaving van vader. "
    "Daarvoor in ruil verrichtte zij dan wat klusjes."
)
DOCUMENT = Document("verslag.txt", "Verslag", REPORT, "0" * 64, 0.0)


class CountingEmbedder(HashEmbedder):
    """Counts the document texts it is asked to embed."""

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def encode_documents(self, items: Sequence[tuple[str, str]]) -> np.ndarray:
        self.embedded.extend(text for _, text in items)
        return super().encode_documents(items)


def passages() -> list[Hit]:
    split = REPORT.index("Een moeder")
    chunks = [(0, split), (split, len(REPORT))]
    return [
        Hit(
            rank,
            1.0 / rank,
            Chunk(f"c{rank}", DOCUMENT.path, DOCUMENT.title, (), a, b, normalize_whitespace(REPORT[a:b])),
        )
        for rank, (a, b) in enumerate(chunks, start=1)
    ]


def answer(answerer: ExtractiveAnswerer, question: str) -> str:
    return "".join(answerer.draft(question, passages(), "nl").pieces)


def test_an_enumeration_is_quoted_whole_in_order_with_its_lead_in() -> None:
    text = answer(ExtractiveAnswerer(HashEmbedder(), {DOCUMENT.path: DOCUMENT}), "Ten tweede stimuleer ik?")
    order = [text.index(p) for p in ("drie hoofdtaken", "Allereerst", "Ten tweede", "Ten derde")]
    assert order == sorted(order)


def test_the_sentence_that_continues_a_quote_comes_along() -> None:
    text = answer(
        ExtractiveAnswerer(HashEmbedder(), {DOCUMENT.path: DOCUMENT}),
        "De winkeliers richtten een fondsje op?",
    )
    assert "fondsje" in text and "Zij kon zelfs" in text and "Daarvoor in ruil" in text


def test_sentences_met_again_are_not_embedded_again() -> None:
    embedder = CountingEmbedder()
    answerer = ExtractiveAnswerer(embedder, {DOCUMENT.path: DOCUMENT})
    first = answer(answerer, "Hoe hielpen de winkeliers de moeder?")
    asked = len(embedder.embedded)
    again = answer(answerer, "Hoe hielpen de winkeliers de moeder?")

    assert again == first  # the same quotes from the kept vectors
    assert asked == len(set(embedder.embedded)) > 0 and len(embedder.embedded) == asked


def test_a_lead_in_is_not_quoted_without_what_it_announces() -> None:
    text = (
        "Met de identiteitskaart kunt u naar deze landen reizen:\n- België\n- Turkije\n\n"
        "De identiteitskaart is tien jaar geldig voor volwassenen."
    )
    document = Document("id.md", "ID-kaart", text, "0" * 64, 0.0)
    chunk = Chunk("c1", document.path, document.title, (), 0, len(text), normalize_whitespace(text))
    answerer = ExtractiveAnswerer(HashEmbedder(), {document.path: document})
    quoted = "".join(
        answerer.draft(
            "Naar welke landen kan ik reizen met de identiteitskaart?", [Hit(1, 1.0, chunk)], "nl"
        ).pieces
    )
    assert quoted and "reizen:" not in quoted


def test_a_block_of_fields_is_not_quoted_as_a_sentence() -> None:
    """A form's header ("Jaar van deelname: 2016 / Leeftijd: 36 / …") has no full stop, so it reads
    as one sentence; it is metadata about the report, never the answer."""
    header = (
        "Jaar van deelname: 2016\nLeeftijd: 36\nFunctieomschrijving: Beleidsmedewerker mobilisatie\n"
        "Lokale overheid: Gemeente Massy\nLand: Kirgizië\n\n"
    )
    text = header + REPORT
    document = Document("deelnemer.txt", "Deelnemer", text, "1" * 64, 0.0)
    chunk = Chunk("h1", document.path, document.title, (), 0, len(text), normalize_whitespace(text))
    answerer = ExtractiveAnswerer(HashEmbedder(), {document.path: document})
    quoted = "".join(
        answerer.draft("Jaar van deelname leeftijd functieomschrijving?", [Hit(1, 1.0, chunk)], "nl").pieces
    )
    assert quoted and "Leeftijd" not in quoted and "Jaar van deelname" not in quoted
    assert not any("Leeftijd" in s.text for s in answerer.candidates([Hit(1, 1.0, chunk)]))


def test_fields_further_down_the_document_can_still_be_the_answer() -> None:
    """Prices or opening hours as "Label: value" lines in the text are facts, not a header."""
    prices = "Paspoort: 77,85 euro voor volwassenen\nIdentiteitskaart: 70,00 euro voor volwassenen\n"
    text = REPORT + "\n\n" + prices
    document = Document("tarieven.txt", "Tarieven", text, "2" * 64, 0.0)
    chunk = Chunk("p1", document.path, document.title, (), 0, len(text), normalize_whitespace(text))
    candidates = ExtractiveAnswerer(HashEmbedder(), {document.path: document}).candidates(
        [Hit(1, 1.0, chunk)]
    )
    assert any("Paspoort: 77,85 euro" in s.text for s in candidates)
