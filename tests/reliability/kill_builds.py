"""SIGKILL `rag index` at many moments and check the index after every kill (run by a test).

    python tests/reliability/kill_builds.py CORPUS INDEX CLEAN_INDEX KILLS SEED

Loading the model takes seconds, so the model is loaded once, here, and every build runs in a
forked child process: the real `rag index` command on the real model, killed with SIGKILL by this
parent. Torch runs single-threaded in the parent until the fork, so the children start cleanly.
Half of the kills fall at a uniformly random moment of a build (from the fork to the time an
update took undisturbed); the other half just after the child starts writing a new build folder,
the window a crash is most likely to damage. Before each
build a file of the corpus is rewritten, so every build has work to do.

Builds are started until KILLS of them were killed (a build may finish before its moment comes).
Prints one JSON object: a record per attempt and the final comparison with a clean build.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # tokenizers' threads do not survive a fork
import torch  # noqa: E402

from rag import store
from rag.config import Settings
from rag.doctor import check_stored_index
from rag.embedding import Embedder, load_embedder

CHANGING_FILE = "wijzigend.txt"


def build_in_child(settings: Settings, embedder: Embedder) -> int:
    """Fork a child running `rag index`; returns its pid."""
    pid = os.fork()
    if pid:
        return pid
    try:
        torch.set_num_threads(os.cpu_count() or 1)
        from rag import cli

        cli._embedder = lambda _settings: embedder  # the model already in memory
        os.environ["RAG_CORPUS_DIR"], os.environ["RAG_INDEX_DIR"] = (
            str(settings.corpus_dir),
            str(settings.index_dir),
        )
        cli.app(["index"], standalone_mode=False)
        os._exit(0)
    except BaseException:  # noqa: BLE001 - a child must never return into the parent's loop
        os._exit(1)


def wait(pid: int) -> int:
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def timed_build(settings: Settings, embedder: Embedder) -> float:
    started = time.perf_counter()
    code = wait(build_in_child(settings, embedder))
    if code != 0:
        raise SystemExit(f"a full build failed with exit code {code}")
    return time.perf_counter() - started


def builds(index_dir: Path) -> set[str]:
    return {p.name for p in index_dir.glob("build-*")} if index_dir.is_dir() else set()


def kill_at(pid: int, index_dir: Path, before: set[str], moment: float | None, rng: random.Random) -> str:
    """Kill `pid` after `moment` seconds, or (None) just after a new build folder appears."""
    started = time.perf_counter()
    while True:
        if os.waitpid(pid, os.WNOHANG)[0]:
            return "finished before the kill"
        elapsed = time.perf_counter() - started
        if moment is not None and elapsed >= moment:
            break
        if moment is None and builds(index_dir) - before:
            time.sleep(rng.uniform(0, 0.03))
            break
        time.sleep(0.0005)
    writing = bool(builds(index_dir) - before)
    if os.waitpid(pid, os.WNOHANG)[0]:
        return "finished before the kill"
    os.kill(pid, signal.SIGKILL)
    wait(pid)
    return "killed while writing" if writing else "killed before writing"


def main() -> None:
    corpus, index_dir, clean_dir = (Path(arg) for arg in sys.argv[1:4])
    kills, seed = int(sys.argv[4]), int(sys.argv[5])
    torch.set_num_threads(1)
    settings = Settings(corpus_dir=corpus, index_dir=index_dir)
    embedder = load_embedder(settings)
    rng = random.Random(seed)
    changing = corpus / CHANGING_FILE

    changing.write_text("Versie 0 van de notitie over de wijkschouw.\n", encoding="utf-8")
    full_seconds = timed_build(settings, embedder)
    changing.write_text("Versie 0 van de notitie, herzien.\n", encoding="utf-8")
    update_seconds = timed_build(settings, embedder)  # what each build in the loop has to do
    records: list[dict] = []
    attempt = 0
    while sum(r["outcome"].startswith("killed") for r in records) < kills and attempt < 2 * kills:
        attempt += 1
        changing.write_text(
            f"Versie {attempt} van de notitie over de wijkschouw: de bewoners lopen op dag {attempt} mee.\n",
            encoding="utf-8",
        )
        before, live_before = builds(index_dir), store.current_build_name(index_dir)
        moment = rng.uniform(0, 0.9 * update_seconds) if attempt % 2 else None
        outcome = kill_at(build_in_child(settings, embedder), index_dir, before, moment, rng)
        findings = check_stored_index(index_dir)
        records.append(
            {
                "attempt": attempt,
                "moment": moment,
                "outcome": outcome,
                "swapped": store.current_build_name(index_dir) != live_before,
                "problems": [f"{f.check}: {f.detail}" for f in findings if not f.ok],
            }
        )

    finish_seconds = timed_build(settings, embedder)
    timed_build(Settings(corpus_dir=corpus, index_dir=clean_dir), embedder)
    after, clean = store.load(index_dir), store.load(clean_dir)
    after_rows = {chunk.id: row for row, chunk in enumerate(after.chunks)}  # an update appends:
    clean_rows = {chunk.id: row for row, chunk in enumerate(clean.chunks)}  # compare by chunk id
    shared = sorted(after_rows.keys() & clean_rows.keys())
    print(
        json.dumps(
            {
                "full_build_seconds": full_seconds,
                "update_seconds": update_seconds,
                "finishing_build_seconds": finish_seconds,
                "attempts": records,
                "leftover_builds": sorted(builds(index_dir)),
                "same_chunks": after_rows.keys() == clean_rows.keys()
                and all(after.chunks[after_rows[i]] == clean.chunks[clean_rows[i]] for i in shared),
                "same_documents": after.documents.keys() == clean.documents.keys()
                and all(after.documents[p].text == clean.documents[p].text for p in clean.documents),
                "same_files": {p: (r.sha256, r.chunks) for p, r in after.manifest.files.items()}
                == {p: (r.sha256, r.chunks) for p, r in clean.manifest.files.items()},
                # bfloat16 vectors (the default on CPUs with AVX512-BF16) depend on the batch a chunk
                # was embedded in; the same passage in another batch stays at cosine > 0.999.
                "min_vector_cosine": float(
                    np.min(
                        np.sum(
                            after.vectors.matrix([after_rows[i] for i in shared])
                            * clean.vectors.matrix([clean_rows[i] for i in shared]),
                            axis=1,
                        )
                    )
                ),
            }
        )
    )


if __name__ == "__main__":
    main()
