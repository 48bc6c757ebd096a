"""The conversation as a Markdown file: questions, answers, and the passages they cite.

Document and model text is escaped (`escape_markdown(light=True)`), so opening the file in a
Markdown viewer shows it literally and loads nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from rag.types import Answer
from rag.ui.highlight import escape_markdown
from rag.ui.sources import answer_sources
from rag.ui.texts import Texts


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.splitlines())


def _backend(answer: Answer, texts: Texts) -> str:
    return f"{texts(f'backend_{answer.backend}')} {answer.model}".strip()


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
        lines += [
            "",
            f"### {texts('export_answer')} ({escape_markdown(_backend(answer, texts), light=True)})",
            "",
        ]
        if answer.text:
            lines.append(escape_markdown(answer.text, light=True))
        if answer.query and answer.query != answer.question:
            lines += ["", f"*{escape_markdown(texts('rewritten', query=answer.query), light=True)}*"]
        notes = [answer.notice, answer.error, *answer.warnings]
        if answer.confidence == "weak":
            notes.insert(0, Texts(answer.language)("weak_label"))
        if answer.incomplete:
            notes.append(texts("incomplete"))
        for note in filter(None, notes):
            lines += ["", f"- {escape_markdown(note, light=True)}"]
        sources = answer_sources(answer)
        if sources:
            heading = texts("closest" if answer.refused else "sources" if sources[0].cited else "passages")
            lines += ["", f"#### {heading}"]
        for source in sources:
            flag = "" if source.supported else f" — *{texts('not_supported')}*"
            where = texts("characters", start=source.start, end=source.end)
            if source.page:
                where = f"{texts('page', page=source.page)}, {where}"
            lines += [
                "",
                f"**[{source.n}] {escape_markdown(source.title, light=True)}** — "
                f"`{source.doc.replace('`', '')}` ({where}){flag}",
                "",
                _quote(escape_markdown(source.text, light=True)),
            ]
    return "\n".join(lines) + "\n"
