"""The conversation as a Markdown file: questions, answers, and the passages they cite.

Document and model text is escaped (`escape_markdown(light=True)`), so opening the file in a
Markdown viewer shows it literally and loads nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from rag.types import Answer, Document
from rag.ui.highlight import escape_markdown
from rag.ui.sources import Source, sourced_answer
from rag.ui.texts import Texts

_ESCAPED_MARKER = re.compile(r"\\\[([\d, ]+)\\\]")


def _quote(text: str) -> str:
    """A Markdown block quote keeping the passage's lines, so a heading does not run into the
    paragraph below it; runs of blank lines become one."""
    lines = [" ".join(line.split()) for line in text.strip().splitlines()]
    kept = [line for i, line in enumerate(lines) if line or (i and lines[i - 1])]
    return "\n".join(f"> {line}" if line else ">" for line in kept)


def _passage(source: Source, documents: Mapping[str, Document]) -> str:
    """The passage as the document has it (its lines), or as retrieved when the document is gone."""
    document = documents.get(source.doc)
    return document.text[source.start : source.end] if document else source.text


def _backend(answer: Answer, texts: Texts) -> str:
    return f"{texts(f'backend_{answer.backend}')} {answer.model}".strip()


def _literal(text: str) -> str:
    """Escaped like document text, but the answer's [n] markers stay readable as [n]."""
    return _ESCAPED_MARKER.sub(r"[\1]", escape_markdown(text, light=True))


def _where(source: Source, texts: Texts) -> str:
    places = [f"`{source.doc.replace('`', '')}`"]
    if source.section:
        places.append(escape_markdown(source.section, light=True))
    if source.page:
        places.append(texts("page", page=source.page))
    return ", ".join(places)


def chat_markdown(messages: Sequence[dict[str, Any]], texts: Texts, now: datetime | None = None) -> str:
    """`messages` as kept by the chat: {"role", "content"} plus "answer" (Answer) and "error"."""
    now = now or datetime.now()
    lines = [
        f"# {texts('export_heading')}",
        "",
        f"*{texts('export_date', date=now.strftime(texts('date_format')))}*",
    ]
    question_number = 0
    for message in messages:
        if message["role"] == "user":
            question_number += 1
            lines += ["", f"## {texts('export_question')} {question_number}", ""]
            lines.append(escape_markdown(message["content"], light=True))
            continue
        answer: Answer | None = message.get("answer")
        if message.get("error"):
            lines += ["", f"**{texts('export_error')}:** {escape_markdown(message['error'], light=True)}"]
        if answer is None:
            continue
        documents = message.get("docs", {})
        sourced = sourced_answer(answer, documents)
        heading = texts("export_refused") if answer.refused else texts("export_answer")
        lines += ["", f"### {heading} ({escape_markdown(_backend(answer, texts), light=True)})", ""]
        if answer.text:
            lines.append(_literal(sourced.text))
        if answer.query and answer.query != answer.question:
            lines += ["", f"*{escape_markdown(texts('rewritten', query=answer.query), light=True)}*"]
        notes = [answer.notice, answer.error, *answer.warnings]
        if answer.confidence == "weak":
            notes.insert(0, Texts(answer.language)("weak_label"))
        if answer.incomplete:
            notes.append(texts("incomplete"))
        if any(filter(None, notes)):
            lines.append("")
        lines += [f"- {escape_markdown(note, light=True)}" for note in filter(None, notes)]
        sources = sourced.sources
        if sources:
            heading = texts("closest" if answer.refused else "sources" if sources[0].cited else "passages")
            lines += ["", f"#### {heading}"]
        for source in sources:
            flag = "" if source.supported else f" — *{texts('not_supported')}*"
            title = escape_markdown(source.title, light=True)
            lines += [
                "",
                f"**[{source.n}] {title}** — {_where(source, texts)}{flag}",
                "",
                _quote(escape_markdown(_passage(source, documents), light=True)),
            ]
    return "\n".join(lines) + "\n"
