"""Chunks: exact offsets, whole words, bounded size, overlap, headings and stable ids."""

from __future__ import annotations

import random
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rag.chunking import chunk_document, normalize_whitespace, split_sentences
from rag.loaders import discover, load_document
from rag.terms import searchable_text
from rag.types import Chunk, Document
from tests.files import CORPUS

pytestmark = pytest.mark.unit
SAMPLES = [load_document(path, CORPUS) for path in discover(CORPUS)]
MASSY = next(d for d in SAMPLES if "massy" in d.path)
WIKISTAD = next(d for d in SAMPLES if "wikistad" in d.path)


def normalise(text: str) -> str:
    """Independent of the code under test: the definition of `Chunk.text`."""
    return " ".join(text.split())


def doc_of(text: str, path: str = "test.txt", page_starts: tuple[int, ...] = ()) -> Document:
    return Document(path=path, title="Test", text=text, sha256="", mtime=0.0, page_starts=page_starts)


def synthetic_text(paragraphs: int, seed: int = 7) -> str:
    """Dutch-looking text with headings, abbreviations, long sentences, tabs and no-break spaces."""
    rng = random.Random(seed)
    words = (
        "de het een gemeente bewoners participatie wijk\u00a0raad inspraak budget o.a. bijv. "
        "Amsterdam beleid ‘burgerkracht’ 2024 samenwerking\tbuurt (nr. 12) e.d."
    ).split(" ")
    parts = []
    for index in range(paragraphs):
        if index % 7 == 0:
            parts.append(f"Hoofdstuk {index // 7 + 1} over de wijk")
        sentences = []
        for _ in range(rng.randint(1, 9)):
            length = rng.choice([4, 12, 30, 250])  # some sentences are longer than a chunk
            sentence = " ".join(rng.choice(words) for _ in range(length))
            sentences.append(sentence[0].upper() + sentence[1:] + rng.choice([".", "!", "?"]))
        parts.append(rng.choice([" ", "\n", "  "]).join(sentences))
    return "\n\n".join(parts)


LONG = doc_of(synthetic_text(60))


def assert_well_formed(doc: Document, chunks: list[Chunk], size: int) -> None:
    """The invariants every consumer (highlighting, citations, embedding) relies on."""
    text = doc.text
    for chunk in chunks:
        span = text[chunk.start : chunk.end]
        assert span == span.strip() and span, chunk
        assert normalise(span) == chunk.text
        assert chunk.start == 0 or text[chunk.start - 1].isspace(), f"word cut at {chunk.start}"
        assert chunk.end == len(text) or text[chunk.end].isspace(), f"word cut at {chunk.end}"
        # Headings stay with their text: only the body is held to `size`.
        assert len(chunk.body) <= size or " " not in chunk.body, f"{len(chunk.body)} > {size}: {chunk.text!r}"
        assert chunk.text.endswith(chunk.body)
        assert chunk.doc == doc.path and chunk.title == doc.title
        assert chunk.page == doc.page_at(chunk.start)
    starts = [c.start for c in chunks]
    assert starts == sorted(starts)


def covered_words(doc: Document, chunks: list[Chunk]) -> set[int]:
    return {
        index for chunk in chunks for index in range(chunk.start, chunk.end) if not doc.text[index].isspace()
    }


@pytest.mark.parametrize("doc", [*SAMPLES, LONG], ids=lambda d: d.path)
@pytest.mark.parametrize(("size", "overlap"), [(200, 0), (200, 80), (1000, 150), (3000, 500)])
def test_chunks_point_exactly_at_whole_words_and_lose_nothing(doc: Document, size: int, overlap: int) -> None:
    chunks = chunk_document(doc, size, overlap)

    assert chunks
    assert_well_formed(doc, chunks, size)
    every_word = {i for i, ch in enumerate(doc.text) if not ch.isspace()}
    assert covered_words(doc, chunks) == every_word


def test_whitespace_is_normalised_including_nbsp_and_tabs() -> None:
    doc = doc_of("Inspraak\u00a0\u00a0avond\tin de\r\n  wijk.")

    (chunk,) = chunk_document(doc, 1000, 0)

    assert chunk.text == "Inspraak avond in de wijk."
    assert (chunk.start, chunk.end) == (0, len(doc.text))


def test_word_longer_than_size_is_kept_whole_and_alone() -> None:
    url = "https://example.org/" + "participatie" * 30
    compound = "Burgerparticipatie" * 10
    doc = doc_of(f"Lees meer op de site. {url} is het adres. Kort. {compound} is lang. Einde.")

    chunks = chunk_document(doc, 100, 0)

    assert_well_formed(doc, chunks, 100)
    assert url in [c.text for c in chunks] and compound in [c.text for c in chunks]
    assert all(len(c.text) <= 100 for c in chunks if c.text not in (url, compound))


def test_chunks_fill_up_to_size_rather_than_one_sentence_each() -> None:
    chunks = chunk_document(LONG, 1000, 0)

    average = sum(len(c.text) for c in chunks) / len(chunks)
    assert average > 500


# --- sentences ---------------------------------------------------------------------------------


def test_abbreviations_and_initials_do_not_end_a_sentence() -> None:
    sentences = [
        "Volgens dhr. Jansen komt er een avond.",
        "Dat staat in art. 5 van de verordening.",
        "Er zijn o.a. Amsterdam en Utrecht bij.",
        "Het advies van J. Jansen is helder, d.w.z. Doen.",
        "Komt u ook? Ja!",
        "Dat is 2024. Toen begon het.",
    ]
    text = " ".join(sentences)

    assert [text[a:b] for a, b in split_sentences(text)] == [
        *sentences[:4],
        "Komt u ook?",
        "Ja!",
        "Dat is 2024.",
        "Toen begon het.",
    ]
    chunks = chunk_document(doc_of(text), 55, 0)  # room for one whole sentence per chunk
    assert [c.text for c in chunks][:4] == sentences[:4]


def test_split_sentences_gives_exact_spans() -> None:
    text = "Zie bijv. Amsterdam. Goed?\n\n- punt één [1]\n- punt twee\nloopt door.  Klaar!"

    spans = split_sentences(text)

    assert [text[a:b] for a, b in spans] == [
        "Zie bijv. Amsterdam.",
        "Goed?",
        "- punt één [1]",
        "- punt twee\nloopt door.",
        "Klaar!",
    ]
    assert split_sentences(" \n ") == []


def test_normalize_whitespace() -> None:
    assert normalize_whitespace(" a\u00a0\tb\r\n\nc ") == "a b c"


def test_a_sentence_is_split_at_whitespace_only_when_longer_than_size() -> None:
    sentence = " ".join(["burgerparticipatie"] * 20) + "."
    doc = doc_of(f"Kort. {sentence} Ook kort.")

    chunks = chunk_document(doc, 120, 0)

    assert chunks[0].text.startswith("Kort. burgerparticipatie")
    assert "".join(c.text for c in chunks).replace(" ", "") == doc.text.replace(" ", "")
    assert_well_formed(doc, chunks, 120)


# --- overlap -----------------------------------------------------------------------------------


def sentences_text(count: int) -> str:
    return " ".join(f"Dit is zin nummer {n} over de wijkraad." for n in range(count))


def test_next_chunk_starts_with_last_sentences_of_previous() -> None:
    doc = doc_of(sentences_text(40))  # 38-39 characters per sentence

    chunks = chunk_document(doc, 300, 100)

    assert len(chunks) > 3
    for previous, current in pairwise(chunks):
        shared = doc.text[current.start : previous.end]
        assert current.start < previous.end, "no overlap"
        assert 0 < len(shared) <= 100
        assert shared.startswith("Dit is zin") and shared.endswith(".")  # whole sentences
        assert current.end > previous.end  # progress


def test_zero_overlap_means_adjacent_chunks() -> None:
    doc = doc_of(sentences_text(40))

    chunks = chunk_document(doc, 300, 0)

    for previous, current in pairwise(chunks):
        assert current.start > previous.end
        assert doc.text[previous.end : current.start].isspace()


def test_overlap_does_not_cross_a_heading() -> None:
    doc = doc_of(f"# Eerste deel\n\n{sentences_text(8)}\n\n# Tweede deel\n\n{sentences_text(8)}")

    chunks = chunk_document(doc, 1000, 500)

    assert [c.text.split(" ", 2)[:2] for c in chunks] == [["#", "Eerste"], ["#", "Tweede"]]
    assert chunks[1].start > chunks[0].end


# --- headings ----------------------------------------------------------------------------------


MARKDOWN = """# Participatieplan

## Inleiding

De gemeente wil inwoners eerder betrekken. Dat vraagt een andere houding.

## Aanpak

### Wijkbudget

Elke wijk krijgt een eigen budget. Bewoners beslissen mee.

```
# geen kop: dit is code
```

## Evaluatie

Na een jaar kijken we terug.
"""


def test_markdown_heading_path_and_heading_text_in_first_chunk() -> None:
    chunks = chunk_document(doc_of(MARKDOWN, "plan.md"), 150, 30)  # no section under 150 / 4

    assert [(c.headings, c.text[:30]) for c in chunks] == [
        (("Participatieplan", "Inleiding"), "# Participatieplan ## Inleidin"),
        (("Participatieplan", "Aanpak", "Wijkbudget"), "## Aanpak ### Wijkbudget Elke "),
        (("Participatieplan", "Evaluatie"), "## Evaluatie Na een jaar kijke"),
    ]
    assert "# geen kop: dit is code" in chunks[1].text


def test_later_chunks_of_a_long_section_keep_its_heading_path() -> None:
    doc = doc_of(f"# Plan\n\n## Uitvoering\n\n{sentences_text(60)}\n\n## Slot\n\nEinde.", "p.md")

    chunks = chunk_document(doc, 400, 100)

    middle = [c for c in chunks if "Uitvoering" in c.headings]
    assert len(middle) > 3
    assert middle[0].text.startswith("# Plan ## Uitvoering Dit is zin nummer 0")
    assert all(c.headings == ("Plan", "Uitvoering") for c in middle)
    assert not any("Einde" in c.text for c in middle)
    assert chunks[-1].headings == ("Plan", "Slot")


def test_plain_text_headings_in_sample_corpus() -> None:
    chunks = chunk_document(WIKISTAD, 1000, 150)

    by_heading = {c.headings: c for c in reversed(chunks)}  # first chunk under each heading
    ruimte = ("Ruimte nodig om aan te sluiten bij burgerkracht",)
    assert ruimte in by_heading
    assert by_heading[ruimte].text.startswith("Ruimte nodig om aan te sluiten bij burgerkracht Op 26")
    assert ("Niet het product maar het proces",) in by_heading
    # Closing lines of a letter are not headings.
    assert not any("Hugo ter Steege" in h or "Dag," in h for c in chunks for h in c.headings)


def test_plain_heading_directly_followed_by_text_and_sections_kept_apart() -> None:
    chunks = chunk_document(MASSY, 1000, 150)

    headings = [c.headings for c in chunks]
    assert ("Mijn werk voor de gemeente",) in headings
    assert ("Back Home Actie Plan",) in headings
    assert headings[0] == ()  # the `Key: value` header block is not a section heading
    for chunk in chunks:
        others = {"Ervaringen in Nederland", "Back Home Actie Plan", "Mijn werk voor de gemeente"}
        others -= set(chunk.headings)
        assert not any(name in chunk.text for name in others), chunk.text[:60]


def test_html_headings_reach_the_chunks(tmp_path: Path) -> None:
    (tmp_path / "p.html").write_text(
        "<h1>Wijkbudget</h1><p>Inleiding.</p><h2>Regels</h2><p>Max €500 per plan.</p>"
    )
    doc = load_document(tmp_path / "p.html", tmp_path)

    chunks = chunk_document(doc, 40, 0)

    assert [c.headings for c in chunks] == [("Wijkbudget",), ("Wijkbudget", "Regels")]


def test_docx_heading_styles_reach_the_chunks(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Participatieverordening", level=1)
    document.add_heading("Inspraak", level=2)
    document.add_paragraph("Iedere ingezetene kan een zienswijze geven op een ontwerpbesluit.")
    document.add_heading("Uitdaagrecht", level=2)
    document.add_paragraph("Een groep bewoners kan vragen een taak van de gemeente over te nemen.")
    document.save(str(tmp_path / "v.docx"))

    chunks = chunk_document(load_document(tmp_path / "v.docx", tmp_path), 100, 0)

    assert [(c.headings, c.body[:20]) for c in chunks] == [
        (("Participatieverordening", "Inspraak"), "Iedere ingezetene ka"),
        (("Participatieverordening", "Uitdaagrecht"), "Een groep bewoners k"),
    ]


def test_pdf_bookmarks_become_the_heading_path(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for level, heading, body in [
        (0, "Wijkvisie Noord", "Dit document beschrijft de wijkvisie voor Noord."),
        (1, "Groen en spelen", "Er komen drie nieuwe speelplekken bij de school."),
        (1, "Verkeer", "De Dorpsstraat wordt een fietsstraat met een snelheid van 30 km/u."),
    ]:
        pdf.add_page()
        pdf.start_section(heading, level=level)
        pdf.multi_cell(0, 10, f"{heading}\n{body}", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(tmp_path / "visie.pdf"))
    doc = load_document(tmp_path / "visie.pdf", tmp_path)

    chunks = chunk_document(doc, 100, 0)

    assert [(c.headings, c.page) for c in chunks] == [
        (("Wijkvisie Noord",), 1),
        (("Wijkvisie Noord", "Groen en spelen"), 2),
        (("Wijkvisie Noord", "Verkeer"), 3),
    ]
    assert chunks[2].context == "visie › Wijkvisie Noord › Verkeer"  # file name as title: no metadata
    assert chunks[2].body.startswith("De Dorpsstraat wordt een fietsstraat")


# --- pages, ids, junk --------------------------------------------------------------------------


def test_page_of_each_chunk() -> None:
    page_one, page_two = sentences_text(10), sentences_text(10)
    doc = doc_of(f"{page_one}\n\n{page_two}", "x.pdf", page_starts=(0, len(page_one) + 2))

    chunks = chunk_document(doc, 200, 0)

    assert chunks[0].page == 1 and chunks[-1].page == 2
    assert [c.page for c in chunks] == sorted(c.page for c in chunks)


def test_ids_are_stable_unique_and_follow_content() -> None:
    first = chunk_document(LONG, 1000, 150)
    again = chunk_document(doc_of(LONG.text), 1000, 150)
    assert [c.id for c in first] == [c.id for c in again]
    assert len({c.id for c in first}) == len(first)

    edited = doc_of(LONG.text.replace("Hoofdstuk 5 over", "Hoofdstuk 5 over de nieuwe"))
    edited_ids = [c.id for c in chunk_document(edited, 1000, 150)]
    unchanged = [c for c in first if c.end < LONG.text.index("Hoofdstuk 5 over")]
    assert [c.id for c in unchanged] == edited_ids[: len(unchanged)]
    assert set(edited_ids) != {c.id for c in first}

    moved = chunk_document(doc_of(LONG.text, path="elders.txt"), 1000, 150)
    assert not {c.id for c in moved} & {c.id for c in first}


def test_chunks_of_only_punctuation_are_dropped() -> None:
    assert chunk_document(doc_of("* * *\n\n— — —\n\n..."), 1000, 0) == []

    chunks = chunk_document(doc_of("Tekst.\n\n# * * *\n\n---"), 20, 0)
    assert [c.text for c in chunks] == ["Tekst."]


# --- large and hostile input ------------------------------------------------------------------


def test_three_megabytes_and_a_long_run_of_dots_are_chunked_whole() -> None:
    """A regex that backtracks on runs of dots would hang here (sentence ends are matched linearly)."""
    text = LONG.text
    dots = "Begin" + "." * 200_000 + " Einde van de tekst."
    doc = doc_of("\n\n".join([text] * (3_000_000 // len(text) + 1) + [dots]))

    chunks = chunk_document(doc, 1000, 150)

    assert len(doc.text) > 3_000_000 and len(chunks) > 2500
    assert chunks[-1].text.endswith("Einde van de tekst.")
    assert all(normalise(doc.text[c.start : c.end]) == c.text for c in chunks[-5:])


# --- properties (hypothesis) -------------------------------------------------------------------

# Letters (with Dutch accents), digits, the whitespace the loaders meet, and sentence punctuation.
TEXT = st.lists(
    st.sampled_from(
        list("aeinrstdlokmbvgzëéïüABZ019")
        + [" ", " ", "\n", "\n\n", "\u00a0", "\t", ". ", "? ", "! ", "# ", "- ", ", ", "bijv. ", "gemeente"]
    ),
    max_size=1500,
).map("".join)
WORDLIKE = str.isalnum


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXT, size=st.integers(40, 600), overlap_share=st.floats(0, 0.5))
def test_chunk_offsets_map_to_the_exact_text_and_never_cut_a_word(text, size, overlap_share):
    chunks = chunk_document(doc_of(text), size, int(size * overlap_share))
    for chunk in chunks:
        assert normalize_whitespace(text[chunk.start : chunk.end]) == chunk.text
        assert chunk.text and chunk.text == chunk.text.strip()
        before = text[chunk.start - 1] if chunk.start > 0 else " "
        after = text[chunk.end] if chunk.end < len(text) else " "
        assert not (WORDLIKE(before) and WORDLIKE(text[chunk.start])), "a word is cut at the start"
        assert not (WORDLIKE(after) and WORDLIKE(text[chunk.end - 1])), "a word is cut at the end"
        longest_word = max(len(w) for w in chunk.text.split())
        assert len(chunk.text) <= max(size, longest_word)
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)
    assert len({c.id for c in chunks}) == len(chunks)
    covered = set()
    for chunk in chunks:
        covered.update(range(chunk.start, chunk.end))
    assert all(i in covered for i, ch in enumerate(text) if ch.isalnum()), "text left out of every chunk"


# --- context: what a passage belongs to -----------------------------------------------------------

STATUTE = """# Participatieverordening Noord

### Hoofdstuk 2

#### Inspraak

### Artikel 4

Het college stelt inwoners in staat hun mening te geven over elk voorgenomen besluit dat hen raakt, \
ruim voordat het besluit valt.

### Artikel 5

1. Een verzoek om uitdaagrecht bevat ten minste:

a. de naam en het adres van de indieners;

b. de taak die zij willen overnemen;

c. een begroting van de kosten en de manier waarop de buurt meedoet.

2. Het college beslist binnen acht weken.
"""


def test_statute_divisions_nest_and_name_each_passage() -> None:
    chunks = chunk_document(doc_of(STATUTE, "verordening.md"), 200, 0)

    first = chunks[0]
    assert first.headings == ("Participatieverordening Noord", "Hoofdstuk 2 Inspraak", "Artikel 4")
    assert first.context == "Test › Participatieverordening Noord › Hoofdstuk 2 Inspraak › Artikel 4"
    assert first.body.startswith("Het college stelt inwoners")  # heading lines are context, not body
    assert first.text.startswith("# Participatieverordening Noord ### Hoofdstuk 2")  # the quote is whole
    assert all(c.headings[:2] == first.headings[:2] for c in chunks)


def test_a_list_keeps_its_lead_in() -> None:
    chunks = chunk_document(doc_of(STATUTE, "verordening.md"), 200, 0)

    with_items = [c for c in chunks if "de taak die zij willen overnemen" in c.text]
    assert len(with_items) == 1
    (items,) = with_items
    # The lead-in is never left behind at the end of the previous passage …
    assert not any(c.text.endswith("ten minste:") for c in chunks)
    # … and a passage that starts inside the list names it as context.
    assert "Een verzoek om uitdaagrecht bevat ten minste: a. de naam" in items.text
    (later,) = [c for c in chunks if c.text.startswith("c. een begroting")]
    assert later.lead == "Een verzoek om uitdaagrecht bevat ten minste:"
    assert "ten minste:" in searchable_text(later) and "ten minste" not in later.text


def test_list_lead_in_is_context_of_every_later_passage_of_the_list() -> None:
    items = "\n\n".join(
        f"- punt {n}: bewoners beslissen mee over de inrichting van plein {n}." for n in range(12)
    )
    doc = doc_of(
        f"# Plan\n\nDe gemeente belooft het volgende:\n\n{items}\n\nDaarna volgt de evaluatie.", "p.md"
    )

    chunks = chunk_document(doc, 200, 0)

    inside = [c for c in chunks if c.text.startswith("- punt")]
    assert inside and all(c.lead == "De gemeente belooft het volgende:" for c in inside)
    assert all(c.context == "Test › Plan › De gemeente belooft het volgende:" for c in inside)
    assert "Daarna volgt de evaluatie." in chunks[-1].text
