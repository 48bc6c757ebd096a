"""The chat (`app.py`) run by Streamlit's AppTest with the real index and embedding model.

AppTest runs the script in this process, so `st.cache_resource` outlives each AppTest: the model
is the session's `embedder` fixture (loaded once), and each index is cached under its own folder.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rag import store
from rag.config import load_settings
from rag.indexing import update_index
from rag.types import Answer
from rag.ui import resources
from rag.ui.export import chat_markdown
from rag.ui.highlight import escape_markdown
from rag.ui.sources import Source, sourced_answer
from rag.ui.texts import Texts
from tests.files import CORPUS, ROOT, render_text, tesseract_missing
from tests.network import free_port
from tests.ollama_server import FakeOllama

pytestmark = pytest.mark.integration

APP = str(ROOT / "app.py")
TIMEOUT = 180  # seconds per script run; a loaded CI machine embeds slowly
QUESTION = "Wat vroeg wethouder Pieter Hilhorst aan de ambtenaren?"
MALICIOUS = (
    "# Inspraak ![x](http://127.0.0.1:9/t.png)\n\n"
    "Bewoners van Wijk Zuid kozen voor meer groen. <script>alert(1)</script> "
    "![x](http://127.0.0.1:9/x.png) [klik](javascript:alert(1)) <img src=x onerror=alert(2)>"
)


def plain(markdown: str) -> str:
    """Markdown text as shown: without backslash escapes and invisible word joiners."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory, embedder) -> tuple[Path, Path]:
    """A copy of the sample corpus and its index, built once for this module."""
    base = tmp_path_factory.mktemp("app")
    shutil.copytree(CORPUS, base / "corpus")
    update_index(load_settings(corpus_dir=base / "corpus", index_dir=base / "index"), embedder)
    return base / "corpus", base / "index"


@pytest.fixture
def app_env(monkeypatch: pytest.MonkeyPatch, embedder, sample) -> None:
    """Settings as a user gives them (RAG_* variables); the model is the session's."""
    monkeypatch.setattr(resources, "embedder", lambda settings: embedder)
    for name in (
        "RAG_LLM",
        "RAG_ANSWERER",
        "RAG_UI_LANGUAGE",
        "OLLAMA_HOST",
        "RAG_OLLAMA_HOST",
        "RAG_RETRIEVAL_MODE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RAG_CORPUS_DIR", str(sample[0]))
    monkeypatch.setenv("RAG_INDEX_DIR", str(sample[1]))
    monkeypatch.setenv("RAG_MODELS_DIR", str(ROOT / "models"))
    monkeypatch.setenv("RAG_ANSWERER", "extractive")
    monkeypatch.setenv("RAG_TOP_K", "3")


uses_app = pytest.mark.usefixtures("app_env")


def start() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    return at


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, at.exception
    return at


def answers(at: AppTest) -> list[str]:
    return [h.value for h in at.html if h.value.startswith('<div class="rag-answer"')]


def last_answer(at: AppTest) -> Answer:
    return at.session_state["messages"][-1]["answer"]


def texts_of(elements) -> list[str]:
    return [plain(e.value) for e in elements]


# --- the chat ---------------------------------------------------------------------------------


def sources_of(at: AppTest) -> list[Source]:
    message = at.session_state["messages"][-1]
    return sourced_answer(message["answer"], message["docs"]).sources


@uses_app
def test_dutch_question_gets_a_cited_answer_with_linked_citations_and_source_cards() -> None:
    at = ask(start(), QUESTION)

    [shown] = answers(at)
    message_id = at.session_state["messages"][-1]["id"]
    assert "Hilhorst" in shown and f'href="#bron-{message_id}-1"' in shown  # [1] links to its card
    answer = last_answer(at)
    assert answer.citations and not answer.refused
    assert any(m.value == "**Bronnen**" for m in at.markdown)
    sources = sources_of(at)
    assert [s.n for s in sources] == list(range(1, len(sources) + 1))  # numbered without gaps
    cards = [h.value for h in at.html if h.value.startswith('<div class="rag-source"')]
    assert len(cards) == len(sources)
    first = sources[0]
    assert f'id="bron-{message_id}-1"' in cards[0] and html.escape(first.snippet) in cards[0]
    assert "overeenkomst" in cards[0]  # relevance, as a percentage
    assert plain(at.main.expander[0].label) == f"Passage [1] in {first.doc}"
    passage = next(
        h.value for h in at.main.expander[0].html if h.value.startswith('<div class="rag-text rag-passage"')
    )
    marked = html.unescape(re.search(r'<mark class="rag-mark">(.*)</mark>', passage, re.S).group(1))
    cited = html.unescape(re.search(r'<mark class="rag-cited">(.*?)</mark>', passage, re.S).group(1))
    assert " ".join(re.sub("<[^>]+>", "", marked).split()) == first.text  # the passage, in context
    assert " ".join(cited.split()) in answer.text  # and the quoted sentence marked inside it
    assert any("Extractief antwoord" in i.value for i in at.info)  # the answer's notice
    assert not any("RAG_" in i.value for i in at.info)  # in plain words, no setting names
    assert not any("tekens" in c for c in texts_of(at.caption))  # no character offsets
    assert at.download_button(key="export_chat").proto.disabled is False


@uses_app
def test_show_document_highlights_every_cited_span_of_the_answer() -> None:
    at = ask(start(), QUESTION)
    first = sources_of(at)[0]
    message_id = at.session_state["messages"][-1]["id"]

    at.toggle(key=f"doc-bron-{message_id}-1").set_value(True).run()

    [document] = [h.value for h in at.html if h.value.startswith('<div class="rag-text rag-document"')]
    same_doc = {s.n for s in sources_of(at) if s.doc == first.doc}
    labels = re.findall(r'<span class="rag-n">\[([\d, ]+)\]</span><mark', document)
    assert {int(n) for label in labels for n in label.split(",")} == same_doc
    assert "Broedplaats de Vlugt" in html.unescape(document)  # the whole text, not just passages


@uses_app
def test_the_first_screen_lists_the_documents_and_asks_an_example_question() -> None:
    at = start()
    shown = " ".join(plain(m.value) for m in at.markdown)
    assert "**2** documenten doorzoekbaar" in shown and "Een andere overheid" in shown
    examples = [b for b in at.button if b.key and b.key.startswith("example-")]
    assert len(examples) == 3
    question = examples[0].label
    examples[0].click().run()

    assert at.session_state["messages"][0]["content"] == question
    assert not last_answer(at).refused  # an example leads somewhere
    assert not [b for b in at.button if b.key and b.key.startswith("example-")]  # the chat took over


@uses_app
def test_a_follow_up_is_searched_with_the_conversation_and_can_be_searched_as_typed() -> None:
    at = ask(start(), QUESTION)
    ask(at, "En wat zei hij nog meer?")
    answer = last_answer(at)
    assert answer.query != answer.question and QUESTION in answer.query
    assert f"Gezocht op: {answer.query}" in texts_of(at.caption)
    message_id = at.session_state["messages"][-1]["id"]
    at.button(key=f"typed-{message_id}").click().run()

    again = last_answer(at)
    assert again.question == again.query == "En wat zei hij nog meer?"
    standalone = "Welke drie hoofdtaken heeft de beleidsmedewerker in Kirgizië?"
    assert last_answer(ask(at, standalone)).query == standalone  # not glued to the conversation
    assert len(at.chat_message) == 8


@uses_app
def test_a_refusal_shows_the_closest_passages_and_answers_anyway_on_request() -> None:
    at = ask(start(), "Hoe hoog is de Mount Everest in meters?")

    answer = last_answer(at)
    assert answer.refused
    assert answers(at) == ['<div class="rag-answer"><p>Ik kan dit niet vinden in de documenten.</p></div>']
    assert any(m.value.startswith("**Dichtstbijzijnde passages") for m in at.markdown)
    cards = [h.value for h in at.html if h.value.startswith('<div class="rag-source"')]
    assert cards and len(at.main.expander) == len(cards) == len(sources_of(at))
    assert all(re.search(r"overeenkomst \d+%", card) for card in cards)

    at.button(key=f"force-{at.session_state['messages'][-1]['id']}").click().run()

    forced = last_answer(at)
    assert not at.exception and not forced.refused and forced.confidence == "weak"
    assert forced.question == answer.question and forced.citations
    assert any("Geen passage beantwoordt dit met zekerheid" in w.value for w in at.warning)


@uses_app
def test_an_english_question_gets_english_notices_under_a_dutch_interface() -> None:
    at = ask(start(), "How tall is Mount Everest in metres?")

    assert last_answer(at).refused
    assert [html.unescape(a) for a in answers(at)] == [
        '<div class="rag-answer"><p>I can\'t find this in the documents.</p></div>'
    ]
    assert any(b.label == "Answer from these passages anyway" for b in at.button)


@uses_app
def test_search_only_shows_passages_without_an_answer() -> None:
    at = start()
    at.toggle(key="search_only").set_value(True).run()
    ask(at, QUESTION)

    assert answers(at) == []
    answer = last_answer(at)
    assert answer.backend == "none" and len(answer.passages) == 3
    assert any(m.value == "**Gevonden passages**" for m in at.markdown)
    assert len(at.main.expander) == len(sources_of(at)) > 0
    assert any(i.value == "Alleen zoeken: de best passende passages, zonder antwoord." for i in at.info)


@uses_app
@pytest.mark.parametrize("gguf, now", [(False, "extractief"), (True, "llama.cpp")])
def test_automatic_answerer_says_what_it_answers_with_now(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, gguf: bool, now: str
) -> None:
    monkeypatch.setenv("RAG_ANSWERER", "auto")
    monkeypatch.setenv("RAG_OLLAMA_HOST", "http://127.0.0.1:9")  # nothing listens there
    if gguf:
        (tmp_path / "model.gguf").write_bytes(b"GGUF")
        monkeypatch.setenv("RAG_LLM_GGUF", str(tmp_path / "model.gguf"))
    at = start()

    assert at.sidebar.selectbox(key="llm").value == "auto"
    assert any(plain(c.value).endswith(f"Nu: **{now}**.") for c in at.sidebar.caption), [
        c.value for c in at.sidebar.caption
    ]


@uses_app
def test_sidebar_filter_restricts_the_sources() -> None:
    at = start()
    at.toggle(key="search_only").set_value(True).run()
    at.text_input(key="filter_path").set_value("talentprogramma*").run()
    ask(at, QUESTION)  # about the Wikistad document, which the filter leaves out

    answer = last_answer(at)
    assert answer.passages
    assert {h.chunk.doc for h in answer.passages} == {"talentprogramma-burgerparticipatie-gemeente-massy.txt"}


@uses_app
def test_clearing_the_chat_empties_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_ANSWERER", "none")  # search only: the quickest question
    at = ask(start(), QUESTION)
    assert len(at.chat_message) == 2

    at.button(key="clear_chat").click().run()

    assert not at.exception
    assert len(at.chat_message) == 0 and at.session_state["messages"] == []


@uses_app
def test_english_interface(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_UI_LANGUAGE", "en")
    at = start()
    assert at.chat_input[0].proto.placeholder == "Ask a question about your documents…"
    assert "Settings" in [s.value for s in at.sidebar.subheader]
    assert at.toggle(key="search_only").label == "Search only"


# --- the language model failing ---------------------------------------------------------------


@uses_app
def test_unreachable_ollama_shows_the_fix_and_still_the_passages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_ANSWERER", "ollama")
    monkeypatch.setenv("OLLAMA_HOST", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    at = ask(start(), QUESTION)

    [error] = [e.value for e in at.error]
    assert "not reachable" in error and "ollama serve" in error
    assert len(at.main.expander) == len(sources_of(at)) > 0  # the passages, to read without an answer
    assert any(m.value == "**Gevonden passages**" for m in at.markdown)
    assert "Traceback" not in str(at)


@uses_app
def test_ollama_answer_is_streamed_with_citations(monkeypatch, fake_ollama: FakeOllama) -> None:
    fake_ollama.reply = ["Wethouder Pieter Hilhorst ", "vroeg de ambtenaren om ", "een andere overheid [1]."]
    monkeypatch.setenv("RAG_ANSWERER", "ollama")
    monkeypatch.setenv("OLLAMA_HOST", fake_ollama.url)
    at = ask(start(), QUESTION)

    [shown] = answers(at)
    assert "een andere overheid" in shown and "rag-cursor" not in shown
    answer = last_answer(at)
    assert answer.backend == "ollama" and not answer.error
    assert [c.n for c in answer.citations] == [1]
    assert plain(at.main.expander[0].label).startswith("Passage [1] ")
    assert fake_ollama.chat_requests()[0]["stream"] is True
    assert any(c.startswith("Ollama · gemma3:4b") for c in texts_of(at.caption))


@uses_app
def test_missing_ollama_model_says_how_to_pull_it(monkeypatch, fake_ollama: FakeOllama) -> None:
    fake_ollama.models = ["llama3.2:1b"]
    monkeypatch.setenv("RAG_ANSWERER", "ollama")
    monkeypatch.setenv("OLLAMA_HOST", fake_ollama.url)
    at = ask(start(), QUESTION)

    [error] = [e.value for e in at.error]
    assert "ollama pull gemma3:4b" in error
    assert len(at.main.expander) == len(sources_of(at)) > 0


@uses_app
def test_timeout_keeps_the_partial_answer_marked_incomplete(monkeypatch, fake_ollama: FakeOllama) -> None:
    fake_ollama.reply = ["Wethouder Pieter Hilhorst vroeg om een andere overheid [1]. ", "Verder…"]
    fake_ollama.piece_delay = 5.0  # silent after the first piece: longer than the timeout
    monkeypatch.setenv("RAG_ANSWERER", "ollama")
    monkeypatch.setenv("OLLAMA_HOST", fake_ollama.url)
    monkeypatch.setenv("RAG_OLLAMA_TIMEOUT", "1")
    at = ask(start(), QUESTION)

    [shown] = answers(at)
    assert "andere overheid" in shown
    assert any("onvolledig" in w.value for w in at.warning)
    assert any("RAG_OLLAMA_TIMEOUT" in e.value for e in at.error)
    assert last_answer(at).incomplete


@uses_app
@pytest.mark.parametrize(
    ("reply", "shown", "warning"),
    [
        ([""], None, "leeg antwoord"),  # an empty reply is a model failure, not "not found"
        (
            ["\u0000\ufffd#### <<<>>> ]]]] @@@ 0x7f"],
            "&lt;&lt;&lt;&gt;&gt;&gt;",
            "verwijst naar geen enkele passage",
        ),
        (
            ["Wethouder Hilhorst vroeg om een andere overheid [99]."],
            "andere overheid",
            "Verwijzing [99] verwijderd",
        ),
    ],
    ids=["empty", "garbage", "cites-99"],
)
def test_a_useless_llm_reply_is_flagged_and_the_passages_stay(
    monkeypatch, fake_ollama: FakeOllama, reply: list[str], shown: str | None, warning: str
) -> None:
    fake_ollama.reply = reply
    monkeypatch.setenv("RAG_ANSWERER", "ollama")
    monkeypatch.setenv("OLLAMA_HOST", fake_ollama.url)
    at = ask(start(), QUESTION)

    notes = [w.value for w in at.warning] + [e.value for e in at.error]
    assert any(warning in note for note in notes), notes
    assert len(at.main.expander) == len(sources_of(at)) > 0  # the passages, to check by hand
    assert any(m.value == "**Gevonden passages**" for m in at.markdown)
    if shown:
        [answer] = answers(at)
        assert shown in answer and "[99]" not in answer
    assert not last_answer(at).refused and "Traceback" not in str(at)


# --- the index --------------------------------------------------------------------------------


@uses_app
def test_first_start_builds_the_index_with_a_progress_bar(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RAG_INDEX_DIR", str(tmp_path / "index"))
    at = start()

    assert any("Eerste start" in i.value for i in at.info)
    [bar] = at.get("progress")
    assert bar.value == 100 and "2 documenten" in bar.proto.text
    assert any("2 toegevoegd" in s.value for s in at.success)
    assert store.exists(tmp_path / "index")
    assert not at.chat_input[0].proto.disabled
    assert any(m.value.startswith("**2** documenten") for m in at.sidebar.markdown)


@uses_app
def test_empty_corpus_explains_where_to_put_documents(monkeypatch, tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    monkeypatch.setenv("RAG_CORPUS_DIR", str(tmp_path / "corpus"))
    monkeypatch.setenv("RAG_INDEX_DIR", str(tmp_path / "index"))
    at = start()

    [explanation] = [i.value for i in at.info]
    assert str(tmp_path / "corpus") in explanation and ".pdf" in explanation and ".docx" in explanation
    assert not at.error and len(at.chat_input) == 0
    assert not store.exists(tmp_path / "index")


@uses_app
def test_missing_corpus_folder_is_explained(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RAG_CORPUS_DIR", str(tmp_path / "nergens"))
    monkeypatch.setenv("RAG_INDEX_DIR", str(tmp_path / "index"))
    at = start()

    [explanation] = [i.value for i in at.info]
    assert "bestaat nog niet" in explanation and str(tmp_path / "nergens") in explanation


@uses_app
def test_index_of_another_model_offers_a_rebuild(monkeypatch, tmp_path: Path, sample) -> None:
    shutil.copytree(sample[1], tmp_path / "index")
    build = tmp_path / "index" / store.current_build_name(tmp_path / "index")
    manifest = json.loads((build / "manifest.json").read_text("utf-8"))
    manifest["model"] = "other/model"
    (build / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    monkeypatch.setenv("RAG_INDEX_DIR", str(tmp_path / "index"))
    at = start()

    [error] = [e.value for e in at.error]
    assert "gemaakt met het zoekmodel other/model" in error  # in the interface language
    assert at.chat_input[0].proto.disabled

    at.button(key="rebuild_main").click().run()

    assert not at.exception and not at.error
    assert store.read_manifest(tmp_path / "index").model == "google/embeddinggemma-300m"
    assert not at.chat_input[0].proto.disabled


@uses_app
def test_sidebar_update_adds_new_files_while_the_old_index_stays_usable(
    monkeypatch, tmp_path: Path, sample, embedder
) -> None:
    shutil.copytree(sample[0], tmp_path / "corpus")
    shutil.copytree(sample[1], tmp_path / "index")
    (tmp_path / "corpus" / "inspraak.md").write_text(MALICIOUS, encoding="utf-8")
    (tmp_path / "corpus" / "leeg.txt").write_bytes(b"")
    monkeypatch.setenv("RAG_CORPUS_DIR", str(tmp_path / "corpus"))
    monkeypatch.setenv("RAG_INDEX_DIR", str(tmp_path / "index"))
    at = start()
    assert any("Bestanden anders dan in de index: 2." in w.value for w in at.sidebar.warning)
    settings = load_settings()
    old = resources.retriever(settings, embedder)  # what other sessions hold right now

    at.button(key="rebuild_sidebar").click().run()

    assert not at.exception
    assert any("1 toegevoegd" in s.value for s in at.sidebar.success)
    assert "Overgeslagen: leeg.txt — het bestand is leeg" in texts_of(at.sidebar.warning)  # in Dutch
    assert any("onleesbaar: leeg.txt (het bestand is leeg)" in m for m in texts_of(at.sidebar.markdown))
    assert any(m.value.startswith("**3** documenten") for m in at.sidebar.markdown)
    new = resources.retriever(settings, embedder)
    assert new is not old and len(new.index.documents) == 3
    assert len(old.index.documents) == 2 and old.search("burgerkracht")  # still answers


# --- scans ------------------------------------------------------------------------------------

NOTICE = "Mededeling: het buurthuis aan de Kastanjelaan is in augustus gesloten wegens een verbouwing."


def corpus_with_a_scan(tmp_path: Path, sample) -> Path:
    shutil.copytree(sample[0], tmp_path / "corpus")
    render_text([NOTICE]).save(tmp_path / "corpus" / "mededeling.png", dpi=(300, 300))
    return tmp_path / "corpus"


@uses_app
def test_without_tesseract_the_build_summary_and_the_sidebar_say_what_to_install(
    monkeypatch, tmp_path: Path, sample
) -> None:
    monkeypatch.setenv("RAG_CORPUS_DIR", str(corpus_with_a_scan(tmp_path, sample)))
    monkeypatch.setenv("RAG_INDEX_DIR", str(tmp_path / "index"))
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))  # no tesseract on this machine
    at = start()  # the first start builds the index

    assert (
        "Gescand, niet leesbaar: mededeling.png — installeer `tesseract-ocr-nld` (apt) om het te "
        "indexeren." in texts_of(at.main.warning)
    )
    assert (
        "Gescande bestanden niet leesbaar: 1. Installeer `tesseract-ocr-nld` (apt) om ze te "
        "indexeren, en klik daarna op *Index bijwerken*." in texts_of(at.sidebar.warning)
    )
    # An update would only fail on it again: not "files differ", which no click could clear.
    assert not any("Bestanden anders dan in de index" in w for w in texts_of(at.sidebar.warning))
    assert any(
        "Alle andere documenten zijn doorzoekbaar. Niet te lezen: 1" in c
        for c in texts_of(at.sidebar.caption)
    )

    monkeypatch.setenv("RAG_UI_LANGUAGE", "en")
    at = start()
    assert (
        "Scanned files not readable: 1. Install `tesseract-ocr-nld` (apt) to index them, then click "
        "*Update index*." in texts_of(at.sidebar.warning)
    )


@uses_app
@pytest.mark.skipif(bool(tesseract_missing()), reason=tesseract_missing() or "installed")
def test_a_passage_read_from_a_scan_says_so_in_the_source_view(
    monkeypatch, tmp_path: Path, sample, embedder
) -> None:
    corpus = corpus_with_a_scan(tmp_path, sample)
    update_index(load_settings(corpus_dir=corpus, index_dir=tmp_path / "index"), embedder)
    monkeypatch.setenv("RAG_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("RAG_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("RAG_ANSWERER", "none")
    at = ask(start(), "Wanneer is het buurthuis aan de Kastanjelaan gesloten?")

    notes = [
        any("Herkend uit een scan (OCR)" in c.value for c in expander.caption)
        for expander in at.main.expander
    ]
    docs = [hit.chunk.doc for hit in last_answer(at).passages]
    assert docs[0] == "mededeling.png" and notes == [doc == "mededeling.png" for doc in docs]


# --- export ------------------------------------------------------------------------------------


@uses_app
def test_export_has_questions_answers_and_escaped_cited_passages() -> None:
    at = ask(start(), QUESTION)
    exported = chat_markdown(at.session_state["messages"], Texts("nl"))
    answer = last_answer(at)

    assert exported.startswith("# Gesprek met de participatie-assistent")
    assert "## Vraag 1" in exported and QUESTION in exported
    assert "#### Bronnen" in exported
    first = answer.citations[0]
    assert f"**[{first.n}] " in exported and f"`{first.doc}`" in exported
    assert "> " + escape_markdown(first.text, light=True)[:60] in exported
    # the passage keeps its lines: a heading is not run into the paragraph below it
    message = at.session_state["messages"][-1]
    source = sourced_answer(answer, message["docs"]).sources[0]
    lines = message["docs"][source.doc].text[source.start : source.end].splitlines()
    quoted = exported.splitlines()
    assert len([line for line in lines if line.strip()]) > 1
    assert all(
        "> " + escape_markdown(" ".join(line.split()), light=True) in quoted for line in lines if line.strip()
    )
