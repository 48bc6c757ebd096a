"""Case 3 and 4: a build killed or out of disk space never costs the previous index."""

from __future__ import annotations

import errno
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rag import store
from rag.config import Settings
from rag.errors import IndexStoreError
from rag.indexing import update_index
from tests.files import CORPUS

pytestmark = pytest.mark.integration

KILLS = 20


@pytest.mark.slow
def test_sigkill_at_twenty_moments_of_rag_index_never_damages_the_index(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    helper = Path(__file__).with_name("kill_builds.py")

    run = subprocess.run(
        [
            sys.executable,
            str(helper),
            str(corpus),
            str(tmp_path / "index"),
            str(tmp_path / "clean"),
            str(KILLS),
            "7",
        ],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )

    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    attempts = result["attempts"]
    assert all(not a["problems"] for a in attempts), [a for a in attempts if a["problems"]]
    outcomes = [a["outcome"] for a in attempts]
    assert sum(o.startswith("killed") for o in outcomes) == KILLS, attempts
    assert {"killed before writing", "killed while writing"} <= set(outcomes)  # both windows hit
    assert result["same_chunks"] and result["same_documents"] and result["same_files"]
    assert result["min_vector_cosine"] > 0.999  # bfloat16 batches of other sizes differ by ~1e-4
    assert len(result["leftover_builds"]) <= 2  # the live build and the one before it


def test_next_run_with_nothing_to_do_removes_what_killed_builds_left(tmp_path, embedder, monkeypatch):
    settings, _ = indexed_then_changed(tmp_path, tmp_path / "index", embedder)
    with monkeypatch.context() as killed_after_swap:  # the swap happened, the clean-up never ran
        killed_after_swap.setattr(store, "_remove_old_builds", lambda *args, **kwargs: None)
        update_index(settings, embedder)
        previous = store.current_build_name(settings.index_dir)
        (settings.corpus_dir / "nieuw.txt").write_text("Tweede versie van de notitie.", encoding="utf-8")
        update_index(settings, embedder)
    live = store.current_build_name(settings.index_dir)
    before = sorted(p.name for p in settings.index_dir.glob("build-*"))
    partial = settings.index_dir / "build-99991231T000000-1-1"  # killed while writing: no checksums
    partial.mkdir()
    (partial / "manifest.json").write_text("{", encoding="utf-8")

    report = update_index(settings, embedder)

    assert not report.written and len(before) == 3
    assert {p.name for p in settings.index_dir.glob("build-*")} == {live, previous}
    assert store.load(settings.index_dir).chunks


def indexed_then_changed(tmp_path: Path, index_dir: Path, embedder) -> tuple[Settings, store.IndexStore]:
    """An index of the sample corpus, then a new file that the next update has to write."""
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    settings = Settings(corpus_dir=corpus, index_dir=index_dir)
    update_index(settings, embedder)
    (corpus / "nieuw.txt").write_text("Een nieuwe notitie over het buurtbudget.", encoding="utf-8")
    return settings, store.load(index_dir)


def test_disk_full_while_writing_keeps_the_previous_index_and_says_so(tmp_path, embedder, monkeypatch):
    settings, before = indexed_then_changed(tmp_path, tmp_path / "index", embedder)

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "save", disk_full)  # slots.npy is written after the chunks and FAISS
    with pytest.raises(IndexStoreError) as caught:
        update_index(settings, embedder)

    message = str(caught.value)
    assert "No space left" in message and str(settings.index_dir) in message
    assert "previous index is unchanged" in message and "MB free" in message
    after = store.load(settings.index_dir)
    assert after.chunks == before.chunks and np.array_equal(after.vectors.matrix(), before.vectors.matrix())
    assert [p.name for p in settings.index_dir.glob("build-*")] == [
        store.current_build_name(settings.index_dir)
    ]


@pytest.fixture
def small_disk(tmp_path):
    """A real 2 MB file system (tmpfs); needs the right to mount, as root in CI has."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount_point)], capture_output=True, check=False
    )
    if mounted.returncode != 0:
        pytest.skip(
            f"cannot mount a tmpfs here ({mounted.stderr.decode().strip()}); the injected test covers it"
        )
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_a_really_full_disk_keeps_the_previous_index(tmp_path, small_disk, embedder):
    settings, before = indexed_then_changed(tmp_path, small_disk / "index", embedder)
    free = shutil.disk_usage(small_disk).free
    (small_disk / "filler").write_bytes(b"\0" * (free - 40_000))  # room for the manifest, not the rest

    with pytest.raises(IndexStoreError, match=r"The previous index is unchanged.*disk has 0\.\d MB free"):
        update_index(settings, embedder)

    after = store.load(settings.index_dir)
    assert after.chunks == before.chunks and np.array_equal(after.vectors.matrix(), before.vectors.matrix())
    (small_disk / "filler").unlink()  # space freed: the next run succeeds
    assert update_index(settings, embedder).written
    assert "nieuw.txt" in store.load(settings.index_dir).documents
