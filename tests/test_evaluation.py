"""The evaluation's metric code against hand-computed cases, and its readers on real files."""

from __future__ import annotations

import json

import pytest

from rag.errors import ConfigError
from rag.evaluation import (
    Case,
    first_relevant_rank,
    read_beir,
    read_cases,
    read_qa,
    score_ranks,
    write_beir_corpus,
)
from rag.types import Chunk, Hit

pytestmark = pytest.mark.unit


def hit(rank: int, text: str, doc: str = "d.md") -> Hit:
    return Hit(rank, 1.0 / rank, Chunk(f"c{rank}", doc, "t", (), 0, len(text), text))


def test_scores_match_hand_computed_values():
    # first relevant ranks of four questions: 1, 3, none, 12 (beyond MRR@10)
    scores = score_ranks([1, 3, None, 12], k=5)
    assert scores.recall_at_1 == pytest.approx(1 / 4)
    assert scores.recall_at_k == pytest.approx(2 / 4)
    assert scores.mrr_at_10 == pytest.approx((1 + 1 / 3) / 4)
    assert score_ranks([2, 2], k=1).recall_at_k == 0.0


def test_gold_matches_across_whitespace_and_beir_matches_by_file_stem():
    case = Case("q", True, gold="drie hoofdtaken")
    hits = [hit(1, "iets anders"), hit(2, "heb ik drie\u00a0\nhoofdtaken. Allereerst")]
    assert first_relevant_rank(case, hits) == 2
    beir = Case("q", True, relevant_docs=frozenset({"d-1-p0"}))
    assert first_relevant_rank(beir, [hit(1, "x", "d-2-p0.md"), hit(2, "y", "d-1-p0.md")]) == 2
    assert first_relevant_rank(beir, [hit(1, "x", "d-2-p0.md")]) is None


def test_read_qa_reports_the_bad_line(tmp_path):
    path = tmp_path / "qa.jsonl"
    path.write_text(
        json.dumps({"question": "Wat?", "gold": "a  b", "answerable": True})
        + "\n"
        + json.dumps({"question": "Waarom?", "gold": None, "answerable": False})
        + "\n",
        encoding="utf-8",
    )
    cases = read_qa(path)
    assert [(c.answerable, c.gold) for c in cases] == [(True, "a b"), (False, None)]
    path.write_text('{"question": "ok"}\n{"gold": "no question"}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="line 2"):
        read_qa(path)


def test_beir_reader_and_corpus_writer(tmp_path):
    beir = tmp_path / "beir"
    beir.mkdir()
    (beir / "corpus.jsonl").write_text(
        json.dumps({"_id": "p1", "title": "Inleiding", "text": "Tekst één."}) + "\n", encoding="utf-8"
    )
    (beir / "queries-dev.jsonl").write_text(
        json.dumps({"_id": "q1", "text": "Vraag?"})
        + "\n"
        + json.dumps({"_id": "q2", "text": "Geen qrel"})
        + "\n",
        encoding="utf-8",
    )
    (beir / "qrels-dev.tsv").write_text("query-id\tcorpus-id\tscore\nq1\tp1\t2\n", encoding="utf-8")
    cases = read_beir(beir)
    assert cases == [Case("Vraag?", True, relevant_docs=frozenset({"p1"}))]
    write_beir_corpus(beir, tmp_path / "corpus")
    assert (tmp_path / "corpus" / "p1.md").read_text(encoding="utf-8") == "# Inleiding\n\nTekst één.\n"


def test_a_split_of_a_question_file_is_read_with_its_facts_and_languages(tmp_path):
    path = tmp_path / "qa.jsonl"
    rows = [
        {"question": "Hoeveel?", "gold": "drie  taken", "fact": "drie", "split": "tune"},
        {"question": "How many tasks?", "gold": "drie taken", "fact": "drie", "split": "check"},
        {"question": "Waarom?", "gold": None, "split": "check"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")

    check = read_cases(path, "check")
    assert [(c.question, c.language, c.fact, c.answerable) for c in check] == [
        ("How many tasks?", "en", "drie", True),
        ("Waarom?", "nl", None, False),
    ]
    with pytest.raises(ConfigError, match="no questions in split 'tuning'"):
        read_cases(path, "tuning")
