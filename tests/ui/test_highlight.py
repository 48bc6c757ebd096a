"""Untrusted text made safe to show: escaping, passage and document highlighting, answer HTML."""

from __future__ import annotations

import html
import re

import pytest

from rag.ui.highlight import answer_html, document_html, escape_markdown, merge_spans, passage_html

pytestmark = pytest.mark.unit
MALICIOUS = (
    "# Inspraak ![x](http://127.0.0.1:9/t.png)\n\n"
    "Bewoners van Wijk Zuid kozen voor meer groen. <script>alert(1)</script> "
    "![x](http://127.0.0.1:9/x.png) [klik](javascript:alert(1)) <img src=x onerror=alert(2)>"
)


def plain(markdown: str) -> str:
    """Markdown text as shown: without backslash escapes and invisible word joiners."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def test_document_text_is_escaped_and_the_passage_highlighted_in_context() -> None:
    text = "Begin van de tekst. " * 30 + MALICIOUS + " Einde van de tekst." * 30
    start = text.index("Bewoners")
    end = text.index("<img")
    shown = passage_html(text, start, end)

    assert "<script" not in shown and "<img" not in shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    marked = re.search(r'<mark class="rag-mark">(.*?)</mark>', shown, re.S).group(1)
    assert html.unescape(marked) == text[start:end]
    assert shown.count("…") == 2  # context cut on both sides
    assert set(re.findall(r"</?([a-z]+)", shown)) == {"div", "mark"}


def test_headings_are_shown_bold_without_their_markers() -> None:
    """The loaders mark headings of every format with #s; a reader checking a passage sees a heading."""
    text = "## Hoofdstuk 4 <b>Inspraak</b>\n\n### Artikel 26\nDe raad hoort bewoners, zie #12 en # 3.\n"
    start = text.index("### Artikel")
    shown = passage_html(text, start, len(text))
    assert "<strong>Hoofdstuk 4 &lt;b&gt;Inspraak&lt;/b&gt;</strong>" in shown
    assert '<mark class="rag-mark"><strong>Artikel 26</strong>\nDe raad' in shown
    assert "zie #12 en # 3." in shown and "##" not in shown
    assert "<strong>Artikel 26</strong>" in document_html(text, [(start, len(text), 1)])


def test_whole_document_merges_overlapping_spans() -> None:
    text = "aaaa bbbb cccc dddd eeee <b>ffff</b>"
    assert merge_spans([(10, 20, 2), (0, 4, 1), (15, 24, 3)]) == [(0, 4, [1]), (10, 24, [2, 3])]
    shown = document_html(text, [(10, 20, 2), (0, 4, 1), (15, 24, 3)])
    assert '<span class="rag-n">[1]</span><mark class="rag-mark">aaaa</mark>' in shown
    assert '<span class="rag-n">[2, 3]</span><mark class="rag-mark">cccc dddd eeee</mark>' in shown
    assert "&lt;b&gt;ffff&lt;/b&gt;" in shown


def test_answers_are_escaped_with_only_simple_formatting() -> None:
    shown = answer_html("Zie **dit** [1, 2].\n\n- een <img src=x> [2]\n- twee ![x](http://e/x.png)")
    assert "<strong>dit</strong>" in shown and '<span class="rag-cite">[1, 2]</span>' in shown
    assert "<ul><li>een &lt;img src=x&gt;" in shown and "<img" not in shown
    assert set(re.findall(r"</?([a-z]+)", shown)) <= {"div", "p", "strong", "span", "ul", "li", "br"}


def test_quoted_items_with_a_documents_own_bullets_become_a_list() -> None:
    """The extractive answerer quotes list items as the document writes them (▪, –)."""
    shown = answer_html("Registratie kost: [1]\n\n▪ € 450 voor een partij [1]\n– € 225 voor een lijst [1]")
    assert "<ul><li>€ 450 voor een partij" in shown and "<li>€ 225 voor een lijst" in shown
    assert "▪" not in shown and "–" not in shown


def test_markdown_escaping_leaves_no_link_image_or_html() -> None:
    escaped = escape_markdown("Titel ![x](http://127.0.0.1:9/x.png) [klik](javascript:alert(1)) <b>")
    assert plain(escaped) == "Titel ![x](http://127.0.0.1:9/x.png) [klik](javascript:alert(1)) <b>"
    assert not re.search(r"(?<!\\)[\[\]<>!()]", escaped)  # every such character is escaped
    assert "http\\:\u2060//" in escaped  # no bare-URL autolink either


def test_exported_text_keeps_ampersands_readable_and_shows_entities_literally() -> None:
    """A Markdown viewer shows the text as written, and the raw file reads "R&D", not "R\\&D"."""
    from markdown_it import MarkdownIt  # rich's Markdown parser: CommonMark

    text = "Bewoners & gemeente, R&D: schrijf &amp; of &#36; niet om"
    escaped = escape_markdown(text, light=True)

    assert "Bewoners & gemeente, R&D" in escaped
    rendered = MarkdownIt("commonmark").render(escaped)
    assert html.unescape(re.sub(r"</?p>", "", rendered)).strip() == text
