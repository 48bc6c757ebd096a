"""Errors a user can act on: each message names the file or setting and the fix.

Everything else is a bug and may surface as a traceback; these become plain messages in the CLI
and the chat.
"""

import re
from collections.abc import Callable, Mapping
from string import Formatter

# Why a file could not be read, one entry per case: its English wording (what `rag index` prints
# and the index keeps), the values it names in braces. The Dutch interface words the same cases
# (`ui/texts.py`), and reads a kept reason back into its case and values (`read_failure_case`).
READ_FAILURES: dict[str, str] = {
    "outside_corpus": "is outside the corpus folder {folder}: only files in that folder are read",
    "cannot_open": "cannot be read ({detail})",
    "crashed": "could not be read ({detail})",
    "empty": "the file is empty",
    "unsupported_type": "unsupported file type '{suffix}'",
    "no_text": "contains no text",
    "nothing_to_index": "no text to index",
    "binary": "binary file, not text",
    "binary_html": "binary file, not HTML",
    "unknown_encoding": "text encoding could not be recognised",
    "password": "the PDF is password-protected",
    "damaged_pdf": "damaged or unreadable PDF ({detail})",
    "damaged_docx": "damaged or unreadable DOCX ({detail})",
    "damaged_image": "damaged or unreadable image ({detail})",
    "pdf_without_text": "the PDF has no extractable text",
    "pdf_without_text_ocr_off": "the PDF has no extractable text: OCR is off (RAG_OCR=off)",
    "image_ocr_off": "an image, and OCR is off (RAG_OCR=off)",
    "blank_scans": "scanned, but no text was recognised on it (blank pages?)",
    "blank_scan": "scanned, but no text was recognised on it (a blank page?)",
    "ocr_failed": "OCR failed on page {page} ({detail})",
    "ocr_timeout": "OCR of page {page} took over {seconds} s (a damaged scan?)",
    "too_many_scans": "has {pages} scanned pages, more than RAG_OCR_MAX_PAGES ({limit}): raise that "
    "limit to index it (OCR takes one to three seconds per page)",
    "too_large": "is {size} MB, over the limit of {limit} MB (RAG_MAX_FILE_MB): split it into smaller "
    "files, or raise RAG_MAX_FILE_MB if you can wait for the embedding (hours per 20 MB of text)",
    "scan_unreadable": "scanned, not readable: install {packages} (apt) to index it",
}


def read_failure(case: str, **values: object) -> str:
    """The English reason for `case` of READ_FAILURES, with its values filled in."""
    return READ_FAILURES[case].format(**values)


def _pattern(template: str) -> re.Pattern[str]:
    parts = [
        re.escape(literal) + (f"(?P<{name}>.*?)" if name else "")
        for literal, name, _, _ in Formatter().parse(template)
    ]
    return re.compile("".join(parts), re.DOTALL)


_READ_FAILURE_PATTERNS = {case: _pattern(template) for case, template in READ_FAILURES.items()}


def read_failure_case(reason: str) -> tuple[str, dict[str, str]] | None:
    """The case and values of a reason worded by `read_failure` (as an index keeps it), or None
    for a reason worded otherwise (an index built by an older version)."""
    for case, pattern in _READ_FAILURE_PATTERNS.items():
        if match := pattern.fullmatch(reason):
            return case, match.groupdict()
    return None


class RagError(Exception):
    """Base class: the message is shown to the user as is."""


class ConfigError(RagError):
    """A setting has an invalid value."""


class DocumentError(RagError):
    """One file could not be read; the index build skips it and reports the reason: `case` of
    READ_FAILURES, worded with `values` (the chat reads it back from the wording, as it does from
    an index)."""

    def __init__(self, path: str, case: str, **values: object) -> None:
        self.path = path
        self.reason = read_failure(case, **values)
        super().__init__(f"{path}: {self.reason}")


class ScanUnreadableError(DocumentError):
    """A file has scanned pages, but Tesseract or one of its language packages is not installed.

    `packages` are the Debian packages that fix it; the build lists the file with them and reads it
    again once they are installed.
    """

    def __init__(self, path: str, packages: str) -> None:
        super().__init__(path, "scan_unreadable", packages=packages)
        self.packages = packages


class ModelError(RagError):
    """The embedding model is missing, corrupt or does not match its pinned hashes."""


class EmbeddingError(RagError):
    """The embedding server failed or refused; the index is left as it was."""


# Why the index cannot be used, written or built, one entry per case: its English wording (what
# `rag` prints), the values it names in braces. The chat words the same cases in Dutch
# (`ui/texts.py`), where its rebuild button is the fix.
INDEX_PROBLEMS: dict[str, str] = {
    "missing": "No index in {index_dir}: run `rag index` to build it.",
    "damaged": "The index in {index_dir} is damaged: run `rag index --rebuild`.",
    "damaged_detail": "The index in {index_dir} is damaged ({detail}): run `rag index --rebuild`.",
    "format": "The index in {index_dir} has format version {found}, this version reads {expected}: "
    "run `rag index --rebuild`.",
    "model": "The index in {index_dir} was built with {built}, settings ask for {asked}: "
    "run `rag index --rebuild`.",
    "dimension": "The index in {index_dir} holds {built}-dimensional vectors, the model {model} makes "
    "{made}-dimensional ones: run `rag index --rebuild`.",
    "backend": "The index in {index_dir} was embedded with the {built} backend, the query embedder is "
    "{asked}: set RAG_EMBED_BACKEND={built} or run `rag index --rebuild`.",
    "write_failed": "Could not write the new index to {index_dir} ({detail}). The previous index is "
    "unchanged and still in use. Free disk space (this index needs about {needed}, the disk has "
    "{free} free) and run `rag index` again.",
    "busy": "Another build is updating the index in {index_dir} right now: wait until it has finished, "
    "then run `rag index` again (searching keeps working meanwhile).",
    "no_documents": "No documents in {corpus_dir}: put files of these types there: {types} (or set "
    "RAG_CORPUS_DIR) and run `rag index` again.",
    "nothing_indexed": "None of the {count} files in {corpus_dir} could be indexed ({reasons}).",
}


def failed_files(failed: Mapping[str, str], word: Callable[[str], str] = str) -> str:
    """The files that failed with their reasons, as "nothing_indexed" lists them; `word` words
    each reason (in the interface language)."""
    return "; ".join(f"{path}: {word(reason)}" for path, reason in failed.items())


class IndexStoreError(RagError):
    """The index is missing, unreadable or incompatible with the current settings: `case` of
    INDEX_PROBLEMS with its `values`, which the chat words in its own language."""

    def __init__(self, case: str, **values: object) -> None:
        self.case = case
        self.values = values
        super().__init__(INDEX_PROBLEMS[case].format(**values))


class IndexBusyError(IndexStoreError):
    """Another process is updating the same index; the second builder stops instead of racing it."""


class QuestionError(RagError):
    """The question cannot be asked as it is (it is empty)."""


class LLMError(RagError):
    """The language model backend failed; `partial` holds any text generated before the failure."""

    def __init__(self, message: str, partial: str = "") -> None:
        super().__init__(message)
        self.partial = partial
