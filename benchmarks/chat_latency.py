"""What one user waits for in the browser: the first page load and each answer.

    .venv/bin/python benchmarks/chat_latency.py [--runs 3] [--corpus DIR ...] [--stand-in-vectors]

Per run: a copy of `corpus/` (and of each `--corpus` folder) with its index already built (as on
every start after the first),
`streamlit run app.py` (extractive answers), one headless Chromium page. Page load: from
`goto` to the first screen (documents listed, chat box enabled), which includes loading the
embedding model in a new server. Then three questions from the sample corpus, asked one after
another: time from sending to the first words of the answer on the page, and to the finished
answer (the "extractief · …" caption under it).

`--corpus ../shared/dutch-open-corpus --stand-in-vectors` measures the start with a ~5k-chunk
index (4,867 chunks) without the 45 minutes of embedding it: the index is built by the product
with clustered random vectors in place of the model's (`update_at_scale.ClusteredVectors`, under
the real model's name). The page load is then what a user waits for at that size; the answers
are timed but come from meaningless vectors.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO, machine, percentiles, settings, table, write_results
from concurrent_sessions import CHROMIUM, FINISHED, start_server
from update_at_scale import ClusteredVectors

QUESTIONS = (
    "Hoe hielpen winkeliers een moeder met schulden?",
    "Welke drie hoofdtaken heeft de beleidsmedewerker in Kirgizië?",
    "What did the alderman ask of the civil servants?",
)
CHAT_BOX = "textarea[data-testid='stChatInputTextArea']"
TIMEOUT_MS = 300_000


def one_run(browser, url: str) -> dict[str, list[float]]:  # noqa: ANN001
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.set_default_timeout(TIMEOUT_MS)
    started = time.perf_counter()
    page.goto(url)
    page.locator("[class*='st-key-example-']").first.wait_for()
    # The box may not exist yet when the examples show (a larger index): wait for it, then for it enabled.
    page.wait_for_function(
        f'() => {{ const box = document.querySelector("{CHAT_BOX}"); return box && !box.disabled; }}'
    )
    figures: dict[str, list[float]] = {"page load": [time.perf_counter() - started]}
    for number, question in enumerate(QUESTIONS):
        box = page.locator(CHAT_BOX)
        box.fill(question)
        sent = time.perf_counter()
        box.press("Enter")
        page.locator(".rag-answer").nth(number).wait_for()
        figures.setdefault("first words", []).append(time.perf_counter() - sent)
        page.get_by_text(FINISHED).nth(number).wait_for()
        figures.setdefault("answer done", []).append(time.perf_counter() - sent)
    page.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--corpus", type=Path, action="append", default=[], help="also index this folder")
    parser.add_argument("--stand-in-vectors", action="store_true", help="build the index without the model")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from rag.embedding import load_embedder
    from rag.indexing import update_index

    base = Path(tempfile.mkdtemp(prefix="chat-latency-"))
    shutil.copytree(REPO / "corpus", base / "corpus")
    for extra in args.corpus:
        shutil.copytree(extra, base / "corpus" / extra.name)
    config = settings(corpus_dir=base / "corpus", index_dir=base / "index")
    embedder = load_embedder(config)
    if args.stand_in_vectors:
        embedder = ClusteredVectors(embedder.model_id, embedder.backend, embedder.source)
    chunks = update_index(config, embedder).chunks
    print(f"index: {chunks:,} chunks", flush=True)
    samples: dict[str, list[float]] = {}
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for _ in range(args.runs):
            server, url = start_server(base / "corpus", base / "index")
            try:
                for name, values in one_run(browser, url).items():
                    samples.setdefault(name, []).extend(values)
            finally:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=30)
        browser.close()
    shutil.rmtree(base)
    summary = {name: percentiles(values) for name, values in samples.items()}
    rows = [
        [name, p["n"], f"{p['p50_ms'] / 1000:.1f}", f"{p['p95_ms'] / 1000:.1f}"]
        for name, p in summary.items()
    ]
    print(table(["step", "n", "p50 s", "p95 s"], rows))
    extra = {"chunks": chunks, "stand_in_vectors": args.stand_in_vectors}
    name = "chat_latency" if not args.corpus else f"chat_latency_{chunks // 1000}k"
    path = write_results(name, {"machine": machine(), **extra, "summary": summary, "samples": samples})
    print(f"\nresults: {path}")


if __name__ == "__main__":
    sys.exit(main())
