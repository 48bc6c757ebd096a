"""Errors a user can act on: each message names the file or setting and the fix.

Everything else is a bug and may surface as a traceback; these become plain messages in the CLI
and the chat.
"""


class RagError(Exception):
    """Base class: the message is shown to the user as is."""


class ConfigError(RagError):
    """A setting has an invalid value."""


class DocumentError(RagError):
    """One file could not be read; the index build skips it and reports the reason."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class ScanUnreadableError(DocumentError):
    """A file has scanned pages, but Tesseract or one of its language packages is not installed.

    `packages` are the Debian packages that fix it; the build lists the file with them and reads it
    again once they are installed.
    """

    def __init__(self, path: str, packages: str) -> None:
        super().__init__(path, f"scanned, not readable: install {packages} (apt) to index it")
        self.packages = packages


class ModelError(RagError):
    """The embedding model is missing, corrupt or does not match its pinned hashes."""


class EmbeddingError(RagError):
    """The embedding server failed or refused; the index is left as it was."""


class IndexStoreError(RagError):
    """The index is missing, unreadable or incompatible with the current settings."""


class IndexBusyError(IndexStoreError):
    """Another process is updating the same index; the second builder stops instead of racing it."""


class QuestionError(RagError):
    """The question cannot be asked as it is (it is empty)."""


class LLMError(RagError):
    """The language model backend failed; `partial` holds any text generated before the failure."""

    def __init__(self, message: str, partial: str = "") -> None:
        super().__init__(message)
        self.partial = partial
