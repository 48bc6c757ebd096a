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


# --- scans: Dutch text rendered to images, as a scanner would deliver it ------------------------

DPI = 300
_FONTS = [  # Debian's fonts-dejavu-core (.ci/run installs it), else the font Pillow carries
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"),
]


def tesseract_missing() -> str:
    """Why OCR tests cannot run here ("" when Tesseract with Dutch and English is installed)."""
    import shutil
    import subprocess

    if shutil.which("tesseract") is None:
        return "tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-nld; CI does)"
    listed = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True).stdout.split()
    missing = {"nld", "eng"} - set(listed)
    return (
        f"tesseract lacks {', '.join(sorted(missing))} (apt-get install tesseract-ocr-nld)" if missing else ""
    )


def render_text(paragraphs: list[str], width_px: int = 1800, size_pt: float = 12, margin_px: int = 90):
    """A white page with `paragraphs` in black at DPI, wrapped to `width_px`: a clean scan."""
    from PIL import Image, ImageDraw, ImageFont

    font_file = next((path for path in _FONTS if path.exists()), None)
    size_px = round(size_pt * DPI / 72)
    font = ImageFont.truetype(str(font_file), size_px) if font_file else ImageFont.load_default(size_px)
    measure = ImageDraw.Draw(Image.new("L", (1, 1)))
    lines: list[str] = []
    for paragraph in paragraphs:
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}".strip()
            if line and measure.textlength(candidate, font=font) > width_px - 2 * margin_px:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines += [line, ""]
    step = round(size_px * 1.45)
    page = Image.new("L", (width_px, 2 * margin_px + step * len(lines)), 255)
    draw = ImageDraw.Draw(page)
    for row, line in enumerate(lines):
        draw.text((margin_px, margin_px + row * step), line, fill=0, font=font)
    return page


def write_scan_pdf(path: Path, pages: list) -> Path:
    """A PDF whose pages are text (str: a real text layer) or images (PIL image: a scanned page,
    sized to the image at DPI, with no text layer; (image, str): the same with the string stamped
    on it as text, as scanners and archives add page numbers)."""
    from fpdf import FPDF

    pdf = FPDF(unit="mm")
    pdf.set_font("helvetica", size=8)
    for page in pages:
        if isinstance(page, str):
            pdf.add_page(format="A4")
            pdf.multi_cell(0, 10, page, new_x="LMARGIN", new_y="NEXT")
            continue
        image, stamp = page if isinstance(page, tuple) else (page, "")
        width, height = image.width * 25.4 / DPI, image.height * 25.4 / DPI
        pdf.add_page(format=(width, height))
        pdf.image(image, x=0, y=0, w=width, h=height)
        if stamp:
            pdf.text(2, height - 2, stamp)
    pdf.output(str(path))
    return path


def character_error_rate(recognised: str, expected: str) -> float:
    """Edit distance between the texts (whitespace collapsed) over the expected length."""
    a, b = " ".join(recognised.split()), " ".join(expected.split())
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1] / max(len(b), 1)
