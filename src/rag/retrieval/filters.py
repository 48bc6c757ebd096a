"""Restrict search to some documents: `path:GLOB`, `title:WORDS`, `year:YYYY` (all must hold)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatch

from rag.errors import ConfigError
from rag.types import Document

_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")
_FIELDS = ("path", "title", "year")


@dataclass(frozen=True)
class Where:
    path: str | None = None  # glob on the path relative to the corpus, e.g. "verslagen/*.pdf"
    title: str | None = None  # case-insensitive substring of the title
    year: int | None = None

    def allows(self, document: Document) -> bool:
        if self.path and not fnmatch(document.path.lower(), self.path.lower()):
            return False
        if self.title and self.title.lower() not in document.title.lower():
            return False
        return self.year is None or self.year in document_years(document)


def document_years(document: Document) -> set[int]:
    """Years a user would file the document under: named in its path, title or opening lines.

    The file's modified time is only a fallback: copying a file changes it.
    """
    named = _YEAR.findall(" ".join((document.path, document.title, document.text[:500])))
    return {int(y) for y in named} or {datetime.fromtimestamp(document.mtime).year}


def parse_where(expressions: list[str] | None) -> Where | None:
    """`["path:*.pdf", "year:2016"]` -> Where; a malformed expression names the fix."""
    if not expressions:
        return None
    values: dict[str, str] = {}
    for expression in expressions:
        name, sep, value = expression.partition(":")
        name = name.strip().lower()
        if not sep or name not in _FIELDS or not value.strip():
            raise ConfigError(f"Cannot read filter {expression!r}: use path:GLOB, title:WORDS or year:YYYY.")
        values[name] = value.strip()
    year = values.get("year")
    if year is not None and not year.isdigit():
        raise ConfigError(f"Cannot read filter 'year:{year}': the year must be a number like 2016.")
    return Where(values.get("path"), values.get("title"), int(year) if year else None)
