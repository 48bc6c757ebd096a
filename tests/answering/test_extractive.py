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


def answer_from_page(page: str, question: str) -> str:
    """The answer from a one-passage document holding `page`."""
    document = Document("pagina.md", "Pagina", page, "0" * 64, 0.0)
    hit = Hit(1, 1.0, Chunk("p1", document.path, document.title, (), 0, len(page), page))
    answerer = ExtractiveAnswerer(HashEmbedder(), {document.path: document})
    return "".join(answerer.draft(question, [hit], "nl").pieces)


def test_an_enumeration_is_quoted_whole_in_order_with_its_lead_in() -> None:
    text = answer(ExtractiveAnswerer(HashEmbedder(), {DOCUMENT.path: DOCUMENT}), "Ten tweede stimuleer ik?")
    order = [text.index(p) for p in ("drie hoofdtaken", "Allereerst", "Ten tweede", "Ten derde")]
    assert order == sorted(order)


def test_list_items_are_quoted_one_per_line_apart_from_their_lead_in() -> None:
    costs = (
        "Wie een politieke partij wil registreren, betaalt de volgende kosten:\n"
        "- € 450 voor de registratie van de partij bij de Kiesraad.\n"
        "- € 225 als waarborgsom voor elke kieskring waarin de partij meedoet."
    )
    text = answer_from_page(costs, "Wat kost het registreren van een partij?")

    lead_in, items = text.split("\n\n")
    assert lead_in.startswith("Wie een politieke partij") and lead_in.endswith("kosten: [1]")
    assert items.splitlines() == [
        "- € 450 voor de registratie van de partij bij de Kiesraad. [1]",
        "- € 225 als waarborgsom voor elke kieskring waarin de partij meedoet. [1]",
    ]


def test_a_list_behind_a_short_lead_in_comes_with_the_line_that_announces_it() -> None:
    page = (
        "Kosten registratie politieke partij\n\nRegistratie kost:\n\n"
        "- € 450 bij verkiezingen voor de Tweede Kamer of het Europees Parlement;\n\n"
        "- € 112,50 bij verkiezingen voor de gemeenteraad."
    )
    text = answer_from_page(page, "Kosten registratie politieke partij?")

    assert "Registratie kost: [1]" in text
    assert "- € 450 bij verkiezingen" in text and "- € 112,50 bij verkiezingen" in text


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


HEADER = (
    "Jaar van deelname: 2016\nLeeftijd: 36\nFunctieomschrijving: Beleidsmedewerker mobilisatie\n"
    "Lokale overheid: Gemeente Massy\nLand: Kirgizië\n\n"
)


def candidate_texts(text: str, path: str) -> list[str]:
    """The sentences the answerer would score in a passage holding the whole of `text`."""
    document = Document(path, path.split(".")[0].title(), text, "1" * 64, 0.0)
    chunk = Chunk(path, path, document.title, (), 0, len(text), normalize_whitespace(text))
    answerer = ExtractiveAnswerer(HashEmbedder(), {document.path: document})
    return [sentence.text for sentence in answerer.candidates([Hit(1, 1.0, chunk)])]


def test_a_block_of_fields_is_quoted_field_by_field() -> None:
    """A form's header has no full stop: read as one sentence it would be quoted whole ("Jaar van
    deelname: 2016 Leeftijd: 36 …"). Each field is its own sentence, short as it is, so "How old
    was she?" can be answered by "Leeftijd: 36"."""
    texts = candidate_texts(HEADER + REPORT, "deelnemer.txt")

    assert "Leeftijd: 36" in texts and "Land: Kirgizië" in texts
    assert not any("Leeftijd" in text and "Jaar van deelname" in text for text in texts)


def test_a_pages_metadata_is_not_quoted() -> None:
    """A FAQ's "Laatst gewijzigd: 2025-10-14" would read as the answer to "Vanaf wanneer …?"."""
    header = (
        "Onderwerp: Verkiezingen\nBron: https://www.rijksoverheid.nl/vraag\nLaatst gewijzigd: 2025-10-14\n\n"
    )
    texts = candidate_texts(header + REPORT, "faq.md")

    assert texts and not any(text.startswith(("Onderwerp", "Bron", "Laatst gewijzigd")) for text in texts)


def test_a_heading_is_not_quoted_as_the_answer() -> None:
    """The first screen's example "Wat staat er over <heading>?" was answered by the heading."""
    heading = "Ruimte nodig om aan te sluiten bij burgerkracht"
    text = f"{heading}\n\nProfessionals hebben ruimte nodig om aan te sluiten bij de krachten van onderop."
    document = Document("verslag.txt", "Verslag", text, "3" * 64, 0.0)
    chunk = Chunk("k1", document.path, document.title, (heading,), 0, len(text), normalize_whitespace(text))
    answerer = ExtractiveAnswerer(HashEmbedder(), {document.path: document})
    quoted = "".join(answerer.draft(f"Wat staat er over {heading}?", [Hit(1, 1.0, chunk)], "nl").pieces)

    assert quoted.startswith("Professionals hebben ruimte nodig") and heading not in quoted


def test_passages_far_less_similar_than_the_best_are_not_read() -> None:
    """Their sentences rarely answer and each costs a model run; a passage found by its words
    alone (a name, a number) is read."""
    embedder = CountingEmbedder()
    first, second = passages()
    best = Hit(1, 1.0, first.chunk, dense_score=0.62)
    far = Hit(2, 0.5, second.chunk, dense_score=0.41)
    found_by_words = Hit(2, 0.5, second.chunk)  # no similarity: not among the nearest passages
    answerer = ExtractiveAnswerer(embedder, {DOCUMENT.path: DOCUMENT})

    assert {s.n for s in answerer.candidates([best, far])} == {1}
    assert {s.n for s in answerer.candidates([best, found_by_words])} == {1, 2}
    "".join(answerer.draft("Wat deden de winkeliers?", [best, far], "nl").pieces)
    assert not any("fondsje" in text for text in embedder.embedded)


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


def test_a_short_sentence_that_states_the_figure_asked_for_is_quoted() -> None:
    page = (
        "De wijkraad besprak op 3 maart het plan voor buurtcafé De Brug en de coöperatie. "
        "Het budget is € 12.000. Zo kan het."
    )
    text = answer_from_page(page, "Wat is het budget voor buurtcafé De Brug?")
    assert "Het budget is € 12.000." in text
    assert "Zo kan het." not in text  # short and states nothing
