"""Real documents of every supported kind, written by the tests (no binary fixtures in the repo)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository
CORPUS = ROOT / "corpus"


def write_pdf(path: Path, pages: list[str], title: str | None = None) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    if title:
        pdf.set_title(title)
    pdf.set_font("helvetica", size=12)
    for text in pages:
        pdf.add_page()
        if text:  # an empty page has no text layer, like a scan
            pdf.multi_cell(0, 10, text, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def write_docx(path: Path, heading: str, paragraphs: list[str]) -> Path:
    import docx

    document = docx.Document()
    document.add_heading(heading, level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(str(path))
    return path


def write_cp1252(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("cp1252"))
    return path


def write_broken_files(folder: Path) -> dict[str, Path]:
    """A corrupt PDF, an empty file and a binary file pretending to be text."""
    corrupt = folder / "kapot.pdf"
    corrupt.write_bytes(b"%PDF-1.7\n1 0 obj <<\n garbage \x00\x01\x02 not a pdf")
    empty = folder / "leeg.txt"
    empty.write_bytes(b"")
    binary = folder / "plaatje.md"
    binary.write_bytes(bytes(range(256)) * 8)
    return {"corrupt": corrupt, "empty": empty, "binary": binary}


def write_encrypted_pdf(path: Path, text: str, password: str = "wachtwoord") -> Path:
    """A PDF that opens only with a password, as a user's protected report would."""
    import pypdf

    plain = write_pdf(path.with_suffix(".plain.tmp"), [text])
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(plain))
    writer.encrypt(password, owner_password="eigenaar")
    writer.write(path)
    plain.unlink()
    return path
