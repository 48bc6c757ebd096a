"""Twenty chat sessions asking at once, against the real server: failures, answer time, memory.

    .venv/bin/python benchmarks/concurrent_sessions.py [--sessions 20] [--waves 2]
        [--corpus .cache/eval/dev/corpus --index .cache/eval/dev/index]

Starts `streamlit run app.py` with extractive answers over the index that `rag eval eval/dev.jsonl
--corpus corpus --corpus ../shared/dutch-open-corpus` builds (248 documents, 4,867 chunks), then
per wave opens N pages in headless Chromium (each page is a session of its own), sends one
dev-set question from every page before waiting for any answer, and waits for all of them. The
questions mix answerable and unanswerable ones, so some are refused. Per wave: failed sessions (an
error on the page or no answer within 15 minutes), answer time p50/p95 from sending to the
finished answer, wall time, and the server process's resident memory after the wave; its peak
(VmHWM) at the end. A second wave shows whether memory keeps growing.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from _common import REPO, machine, percentiles, table, write_results

CHROMIUM = "/usr/bin/chromium"
FINISHED = "extractief · "  # the caption under every finished answer, refusals included
START_TIMER = (
    """() => { window.ragSent = performance.now(); window.ragDone = null;
  const check = () => { if (window.ragDone === null && document.body.innerText.includes('%s'))
    window.ragDone = performance.now(); };
  new MutationObserver(check).observe(document.body, {childList: true, subtree: true, characterData: true}); }
"""
    % FINISHED
)


def memory_mb(pid: int) -> dict[str, float]:
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return {name: int(fields[name].split()[0]) / 1024 for name in ("VmRSS", "VmHWM")}


def start_server(corpus: Path, index_dir: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "RAG_LLM": "extractive",
        "RAG_CORPUS_DIR": str(corpus),
        "RAG_INDEX_DIR": str(index_dir),
        "RAG_MODELS_DIR": str(REPO / "models"),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://localhost:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return server, url
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the server did not start on {url}")


def wave(browser, url: str, questions: list[str]) -> dict:  # noqa: ANN001
    pages = []
    for _ in questions:
        page = browser.new_page()
        page.set_default_timeout(900_000)
        page.goto(url)
        page.wait_for_selector("textarea[data-testid='stChatInputTextArea']:not([disabled])")
        pages.append(page)
    started = time.perf_counter()
    for page, question in zip(pages, questions, strict=True):
        page.evaluate(START_TIMER)
        box = page.locator("textarea[data-testid='stChatInputTextArea']")
        box.fill(question)
        box.press("Enter")
    seconds, failed = [], 0
    for page in pages:
        page.wait_for_function("() => window.ragDone !== null")
        seconds.append(page.evaluate("window.ragDone - window.ragSent") / 1000)
        failed += page.locator("[data-testid='stException'], [data-testid='stAlertContentError']").count() > 0
        page.close()
    return {"wall_s": time.perf_counter() - started, "answer_seconds": percentiles(seconds), "failed": failed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--waves", type=int, default=2)
    parser.add_argument("--corpus", type=Path, default=REPO / ".cache/eval/dev/corpus")
    parser.add_argument("--index", type=Path, default=REPO / ".cache/eval/dev/index")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    questions = [json.loads(line)["question"] for line in open(REPO / "eval" / "dev.jsonl", encoding="utf-8")]
    server, url = start_server(args.corpus.resolve(), args.index.resolve())
    results, rows = [], []
    try:
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            first = browser.new_page()  # loads the model and the index once, before the waves
            first.goto(url)
            first.wait_for_selector(
                "textarea[data-testid='stChatInputTextArea']:not([disabled])", timeout=900_000
            )
            idle = memory_mb(server.pid)["VmRSS"]
            for number in range(args.waves):
                batch = questions[number * args.sessions : (number + 1) * args.sessions]
                result = {**wave(browser, url, batch), "rss_after_mb": memory_mb(server.pid)["VmRSS"]}
                results.append(result)
                times = result["answer_seconds"]
                rows.append(
                    [
                        number + 1,
                        args.sessions,
                        result["failed"],
                        f"{times['p50_ms'] / 1000:.1f} / {times['p95_ms'] / 1000:.1f}",
                        f"{result['wall_s']:.0f}",
                        f"{result['rss_after_mb']:,.0f}",
                    ]
                )
            peak = memory_mb(server.pid)["VmHWM"]
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    print(f"server RSS with model and index loaded: {idle:,.0f} MiB; peak: {peak:,.0f} MiB")
    print(table(["wave", "sessions", "failed", "answer p50 / p95 s", "wall s", "server RSS after MiB"], rows))
    path = write_results(
        "concurrent_sessions",
        {
            "machine": machine(),
            "sessions": args.sessions,
            "idle_rss_mb": idle,
            "peak_rss_mb": peak,
            "waves": results,
        },
    )
    print(f"\nresults: {path}")


if __name__ == "__main__":
    sys.exit(main())
