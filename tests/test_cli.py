"""The `rag` command as a user runs it: index, search (table, JSON, JSON Lines), status."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from rag.cli import app
from tests.files import render_text, tesseract_missing, write_broken_files, write_scan_pdf

pytestmark = pytest.mark.integration

runner = CliRunner()
NOTICE = "Mededeling: het buurthuis aan de Kastanjelaan is in augustus gesloten wegens een verbouwing."


def test_index_reports_a_summary_and_skips_unreadable_files(cli_corpus):
    write_broken_files(cli_corpus)
    result = runner.invoke(app, ["index"])
    assert result.exit_code == 0, result.output
    assert "2 added" in result.output and "3 failed" in result.output
    assert "kapot.pdf" in result.output and "leeg.txt" in result.output

    again = runner.invoke(app, ["index"])
    assert again.exit_code == 0 and "already up to date" in again.output


def test_status_reports_an_unreadable_file_as_such_until_it_is_replaced(cli_corpus):
    broken = write_broken_files(cli_corpus)["corrupt"]
    runner.invoke(app, ["index"])

    status = runner.invoke(app, ["status"]).output
    assert "unreadable: kapot.pdf" in status and "new: kapot.pdf" not in status
    assert "Up to date." in status  # an update would only fail on it again

    broken.write_bytes(b"%PDF-1.7 still not a pdf, but another file")
    status = runner.invoke(app, ["status"]).output
    assert "new: kapot.pdf" in status and "1 file(s) differ: run `rag index`." in status


def test_index_of_an_empty_corpus_fails_with_a_hint(cli_corpus):
    for path in cli_corpus.iterdir():
        path.unlink()
    result = runner.invoke(app, ["index"])
    assert result.exit_code == 1
    assert "No documents in" in result.output and "Traceback" not in result.output


def test_search_json_has_the_documented_keys(cli_corpus):
    runner.invoke(app, ["index"])
    result = runner.invoke(app, ["search", "Wie is wethouder in Amsterdam?", "--json", "-k", "2"])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.output)
    assert len(hits) == 2
    assert {"rank", "score", "doc", "title", "chunk_id", "start", "end", "text"} <= hits[0].keys()
    assert "Hilhorst" in hits[0]["text"]


def test_search_from_stdin_writes_one_json_line_per_query(cli_corpus):
    runner.invoke(app, ["index"])
    result = runner.invoke(
        app, ["search", "-", "--mode", "bm25"], input="Pieter Hilhorst\n\nGemert-Bakel stage\n"
    )
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert "Hilhorst" in first[0]["text"] and "Gemert" in second[0]["text"]


def test_search_table_is_readable(cli_corpus):
    runner.invoke(app, ["index"])
    result = runner.invoke(app, ["search", "burgerkracht"])
    assert result.exit_code == 0
    assert "wikistad-een-andere-overheid" in result.output


def test_status_lists_files_changed_since_the_build(cli_corpus):
    runner.invoke(app, ["index"])
    (cli_corpus / "nieuw.md").write_text("# Nieuw\n\nTekst.", encoding="utf-8")
    (cli_corpus / "wikistad-een-andere-overheid-amsterdam-nieuw-west.txt").unlink()
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    assert "google/embeddinggemma-300m" in result.output
    assert "Backend:   torch (RAG_EMBED_BACKEND=torch)" in result.output
    assert "new: nieuw.md" in result.output
    assert "deleted: wikistad-een-andere-overheid-amsterdam-nieuw-west.txt" in result.output


def test_search_with_another_model_configured_says_rebuild(cli_corpus, monkeypatch):
    runner.invoke(app, ["index"])
    monkeypatch.setenv("RAG_EMBED_MODEL", "intfloat/multilingual-e5-small")
    result = runner.invoke(app, ["search", "burgerkracht"])
    assert result.exit_code == 1
    assert "built with google/embeddinggemma-300m" in result.output
    assert "rag index --rebuild" in result.output


def test_status_without_index_says_how_to_build_it(cli_corpus):
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 1 and "rag index" in result.output


def test_invalid_setting_names_the_variable(cli_corpus, monkeypatch):
    monkeypatch.setenv("RAG_TOP_K", "zero")
    result = runner.invoke(app, ["search", "x"])
    assert result.exit_code == 1 and "RAG_TOP_K" in result.output


def test_eval_scores_retrieval_and_answers_on_a_question_file(cli_corpus, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the evaluation index goes to ./.cache/eval
    questions = [
        {
            "question": "Welke functie heeft de deelnemer uit Kirgizië bij haar gemeente?",
            "gold": "Functieomschrijving: Beleidsmedewerker mobilisatie",
            "answerable": True,
        },
        {
            "question": "Which alderman spoke at the end of the Wikistad afternoon?",
            "gold": "Pieter Hilhorst",
            "answerable": True,
        },
        {"question": "Hoeveel kost een parkeervergunning in Utrecht?", "gold": None, "answerable": False},
    ]
    qa = tmp_path / "qa.jsonl"
    qa.write_text("".join(json.dumps(q) + "\n" for q in questions), encoding="utf-8")

    result = runner.invoke(
        app, ["eval", str(qa), "--corpus", str(cli_corpus), "--answers", "--llm", "extractive", "--json"]
    )
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output[result.output.index("{") :])
    assert scores["questions"] == 3 and scores["answerable"] == 2
    assert set(scores["retrieval"]) == {"bm25", "dense", "hybrid"}
    assert scores["retrieval"]["dense"]["recall_at_k"] == 1.0
    answers = scores["answers"]
    assert answers["backend"] == "extractive"
    assert answers["outcomes"]["all answerable"]["refused"] == 0
    assert answers["outcomes"]["nl unanswerable"]["refused"] == 1  # parking permits: off-topic
    assert answers["gold_shown"] == 1.0


def test_ask_refuses_with_the_closest_passages_and_answers_anyway_on_request(cli_corpus):
    runner.invoke(app, ["index"])
    question = "Hoe hoog is de Mount Everest?"

    refused = runner.invoke(app, ["ask", question, "--answerer", "extractive"])
    assert refused.exit_code == 0, refused.output
    assert "Ik kan dit niet vinden in de documenten." in refused.output
    assert "Dichtstbijzijnde passages" in refused.output and "--force" in refused.output
    assert re.search(r"\[1\] .* — (talentprogramma|wikistad).*\(\d+%\)", refused.output)

    forced = runner.invoke(app, ["ask", question, "--answerer", "extractive", "--force", "--json"])
    answer = json.loads(forced.output)
    assert answer["refused"] is False and answer["confidence"] == "weak" and answer["citations"]
    as_json = json.loads(runner.invoke(app, ["ask", question, "--answerer", "extractive", "--json"]).output)
    assert as_json["refused"] is True and as_json["confidence"] is None and len(as_json["passages"]) == 5


@pytest.mark.parametrize(
    ("question", "sources"),
    [
        ("Hoe helpten winkeliers een moeder met schulden?", "Bronnen:"),
        ("How did shopkeepers help a mother in debt?", "Sources:"),
    ],
)
def test_ask_answers_the_sample_question_from_the_fondsje_passage_in_the_question_language(
    cli_corpus, question, sources
):
    runner.invoke(app, ["index"])

    result = runner.invoke(app, ["ask", question, "--answerer", "extractive"])

    assert result.exit_code == 0, result.output
    answer = result.output.split("backend:")[0]
    assert "fondsje" in answer and "[1]" in answer
    assert re.search(rf"{sources}\n  \[1\] .* — wikistad.*:\d+-\d+", result.output)


def test_ask_refuses_a_dutch_question_about_something_else(cli_corpus):
    """Dutch over Dutch text: a cake recipe comes no nearer than 0.23, the floor is 0.3."""
    runner.invoke(app, ["index"])

    result = runner.invoke(
        app, ["ask", "Wat is een goed recept voor appeltaart?", "--answerer", "extractive"]
    )

    assert "Ik kan dit niet vinden in de documenten." in result.output


@pytest.mark.skipif(bool(tesseract_missing()), reason=tesseract_missing() or "installed")
def test_index_reads_a_scan_with_a_pages_bar_and_search_finds_its_text(cli_corpus):
    render_text([NOTICE]).save(cli_corpus / "mededeling.png", dpi=(300, 300))

    result = runner.invoke(app, ["index"])

    assert result.exit_code == 0, result.output
    assert "3 added" in result.output and "0 failed" in result.output
    assert re.search(r"ocr: 100%.*\d pages/s", result.output)  # the bar, on stderr
    found = runner.invoke(app, ["search", "Wanneer is het buurthuis aan de Kastanjelaan dicht?", "--json"])
    assert json.loads(found.output)[0]["doc"] == "mededeling.png"


def test_without_tesseract_index_and_status_name_the_package_to_install(cli_corpus, monkeypatch, tmp_path):
    render_text([NOTICE]).save(cli_corpus / "mededeling.png", dpi=(300, 300))
    write_scan_pdf(
        cli_corpus / "verslag.pdf", ["Verslag van de wijkraad, met een tekstlaag.", render_text([NOTICE])]
    )
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))  # no tesseract on this machine
    unreadable = "scanned, not readable: install tesseract-ocr-nld (apt) to index it"

    result = runner.invoke(app, ["index"])

    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert f"skipped mededeling.png: {unreadable}" in output
    assert (
        "partly read verslag.pdf: its text pages are indexed; its scanned pages are not readable: "
        "install tesseract-ocr-nld (apt) to index them" in output
    )
    status = " ".join(runner.invoke(app, ["status"]).output.split())
    assert f"unreadable: mededeling.png ({unreadable})" in status
    assert "partly read: verslag.pdf" in status
    assert "2 scanned file(s) not readable: install tesseract-ocr-nld (apt), then run `rag index`." in status
