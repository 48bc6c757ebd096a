"""Twenty chat sessions asking at once: errors, answer time and the memory of the app process.

    .venv/bin/python benchmarks/concurrent_sessions.py [--sessions 20] [--llm extractive|none]
        [--corpus .cache/eval/dev/corpus --index .cache/eval/dev/index]

Each session is a real `app.py` run by Streamlit's AppTest in this process, as the Streamlit
server runs its sessions: threads sharing one embedding model and one loaded index (the app's
`st.cache_resource`). The index is the one `rag eval eval/dev.jsonl --corpus corpus --corpus
../shared/dutch-open-corpus` builds (248 documents, 4,867 chunks), updated if need be. Every session opens the app and asks one of the dev-set
questions. Reported: failed sessions, per-session answer time p50/p95, and the resident memory
(RSS) of the process before the model is loaded, once the index is loaded, at its peak and after.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _common import REPO, machine, percentiles, settings, table, write_results


def rss_mb(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--llm", default="extractive")
    parser.add_argument("--corpus", type=Path, default=REPO / ".cache/eval/dev/corpus")
    parser.add_argument("--index", type=Path, default=REPO / ".cache/eval/dev/index")
    args = parser.parse_args()

    from streamlit.testing.v1 import AppTest

    from rag.embedding import Embedder
    from rag.indexing import update_index
    from rag.ui import resources

    memory = {"start_mb": rss_mb()}
    embedder = Embedder.from_settings(settings())
    corpus, index_dir = args.corpus.resolve(), args.index.resolve()
    update_index(settings(corpus_dir=corpus, index_dir=index_dir), embedder)
    resources.embedder = lambda _settings: embedder  # the model loaded above, as the app caches it
    os.environ.update(RAG_CORPUS_DIR=str(corpus), RAG_INDEX_DIR=str(index_dir),
                      RAG_MODELS_DIR=str(REPO / "models"), RAG_LLM=args.llm)
    questions = [json.loads(line)["question"] for line in open(REPO / "eval" / "dev.jsonl", encoding="utf-8")]

    AppTest.from_file(str(REPO / "app.py"), default_timeout=900).run()  # loads the index once
    memory["index_loaded_mb"] = rss_mb()
    peak = {"mb": 0.0}
    done = threading.Event()

    def sample_memory() -> None:
        while not done.wait(0.2):
            peak["mb"] = max(peak["mb"], rss_mb())

    def session(number: int) -> dict:
        started = time.perf_counter()
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=900).run()
        at.chat_input[0].set_value(questions[number % len(questions)]).run()
        problems = [str(e) for e in at.exception] + [e.value for e in at.error]
        return {"seconds": time.perf_counter() - started, "problems": problems,
                "passages": len(at.main.expander)}

    sampler = threading.Thread(target=sample_memory, daemon=True)
    sampler.start()
    started = time.perf_counter()
    with ThreadPoolExecutor(args.sessions) as pool:
        runs = list(pool.map(session, range(args.sessions)))
    wall = time.perf_counter() - started
    done.set()
    memory.update(peak_mb=peak["mb"], after_mb=rss_mb())
    failed = [r for r in runs if r["problems"] or not r["passages"]]
    times = percentiles([r["seconds"] for r in runs])
    print(table(["sessions", "backend", "failed", "answer p50 / p95 s", "wall s",
                 "RSS start / index loaded / peak / after MiB"],
                [[args.sessions, args.llm, len(failed), f"{times['p50_ms'] / 1000:.1f} / {times['p95_ms'] / 1000:.1f}",
                  f"{wall:.0f}", " / ".join(f"{memory[k]:,.0f}" for k in ("start_mb", "index_loaded_mb", "peak_mb", "after_mb"))]]))
    path = write_results(f"concurrent_sessions_{args.llm}", {
        "machine": machine(), "sessions": args.sessions, "llm": args.llm, "wall_s": wall,
        "answer_seconds": times, "memory": memory, "failed": failed,
    })
    print(f"\nresults: {path}")


if __name__ == "__main__":
    sys.exit(main())
