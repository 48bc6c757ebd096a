"""Building or updating the index from the chat, with a progress bar; explaining an empty corpus."""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from rag import store
from rag.config import Settings
from rag.embedding import Embedder
from rag.errors import ConfigError, RagError
from rag.indexing import IndexReport, corpus_files, update_index
from rag.loaders import SUPPORTED_TYPES
from rag.ui import resources
from rag.ui.highlight import escape_markdown
from rag.ui.texts import Texts

_READING_SHARE = 0.1  # of the bar: reading is quick, embedding is the long part

REBUILD_KEY = "rebuild_requested"  # session_state: where the user asked for an update


def request_rebuild(where: str) -> None:
    """Button callback: the update runs at the top of the next script run."""
    st.session_state[REBUILD_KEY] = where


def explain_missing_documents(settings: Settings, texts: Texts) -> bool:
    """With no index and nothing to index, say where documents go; True when it did."""
    if store.exists(settings.index_dir):
        return False
    folder = settings.corpus_dir.resolve()
    try:
        files = corpus_files(settings.corpus_dir)
    except ConfigError:
        st.info(texts("missing_corpus", folder=folder, types=SUPPORTED_TYPES), icon=":material/folder_open:")
        return True
    if files:
        return False
    st.subheader(texts("empty_title"))
    st.info(texts("empty_corpus", folder=folder, types=SUPPORTED_TYPES), icon=":material/folder_open:")
    return True


def build_index(
    settings: Settings, embedder: Embedder, texts: Texts, container: DeltaGenerator
) -> IndexReport | None:
    """Bring the index up to date (incremental) with a progress bar in `container`.

    The new build is saved and made current only at the end, so other sessions keep answering
    from the previous one meanwhile. Returns None when it could not run (the reason is shown).
    """
    lock = resources.build_lock()
    if not lock.acquire(blocking=False):
        container.info(texts("build_busy"), icon=":material/hourglass_top:")
        return None
    try:
        bar = container.progress(0.0, text=texts("build_start"))
        reading = 0.0  # where the bar stands while files are read

        def progress(stage: str, done: int, total: int) -> None:
            nonlocal reading
            share = done / total if total else 1.0
            if stage == "reading":
                reading = _READING_SHARE * share
                bar.progress(reading, text=texts("stage_reading", done=done, total=total))
            elif stage == "ocr":  # pages of one scan, while the bar stays at its file
                bar.progress(reading, text=texts("stage_ocr", done=done, total=total))
            else:
                value = _READING_SHARE + (1 - _READING_SHARE) * share
                bar.progress(min(value, 1.0), text=texts("stage_embedding", done=done, total=total))

        report = update_index(settings, embedder, progress=progress)
        bar.progress(
            1.0,
            text=texts("build_done", docs=_documents(settings), chunks=report.chunks, seconds=report.seconds),
        )
    except RagError as error:
        container.error(texts.error(error), icon=":material/error:")
        return None
    finally:
        lock.release()
    _summarise(report, texts, container)
    return report


def _documents(settings: Settings) -> int:
    try:
        return len(store.read_manifest(settings.index_dir).files)
    except RagError:
        return 0


def _summarise(report: IndexReport, texts: Texts, container: DeltaGenerator) -> None:
    if report.rebuild_reason:
        reason = texts.rebuild_reason(report.rebuild_reason)
        container.caption(texts("build_full", reason=escape_markdown(reason)))
    if report.written:
        container.success(
            texts(
                "build_summary",
                added=len(report.added),
                changed=len(report.changed),
                removed=len(report.removed),
                failed=len(report.failed),
            ),
            icon=":material/check_circle:",
        )
    else:
        container.success(texts("build_up_to_date", chunks=report.chunks), icon=":material/check_circle:")
    for path, reason in report.failed.items():
        if path in report.unread_scans:
            text = texts(
                "build_scan_unreadable", path=escape_markdown(path), packages=report.unread_scans[path]
            )
        else:
            text = texts(
                "build_skipped",
                path=escape_markdown(path),
                reason=escape_markdown(texts.read_failure(reason)),
            )
        container.warning(text)
    for path, packages in report.unread_scans.items():
        if path not in report.failed:
            container.warning(texts("build_partly_read", path=escape_markdown(path), packages=packages))
    for path, original in report.duplicates.items():
        container.caption(
            texts("build_duplicate", path=escape_markdown(path), original=escape_markdown(original))
        )
