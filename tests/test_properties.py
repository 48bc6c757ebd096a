"""Property-based tests: the chunker's offsets always map to its text, the citation check never raises."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rag.chunking import chunk_document, normalize_whitespace
from rag.citations import MARKER, check_citations, parse_marker
from rag.types import Chunk, Document, Hit

# Letters (with Dutch accents), digits, the whitespace the loaders meet, and sentence punctuation.
TEXT = st.lists(
    st.sampled_from(
        list("aeinrstdlokmbvgzëéïüABZ019")
        + [" ", " ", "\n", "\n\n", "\u00a0", "\t", ". ", "? ", "! ", "# ", "- ", ", ", "bijv. ", "gemeente"]
    ),
    max_size=1500,
).map("".join)
WORDLIKE = str.isalnum


def document(text: str) -> Document:
    return Document("doc.txt", "Titel", text, "0" * 64, 0.0)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXT, size=st.integers(40, 600), overlap_share=st.floats(0, 0.5))
def test_chunk_offsets_map_to_the_exact_text_and_never_cut_a_word(text, size, overlap_share):
    chunks = chunk_document(document(text), size, int(size * overlap_share))
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


PASSAGES = [
    Hit(n, 1.0, Chunk(f"c{n}", "d.txt", "T", (), 0, 40, text))
    for n, text in enumerate(["De wijkraad vergadert elke maand.", "Bewoners dienen plannen in."], start=1)
]
ANSWER = st.lists(
    st.sampled_from(list("[]0123456789,-–& .?!\nabc") + ["[1]", "[2]", "[3]", "[1-2]", "[99]", "wijkraad "]),
    max_size=120,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(answer=ANSWER)
@example(answer="Een claim [3[99]].")  # removing [99] must not leave an unchecked [3]
def test_citation_check_never_raises_and_keeps_only_existing_passages(answer):
    report = check_citations(answer, PASSAGES)
    assert all(1 <= c.n <= len(PASSAGES) for c in report.citations)
    assert all(n < 1 or n > len(PASSAGES) for n in report.removed)


@given(body=st.text(alphabet=st.sampled_from(list("0123456789,-–& ")), max_size=40))
@example(body="1-2-3")
def test_marker_parser_never_raises_on_marker_bodies(body):
    match = MARKER.fullmatch(f"[{body}]")
    if match:
        assert all(isinstance(n, int) for n in parse_marker(match.group(1)))
