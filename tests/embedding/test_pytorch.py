"""The real embedding model: shapes, normalisation, and Dutch retrieval that must work."""

from __future__ import annotations

import numpy as np
import pytest

from rag.embedding import Embedder, cpu
from rag.embedding.pytorch import choose_dtype

pytestmark = pytest.mark.integration

PASSAGES = [
    (
        "Omgevingsvergunning",
        "Wilt u uw huis verbouwen of uitbreiden, bijvoorbeeld met een dakkapel of een aanbouw? "
        "Dan heeft u vaak een omgevingsvergunning nodig. U vraagt die aan via het Omgevingsloket.",
    ),
    (
        "Gemeenteraadsverkiezingen",
        "Bij de gemeenteraadsverkiezingen mogen inwoners van 18 jaar en ouder stemmen. Ook "
        "inwoners zonder Nederlandse nationaliteit mogen stemmen als zij hier 5 jaar wonen.",
    ),
    (
        "Paspoort aanvragen",
        "Een paspoort vraagt u persoonlijk aan bij de gemeente waar u woont. Neem een recente "
        "pasfoto mee. Na ongeveer een week kunt u het paspoort ophalen.",
    ),
    (
        "Afval scheiden",
        "Groente-, fruit- en tuinafval gooit u in de groene container. Glas brengt u naar de "
        "glasbak en oud papier wordt eens per maand aan huis opgehaald.",
    ),
]


def test_model_metadata(embedder: Embedder) -> None:
    assert embedder.model_id == "google/embeddinggemma-300m"
    assert embedder.dimension == 768
    assert embedder.model.max_seq_length == 2048  # passages are never cut at a short limit


def test_vectors_are_float32_unit_length_and_shaped(embedder: Embedder) -> None:
    documents = embedder.encode_documents(PASSAGES)
    queries = embedder.encode_queries(["Waar moet het glas heen?", "Hoe oud moet ik zijn?"])
    for vectors, count in ((documents, len(PASSAGES)), (queries, 2)):
        assert vectors.shape == (count, embedder.dimension)
        assert vectors.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)


def test_empty_input_gives_an_empty_matrix(embedder: Embedder) -> None:
    assert embedder.encode_documents([]).shape == (0, embedder.dimension)
    assert embedder.encode_queries([]).shape == (0, embedder.dimension)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Heb ik een vergunning nodig voor een dakkapel?", 0),
        ("Mag ik als buitenlander stemmen voor de gemeenteraad?", 1),
        ("Waar haal ik een nieuw reisdocument?", 2),
        ("Do I need a permit to build an extension to my house?", 0),
        ("Can foreigners vote in local elections in the Netherlands?", 1),
        ("Which bin is for garden waste?", 3),
    ],
)
def test_query_ranks_the_right_dutch_passage_first(embedder: Embedder, query: str, expected: int) -> None:
    scores = embedder.encode_documents(PASSAGES) @ embedder.encode_queries([query])[0]
    assert int(np.argmax(scores)) == expected, scores


def test_the_title_goes_into_the_document_prompt(embedder: Embedder) -> None:
    text = PASSAGES[2][1]
    with_title, without_title = embedder.encode_documents([("Paspoort aanvragen", text), ("", text)])
    assert float(with_title @ without_title) < 0.999


@pytest.mark.parametrize(
    ("flags", "expected"),
    [({"avx2", "avx512_bf16"}, "bfloat16"), ({"avx2", "amx_bf16"}, "bfloat16"), ({"avx2"}, "float32")],
)
def test_auto_dtype_is_bfloat16_only_with_bfloat16_instructions(
    monkeypatch: pytest.MonkeyPatch, flags: set[str], expected: str
) -> None:
    monkeypatch.setattr(cpu, "flags", lambda: frozenset(flags))
    assert choose_dtype("auto") == expected
    assert choose_dtype("float32") == "float32"
