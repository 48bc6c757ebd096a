"""Loading real files of every supported format, and refusing broken ones with a reason."""

from __future__ import annotations

import os
from pathlib import Path

import docx
import pytest

from rag.config import Settings
from rag.errors import DocumentError
from rag.hashing import file_sha256
from rag.loaders import SUPPORTED_SUFFIXES, discover, load_document
from rag.ocr import Ocr
from tests.files import CORPUS, write_encrypted_pdf, write_pdf

pytestmark = pytest.mark.unit


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


# --- discovery ---------------------------------------------------------------------------------


def test_discover_finds_supported_files_recursively_and_skips_hidden(tmp_path: Path) -> None:
    for name in [
        "b.txt",
        "a.md",
        "sub/c.PDF",
        "sub/deep/d.docx",
        "e.html",
        "f.htm",
        "g.markdown",
        "notes.odt",
        "scan.png",
        "foto.JPG",
        "fax.tif",
        "logo.svg",
        ".hidden.txt",
        ".git/config.txt",
        "sub/~$open.docx",
    ]:
        write(tmp_path / name, "x")
    (tmp_path / "folder.txt").mkdir()

    found = [p.relative_to(tmp_path).as_posix() for p in discover(tmp_path)]

    assert found == [
        "a.md",
        "b.txt",
        "e.html",
        "f.htm",
        "fax.tif",
        "foto.JPG",
        "g.markdown",
        "scan.png",
        "sub/c.PDF",
        "sub/deep/d.docx",
    ]


def test_supported_suffixes() -> None:
    assert SUPPORTED_SUFFIXES == {
        ".txt",
        ".md",
        ".markdown",
        ".html",
        ".htm",
        ".pdf",
        ".docx",
        ".png",
        ".jpg",
        ".jpeg",
        ".tif",
        ".tiff",  # scans, read with OCR (tests/test_ocr.py)
    }


# --- text encodings ----------------------------------------------------------------------------


def test_cp1252_file_is_decoded_correctly(tmp_path: Path) -> None:
    content = "Café in Zeeland: één ‘mooie’ dag\r\nkost €5 — naïef, reünie.\r\n"
    path = write(tmp_path / "windows.txt", content.encode("cp1252"))

    doc = load_document(path, tmp_path)

    assert doc.text == content  # exactly: line endings and all, so offsets stay valid


def test_utf8_bom_is_dropped_and_nothing_else_changes(tmp_path: Path) -> None:
    content = "Inspraak\u00a0avond\n\n  Tekst met  dubbele spaties.\t\n"
    path = write(tmp_path / "bom.txt", b"\xef\xbb\xbf" + content.encode("utf-8"))

    doc = load_document(path, tmp_path)

    assert doc.text == content


def test_utf16_file_with_bom_is_read(tmp_path: Path) -> None:
    content = "Burgerparticipatie in Kirgizië.\r\n"
    path = write(tmp_path / "notepad.txt", content.encode("utf-16"))

    assert load_document(path, tmp_path).text == content


def test_text_that_is_neither_utf8_nor_cp1252_is_guessed(tmp_path: Path) -> None:
    # 0x81 is undefined in cp1252, so this must come from the detector, not the cp1252 fallback.
    content = "Участие граждан важно для города, это текст в кодировке cp1251. " * 5
    path = write(tmp_path / "cyrillic.txt", content.encode("cp1251") + b"\x81")

    text = load_document(path, tmp_path).text

    assert "Участие граждан" in text


# --- other formats -----------------------------------------------------------------------------


def test_pdf_pages_and_text(tmp_path: Path) -> None:
    path = write_pdf(
        tmp_path / "verslag.pdf",
        ["Eerste pagina over inspraak.", "Tweede pagina over de wijkraad."],
        title="Verslag wijkraad",
    )

    doc = load_document(path, tmp_path)

    assert doc.title == "Verslag wijkraad"
    assert len(doc.page_starts) == 2
    assert doc.page_at(doc.text.index("Eerste pagina")) == 1
    assert doc.page_at(doc.text.index("Tweede pagina")) == 2
    assert doc.text[doc.page_starts[1] :].startswith("Tweede pagina")


def test_pdf_without_metadata_title_is_named_after_the_file(tmp_path: Path) -> None:
    # pypdf gives no blank lines, so the first line never stands alone: the file name is used.
    path = write_pdf(tmp_path / "participatie_plan-2024.pdf", ["Inleiding\nDe gemeente wil meer."])

    assert load_document(path, tmp_path).title == "participatie plan 2024"


def test_docx_heading_becomes_title_and_structure_is_kept(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("Participatiebeleid Gemert-Bakel", level=1)
    document.add_paragraph("De gemeente betrekt inwoners vroeg.")
    document.add_heading("Uitvoering", level=2)
    document.add_paragraph("Elke wijk krijgt een budget.")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Wijk"
    table.cell(0, 1).text = "Budget €10.000"
    document.save(str(tmp_path / "beleid.docx"))

    doc = load_document(tmp_path / "beleid.docx", tmp_path)

    assert doc.title == "Participatiebeleid Gemert-Bakel"
    lines = doc.text.split("\n\n")
    assert lines[:4] == [
        "# Participatiebeleid Gemert-Bakel",
        "De gemeente betrekt inwoners vroeg.",
        "## Uitvoering",
        "Elke wijk krijgt een budget.",
    ]
    assert "Wijk | Budget €10.000" in doc.text


def test_docx_title_style_wins_over_heading(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("Wijkvisie Slotermeer", level=0)  # level 0 = Title style
    document.add_heading("Inleiding", level=1)
    document.add_paragraph("Tekst.")
    document.save(str(tmp_path / "visie.docx"))

    assert load_document(tmp_path / "visie.docx", tmp_path).title == "Wijkvisie Slotermeer"


def test_html_drops_scripts_and_navigation_and_keeps_blocks(tmp_path: Path) -> None:
    html = """<!doctype html><html><head><title>Site | Pagina</title>
    <style>p { color: red }</style><script>var geheim = "niet tonen";</script></head>
    <body><nav><a href="/">Home</a> <a href="/x">Menu-item</a></nav>
    <h1>Wijkbudget   Nieuw-West</h1>
    <p>Bewoners <b>beslissen</b>
       zelf over het budget.</p><script>alert("ook niet")</script>
    <!-- verborgen commentaar -->
    <ul><li>Eerste idee</li><li>Tweede idee</li></ul></body></html>"""
    path = write(tmp_path / "pagina.html", html)

    doc = load_document(path, tmp_path)

    assert doc.title == "Wijkbudget Nieuw-West"
    for hidden in ("geheim", "ook niet", "color", "Menu-item", "verborgen", "Site | Pagina"):
        assert hidden not in doc.text
    assert doc.text.split("\n\n") == [
        "# Wijkbudget Nieuw-West",
        "Bewoners beslissen zelf over het budget.",
        "Eerste idee",
        "Tweede idee",
    ]


def test_html_title_element_used_without_h1(tmp_path: Path) -> None:
    path = write(tmp_path / "p.htm", "<title>Inspraak  Massy</title><p>Tekst.</p>")

    assert load_document(path, tmp_path).title == "Inspraak Massy"


# --- titles and metadata -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "title"),
    [
        ("a.md", "Intro\nnog een regel\n\n## Eerste kop ##\n\n# Later\n", "Eerste kop"),
        (
            "b.txt",
            "Naam: Jan\nTitel: Wijkplan Oost\nFunctieomschrijving: Adviseur\n\nTekst.",
            "Wijkplan Oost",
        ),
        (
            "c.txt",
            "Leeftijd: 36\nFunctieomschrijving:\u00a0Beleids\u00a0 medewerker\n\nTekst.",
            "Beleids medewerker",
        ),
        ("d.txt", "Verslag van de avond\n\nWe spraken over de buurt.", "Verslag van de avond"),
        (
            "mijn-wijk_notities.txt",
            "Een eerste regel\ndie doorloopt op de volgende regel.",
            "mijn wijk notities",
        ),
    ],
)
def test_title_rules(tmp_path: Path, name: str, content: str, title: str) -> None:
    assert load_document(write(tmp_path / name, content), tmp_path).title == title


def test_path_mtime_and_hash(tmp_path: Path) -> None:
    path = write(tmp_path / "sub" / "map" / "notitie.txt", "Inhoud.")
    os.utime(path, (1_700_000_000, 1_700_000_000))

    doc = load_document(path, tmp_path)

    assert doc.path == "sub/map/notitie.txt"
    assert doc.mtime == 1_700_000_000
    assert doc.sha256 == file_sha256(path)
    assert doc.sha256 != file_sha256(write(tmp_path / "other.txt", "Inhoud!"))


# --- unreadable files --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("leeg.txt", b"", "empty"),
        ("spaties.md", b" \n\t\n", "empty"),
        ("data.txt", bytes(range(256)) * 8, "binary"),
        ("stuurcodes.txt", b"ab\x01\x02\x03\x04\x05\x06cd" * 50, "binary"),
        ("kapot.pdf", b"%PDF-1.7\n1 0 obj <<\ngarbage", "PDF"),
        ("nep.pdf", b"Dit is gewoon tekst.", "PDF"),
        ("kapot.docx", b"PK\x03\x04 not really a zip", "DOCX"),
        ("leeg.html", b"<html><script>x()</script></html>", "no text"),
    ],
)
def test_unreadable_file_raises_document_error_with_reason(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    path = write(tmp_path / "map" / name, data)

    with pytest.raises(DocumentError) as caught:
        load_document(path, tmp_path)

    assert caught.value.path == f"map/{name}"
    assert reason in caught.value.reason
    assert str(caught.value).startswith(f"map/{name}: ")


@pytest.mark.parametrize("ocr", ["auto", "off"])
def test_pdf_without_text_or_images_is_refused(tmp_path: Path, ocr: str) -> None:
    path = write_pdf(tmp_path / "leeg.pdf", ["", ""])  # blank pages: nothing to recognise either
    settings = Settings(corpus_dir=tmp_path, index_dir=tmp_path / "index", ocr=ocr)

    with pytest.raises(DocumentError, match="no extractable text"):
        load_document(path, tmp_path, Ocr.from_settings(settings))
    assert not (tmp_path / "index").exists()  # no OCR ran, nothing cached


@pytest.mark.parametrize(("user_password", "readable"), [("wachtwoord", False), ("", True)])
def test_password_protected_pdf(tmp_path: Path, user_password: str, readable: bool) -> None:
    write_encrypted_pdf(tmp_path / "dicht.pdf", "Vertrouwelijk verslag van de wijkraad.", user_password)

    if readable:  # only restricted (e.g. no printing): opens without a password
        assert "Vertrouwelijk verslag" in load_document(tmp_path / "dicht.pdf", tmp_path).text
    else:
        with pytest.raises(DocumentError, match="password"):
            load_document(tmp_path / "dicht.pdf", tmp_path)


# --- the sample corpus -------------------------------------------------------------------------


def test_sample_corpus_loads_with_sensible_titles() -> None:
    docs = {d.path: d for d in (load_document(p, CORPUS) for p in discover(CORPUS))}

    massy = docs["talentprogramma-burgerparticipatie-gemeente-massy.txt"]
    wikistad = docs["wikistad-een-andere-overheid-amsterdam-nieuw-west.txt"]
    assert massy.title == "Beleidsmedewerker mobilisatie"
    assert wikistad.title == "‘Een andere overheid: ik vraag jullie die uitdaging aan te nemen.’"
    for doc in docs.values():
        assert doc.text == (CORPUS / doc.path).read_text(encoding="utf-8")
        assert doc.page_starts == ()
