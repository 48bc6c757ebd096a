"""Index throughput: `update_index` on a real Dutch corpus vs bare encoding of the same chunks.

    .venv/bin/python benchmarks/index_throughput.py [--corpus /work/shared/dutch-open-corpus]
        [--dtype auto|float32|bfloat16] [--files N] [--keep]

1. Full build: a temporary copy of the corpus is indexed into a temporary index folder with
   `rag.indexing.update_index` (read + chunk + embed + FAISS + atomic save) → chunks/s.
2. Bare encoding: the chunks of that index, loaded back from it, encoded with one plain
   `SentenceTransformer.encode_document` call (same document prompts with the title, same batch
   size, same dtype) → chunks/s. Target: index/encode throughput ≥ 0.8. `--encode-every N`
   encodes every N-th chunk in length order instead: the same mix of lengths (which sets the
   speed) in 1/N of the time.
3. Incremental update: one mid-sized file gets a paragraph appended; the second `update_index`
   takes ≤ 5 % of the full build (target). A no-op update (nothing changed) is timed as well.

`--files N` indexes only the first N files (a quick check of the script). Takes ~15–20 minutes on
2 CPU cores for the full corpus (two encodings of ~3,000 chunks).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import DATA, machine, settings, table, write_results

APPENDED = (
    "\n\nAanvulling na de evaluatie: de gemeente organiseert in het voorjaar twee extra "
    "bewonersavonden in de wijk, waar inwoners hun ideeën over de inrichting van het plein en de "
    "verkeersveiligheid rond de school kunnen inbrengen. De resultaten worden in een verslag "
    "gebundeld en aan de gemeenteraad voorgelegd, samen met een reactie van het college op elk "
    "voorstel.\n"
)


class StageClock:
    """Records when each progress stage was last reported, to split a build into stages."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.last: dict[str, float] = {}
        self.first: dict[str, float] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.perf_counter() - self.start
        self.first.setdefault(stage, now)
        self.last[stage] = now


def timed_update(config, embedder, **kwargs):
    from rag.indexing import update_index

    cpu = time.process_time()
    clock = StageClock()
    report = update_index(config, embedder, progress=clock, **kwargs)
    total = time.perf_counter() - clock.start
    cpu = time.process_time() - cpu
    read_end = clock.last.get("reading", 0.0)
    embed_end = clock.last.get("embedding", read_end)
    stages = {
        "total_s": total,
        "load_diff_read_chunk_s": read_end,  # previous index load + diff + read + chunk
        "embed_s": embed_end - read_end,
        "merge_faiss_save_s": total - embed_end,
        "cpu_s": cpu,  # process CPU time: less disturbed than wall time by other processes
    }
    return report, stages


def pick_mid_sized(corpus: Path) -> Path:
    files = sorted(
        (p for p in corpus.rglob("*.md") if p.name != "SOURCES.md"), key=lambda p: p.stat().st_size
    )
    return files[len(files) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DATA / "dutch-open-corpus")
    parser.add_argument("--dtype", default="auto", choices=["auto", "float32", "bfloat16"])
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--files", type=int, default=0, help="only the first N files (smoke test)")
    parser.add_argument(
        "--encode-every",
        type=int,
        default=1,
        help="bare-encode every N-th chunk in length order (same length mix, 1/N time)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--index",
        type=Path,
        default=None,
        help="write the index here and keep it (e.g. .cache/eval/dev/index, so that "
        "`rag eval` reuses it) instead of in the temporary folder",
    )
    args = parser.parse_args()

    from rag import store
    from rag.embedding.pytorch import SentenceTransformerEmbedder
    from rag.model_files import resolve_model_path

    work = Path(tempfile.mkdtemp(prefix="rag-bench-index-"))
    corpus, index_dir = work / "corpus", args.index or work / "index"
    if args.files:
        corpus.mkdir()
        for path in sorted(args.corpus.iterdir())[: args.files]:
            shutil.copy2(path, corpus / path.name)
    else:
        shutil.copytree(args.corpus, corpus)
    overrides = {"corpus_dir": corpus, "index_dir": index_dir, "embed_dtype": args.dtype}
    if args.batch_size:
        overrides["embed_batch_size"] = args.batch_size
    config = settings(**overrides)
    corpus_files = sum(1 for p in corpus.rglob("*") if p.is_file())
    corpus_bytes = sum(p.stat().st_size for p in corpus.rglob("*") if p.is_file())

    started = time.perf_counter()
    embedder = SentenceTransformerEmbedder(
        resolve_model_path(config), config.embed_dtype, config.embed_batch_size, model_id=config.embed_model
    )
    load_s = time.perf_counter() - started
    embedder.encode_documents([("Opwarmen", "Een korte tekst om de kernels op te warmen. " * 20)] * 4)
    print(
        f"model loaded in {load_s:.1f} s ({embedder.dtype}, batch {embedder.batch_size}); "
        f"{corpus_files} files, {corpus_bytes / 1e6:.2f} MB",
        flush=True,
    )
    info = machine()

    # 1. Full build through the product's path.
    report, full = timed_update(config, embedder, rebuild=True)
    n_chunks = report.chunks
    index_rate = n_chunks / full["total_s"]
    print(
        f"full build: {n_chunks} chunks in {full['total_s']:.1f} s = {index_rate:.2f} chunks/s "
        f"({len(report.failed)} failed)",
        flush=True,
    )

    # 2. Bare encoding of the same chunks (loaded from the index), one encode call.
    loaded = store.load(index_dir)
    by_length = sorted(range(len(loaded.chunks)), key=lambda i: len(loaded.chunks[i].text))
    sample = by_length[:: args.encode_every]
    chunks = [loaded.chunks[i] for i in sample]
    cpu = time.process_time()
    started = time.perf_counter()
    bare = embedder.encode_documents([(c.title, c.text) for c in chunks])
    encode_s = time.perf_counter() - started
    encode_cpu_s = time.process_time() - cpu
    encode_rate = len(chunks) / encode_s
    cosine = np.sum(np.asarray(bare, dtype=np.float32) * loaded.vectors.matrix(sample), axis=1)
    print(
        f"bare encode: {len(chunks)} chunks in {encode_s:.1f} s = {encode_rate:.2f} chunks/s; "
        f"cosine(index vector, bare vector) mean {cosine.mean():.5f} min {cosine.min():.5f}",
        flush=True,
    )
    ratio = index_rate / encode_rate
    cpu_ratio = (n_chunks / full["cpu_s"]) / (len(chunks) / encode_cpu_s)
    print(
        f"index/encode throughput: wall {ratio:.3f}, CPU time {cpu_ratio:.3f} "
        f"(load average now {__import__('os').getloadavg()[0]:.1f})",
        flush=True,
    )

    # 3. No-op update, then one changed file.
    _, noop = timed_update(config, embedder)
    started = time.perf_counter()
    store.load(index_dir)
    store_load_s = time.perf_counter() - started
    target = pick_mid_sized(corpus)
    size_before = target.stat().st_size
    with target.open("a", encoding="utf-8") as handle:
        handle.write(APPENDED)
    inc_report, incremental = timed_update(config, embedder)
    assert inc_report.changed == [target.relative_to(corpus).as_posix()], inc_report.changed
    share = incremental["total_s"] / full["total_s"]
    print(
        f"incremental: {target.name} ({size_before} bytes, {inc_report.embedded_chunks} chunks "
        f"re-embedded) in {incremental['total_s']:.2f} s = {share:.2%} of the full build; "
        f"no-op update {noop['total_s']:.2f} s",
        flush=True,
    )

    rows = [
        ["full build (`update_index`)", n_chunks, f"{full['total_s']:.1f}", f"{index_rate:.2f}", ""],
        ["bare `encode_document`, same chunks", len(chunks), f"{encode_s:.1f}", f"{encode_rate:.2f}", ""],
        ["index / encode throughput", "", "", f"{ratio:.3f}", "≥ 0.8 " + ("✅" if ratio >= 0.8 else "❌")],
        [
            "index / encode, by process CPU time",
            "",
            f"{full['cpu_s']:.0f} / {encode_cpu_s:.0f}",
            f"{cpu_ratio:.3f}",
            "",
        ],
        [
            f"incremental: 1 file changed ({inc_report.embedded_chunks} chunks)",
            inc_report.embedded_chunks,
            f"{incremental['total_s']:.2f}",
            f"{share:.2%} of full",
            "≤ 5 % " + ("✅" if share <= 0.05 else "❌"),
        ],
        [
            "no-op update (nothing changed)",
            0,
            f"{noop['total_s']:.2f}",
            f"{noop['total_s'] / full['total_s']:.2%} of full",
            "",
        ],
    ]
    print()
    print(
        f"Corpus: {args.corpus} ({corpus_files} files, {corpus_bytes / 1e6:.2f} MB), "
        f"dtype {embedder.dtype}, batch size {embedder.batch_size}, {info['torch_threads']} threads"
    )
    print()
    print(table(["step", "chunks", "seconds", "chunks/s (or share)", "target"], rows))
    print()
    stage_rows = [
        [
            name,
            *(
                f"{stages[key]:.2f}"
                for key in ("load_diff_read_chunk_s", "embed_s", "merge_faiss_save_s", "total_s")
            ),
        ]
        for name, stages in (("full build", full), ("incremental", incremental), ("no-op", noop))
    ]
    print(
        table(
            [
                "run",
                "load index + diff + read + chunk (s)",
                "embed (s)",
                "merge + FAISS + save (s)",
                "total (s)",
            ],
            stage_rows,
        )
    )
    print(f"\nstore.load of the built index alone: {store_load_s:.2f} s")

    path = write_results(
        "index_throughput",
        {
            "machine": info,
            "corpus": str(args.corpus),
            "files": corpus_files,
            "bytes": corpus_bytes,
            "dtype": embedder.dtype,
            "batch_size": embedder.batch_size,
            "chunk_size": config.chunk_size,
            "model_load_s": load_s,
            "mean_chunk_chars": float(np.mean([len(c.text) for c in loaded.chunks])),
            "full_build": {**full, "chunks": n_chunks, "chunks_per_s": index_rate, "failed": report.failed},
            "bare_encode": {
                "seconds": encode_s,
                "chunks": len(chunks),
                "every_nth_by_length": args.encode_every,
                "chunks_per_s": encode_rate,
                "cosine_mean": float(cosine.mean()),
                "cosine_min": float(cosine.min()),
                "cpu_s": encode_cpu_s,
            },
            "index_over_encode": ratio,
            "index_over_encode_cpu": cpu_ratio,
            "noop_update": noop,
            "store_load_s": store_load_s,
            "incremental": {
                **incremental,
                "file": target.name,
                "file_bytes_before": size_before,
                "embedded_chunks": inc_report.embedded_chunks,
                "share_of_full": share,
            },
            "targets": {"index_over_encode>=0.8": ratio >= 0.8, "incremental<=5%": share <= 0.05},
            "load_average_after": __import__("os").getloadavg(),
        },
    )
    print(f"\nresults: {path}")
    if args.keep:
        print(f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
