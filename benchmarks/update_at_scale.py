"""One changed file at 100k-1M chunks, and what a start costs: the product's own build, update and load.

    .venv/bin/python benchmarks/update_at_scale.py [--chunks 300000] [--index-type hnsw]
        [--workdir .cache/scale-300000] [--load-only]

Embedding this many passages with the real model would take days on 2 cores, so the corpus and
the vectors are synthetic, everything else is the product's:
- corpus: files of 1-39 paragraphs (20 on average) of 120 words each, every word drawn with its
  frequency in `dutch-open-corpus` (as in `query_latency.py`); a paragraph is one chunk;
- full build: `rag.indexing.update_index` with a stand-in embedder that returns clustered random
  unit 768-d vectors (3,000 topic centres, as `ann_scale.py`'s "clustered") and claims the real
  model's id and backend; reading, chunking, BM25 term counts, FAISS and the atomic save are real;
- one file changed: a paragraph is appended to a file of 3 paragraphs (the size of the mid-sized
  file `index_throughput.py` changes) and `update_index` runs with the **real** model (loaded
  before the clock starts, as in the chat's update button): load the live build, read, chunk,
  embed the file's chunks, update FAISS and BM25 counts, write a new build folder, swap; split
  into stages as in `index_throughput.py`;
- start, in a fresh process: `store.load` of the live build, the BM25 side made ready
  (`Retriever.bm25`, what the first hybrid question pays), a first hybrid query, and the
  process's RSS before and after the load.
The work folder is kept: a second run with `--update-only` changes the same file again and times
the update and the start without the full build; `--load-only` times only the start.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from _common import CACHE, machine, settings, table, write_results
from ann_scale import CENTRES, DIM, draw, rss_mb, unit
from index_throughput import APPENDED, timed_update
from query_latency import corpus_vocabulary

WORDS_PER_PARAGRAPH = 120  # ~800 characters: one chunk of 1,000


class ClusteredVectors:
    """Stands in for the embedding model during the full build only: clustered random unit vectors."""

    def __init__(self, model_id: str, backend: str, source: str) -> None:
        self.model_id, self.backend, self.source, self.dimension = model_id, backend, source, DIM
        self._rng = np.random.default_rng(11)
        self._centres = unit(self._rng.standard_normal((CENTRES, DIM), dtype=np.float32))

    def encode_documents(self, items) -> np.ndarray:
        return draw(len(items), "clustered", self._rng, self._centres)

    def encode_queries(self, texts) -> np.ndarray:
        return draw(len(texts), "clustered", self._rng, self._centres)


def write_corpus(folder: Path, chunks: int) -> None:
    words, p = corpus_vocabulary()
    vocab = np.array(words, dtype=object)
    rng = np.random.default_rng(5)
    folder.mkdir(parents=True)
    number = written = 0
    while written < chunks:
        paragraphs = min(int(rng.integers(1, 40)), chunks - written)
        picks = vocab[rng.choice(len(words), size=(paragraphs, WORDS_PER_PARAGRAPH), p=p)]
        title = " ".join(picks[0][:4]).capitalize()
        body = "\n\n".join(" ".join(row).capitalize() + "." for row in picks)
        (folder / f"verslag-{number:06d}.md").write_text(f"# {title}\n\n{body}\n", "utf-8")
        number, written = number + 1, written + paragraphs


def timed(fn):
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


def measure_start(config_json: str) -> dict:
    """Run in a fresh process: what a start pays before the first answer, and its memory."""
    from rag import store
    from rag.config import Settings
    from rag.embedding import load_embedder
    from rag.retrieval.retriever import Retriever

    config = Settings.model_validate_json(config_json)
    embedder, model_s = timed(lambda: load_embedder(config))
    rss_before = rss_mb()
    index, load_s = timed(lambda: store.load(config.index_dir))
    rss_loaded = rss_mb()
    retriever = Retriever(index, embedder, config)
    _, bm25_s = timed(lambda: retriever.bm25)
    hits, first_s = timed(lambda: retriever.search("Hoe betrekt de gemeente bewoners bij het plein?"))
    return {
        "model_load_s": model_s,
        "store_load_s": load_s,
        "bm25_ready_s": bm25_s,
        "first_hybrid_query_s": first_s,
        "rss_before_load_mb": rss_before,
        "rss_after_load_mb": rss_loaded,
        "rss_after_first_query_mb": rss_mb(),
        "index_mb": rss_loaded - rss_before,
        "chunks": len(index.chunks),
        "hits": len(hits),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=300_000)
    parser.add_argument("--index-type", default="hnsw", choices=["flat", "hnsw"])
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--load-only", action="store_true", help="only the start, of a kept work folder")
    parser.add_argument("--update-only", action="store_true", help="no full build: reuse a kept work folder")
    parser.add_argument("--start-of", default=None, help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.start_of:
        print(json.dumps(measure_start(args.start_of)))
        return

    from rag import store
    from rag.embedding import load_embedder
    from rag.indexing import update_index

    work = args.workdir or CACHE / f"scale-{args.chunks}-{args.index_type}"
    config = settings(corpus_dir=work / "corpus", index_dir=work / "index", index_type=args.index_type)
    result: dict = {"machine": machine(), "chunks_requested": args.chunks, "index_type": args.index_type}
    if not args.load_only:
        if not (work / "corpus").exists():
            _, result["write_corpus_s"] = timed(lambda: write_corpus(work / "corpus", args.chunks))
        embedder = load_embedder(config)
        if not args.update_only:
            stand_in = ClusteredVectors(embedder.model_id, embedder.backend, embedder.source)
            report, result["full_build_s"] = timed(lambda: update_index(config, stand_in, rebuild=True))
            print(f"full build: {report.chunks:,} chunks in {result['full_build_s']:.0f} s", flush=True)

        embedder.encode_documents([("Opwarmen", "Een korte tekst om op te warmen.")])
        files = sorted((work / "corpus").glob("*.md"))
        target = min(files, key=lambda f: abs(f.read_text("utf-8").count("\n\n") - 3))  # 3 paragraphs
        with target.open("a", encoding="utf-8") as handle:
            handle.write(APPENDED)
        update, stages = timed_update(config, embedder)
        result["one_file_update_s"] = stages["total_s"]
        result["one_file_stages"] = stages
        index = store.load(config.index_dir)
        result.update(
            changed=update.changed,
            embedded_chunks=update.embedded_chunks,
            tombstones=index.vectors.tombstones,
            build_folder_mb=sum(f.stat().st_size for f in store.live_build(config.index_dir).iterdir())
            / 2**20,
        )
        print(
            f"one file changed: {update.embedded_chunks} chunks embedded, update in "
            f"{result['one_file_update_s']:.2f} s, {index.vectors.tombstones} tombstones",
            flush=True,
        )
        del index
    child = subprocess.run(
        [sys.executable, __file__, "--start-of", config.model_dump_json()],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    result["start"] = json.loads(child.stdout.strip().splitlines()[-1])
    start = result["start"]
    rows = [
        ["chunks", f"{start['chunks']:,}"],
        ["index type", args.index_type],
        ["full build with stand-in vectors, s", f"{result.get('full_build_s', float('nan')):.0f}"],
        [
            "one changed file (real model), update_index s",
            f"{result.get('one_file_update_s', float('nan')):.2f}",
        ],
        *[
            [f"  of which {stage}", f"{seconds:.2f}"]
            for stage, seconds in result.get("one_file_stages", {}).items()
        ],
        [
            "  chunks embedded / tombstones after",
            f"{result.get('embedded_chunks')} / {result.get('tombstones')}",
        ],
        ["model load (fresh process) s", f"{start['model_load_s']:.1f}"],
        ["store.load s", f"{start['store_load_s']:.2f}"],
        ["BM25 ready (first hybrid question pays it) s", f"{start['bm25_ready_s']:.3f}"],
        ["first hybrid query (with embedding) s", f"{start['first_hybrid_query_s']:.3f}"],
        ["RSS of the loaded index MiB", f"{start['index_mb']:,.0f}"],
        ["RSS after the first query MiB", f"{start['rss_after_first_query_mb']:,.0f}"],
    ]
    print(table(["measure", "value"], rows))
    name = f"update_at_scale_{args.index_type}_{start['chunks'] // 1000}k" + (
        "_again" if args.update_only or args.load_only else ""
    )
    print(f"\nresults: {write_results(name, result)}")


if __name__ == "__main__":
    sys.exit(main())
