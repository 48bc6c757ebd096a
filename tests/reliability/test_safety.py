"""Case 9: only paths inside the corpus folder are read, so nothing else can reach the chat.

The chat shows documents from the index only, never a path it is given; what the index holds was
read by `load_document`, which refuses anything that leads out of the corpus folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.errors import DocumentError
from rag.loaders import load_document

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "crafted",
    ["../../../../../../etc/passwd", "sub/../../../../../../etc/passwd", "/etc/passwd"],
)
def test_a_crafted_path_out_of_the_corpus_is_refused(tmp_path, crafted):
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    path = Path(crafted) if crafted.startswith("/") else corpus / crafted

    with pytest.raises(DocumentError, match="outside the corpus folder") as caught:
        load_document(path, corpus)
    assert "root:" not in str(caught.value)


def test_a_link_the_user_put_in_the_corpus_is_read(tmp_path):
    elsewhere = tmp_path / "gedeelde-map" / "verslag.txt"
    elsewhere.parent.mkdir()
    elsewhere.write_text("Verslag van de buurtavond.", encoding="utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "verslag.txt").symlink_to(elsewhere)

    document = load_document(corpus / "verslag.txt", corpus)
    assert document.path == "verslag.txt" and document.text == "Verslag van de buurtavond."
