"""`streamlit run app.py` driven by a real headless Chromium: the chat as a user sees it.

Checks what AppTest cannot: what the browser renders. A cited passage is highlighted in a <mark>,
and a document full of HTML and Markdown (script, image, javascript: link) shows as literal text
without creating any element or request. Screenshots go to test-artifacts/; set
UPDATE_SCREENSHOT=1 to also refresh docs/screenshot.png (the README's picture).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest

from tests.files import CORPUS, ROOT
from tests.network import free_port
from tests.ollama_server import FakeOllama

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts"
SLOW = 240_000  # ms: first page load embeds the corpus; a loaded machine answers slowly
CHAT_BOX = "textarea[data-testid='stChatInputTextArea']"
DONE = re.compile(r"^extractief · ")  # the last line under a finished answer

# Streamlit scrolls the chat inside a container, not the window: scroll every scrolled one back.
SCROLL_TO_TOP = """() => { for (const el of document.querySelectorAll('*')) {
    if (el.scrollTop > 0) el.scrollTop = 0; } }"""
MALICIOUS_NAME = "inspraakavond-wijk-zuid.md"
MALICIOUS = """# Inspraakavond ![x](http://127.0.0.1:9/titel.png) <b>Wijk Zuid</b>

Bewoners van Wijk Zuid kwamen op 12 maart bijeen in buurthuis De Linde om te praten over de \
herinrichting van het Marktplein. <script>alert(1)</script> De gemeente legde drie ontwerpen voor \
en de bewoners kozen voor meer groen en speelruimte op het Marktplein. \
![x](http://127.0.0.1:9/x.png) Meer lezen over het Marktplein: [klik](javascript:alert(1)) of \
<img src="http://127.0.0.1:9/y.png" onerror="alert(2)">.
"""

if not CHROMIUM.exists():
    pytest.skip(
        "Debian's chromium is not installed (apt-get install -y chromium); the browser test needs it",
        allow_module_level=True,
    )
playwright = pytest.importorskip("playwright.sync_api", reason="the dev extra installs playwright")


def _wait_healthy(url: str, server: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"streamlit exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"streamlit did not answer on {url} within {seconds} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def ollama_for_the_app() -> Iterator[FakeOllama]:
    """The stand-in Ollama the app's server reaches: it lives as long as that server."""
    server = FakeOllama()
    yield server
    server.close()


@pytest.fixture(scope="module")
def app(
    tmp_path_factory: pytest.TempPathFactory, ollama_for_the_app: FakeOllama
) -> Iterator[tuple[str, Path, int]]:
    """The app on a free localhost port, over a copy of the corpus plus a hostile document,
    with no index yet (the first page load builds it). It answers extractively; choosing
    Ollama in the sidebar reaches the stand-in server."""
    base = tmp_path_factory.mktemp("browser")
    shutil.copytree(CORPUS, base / "corpus")
    (base / "corpus" / MALICIOUS_NAME).write_text(MALICIOUS, encoding="utf-8")
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("RAG_") and k != "OLLAMA_HOST"},
        "RAG_ANSWERER": "extractive",
        "RAG_CORPUS_DIR": str(base / "corpus"),
        "RAG_INDEX_DIR": str(base / "index"),
        "RAG_MODELS_DIR": str(ROOT / "models"),
        "RAG_TOP_K": "3",
        "OLLAMA_HOST": ollama_for_the_app.url,
    }
    log = base / "streamlit.log"
    with open(log, "wb") as output:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.port",
                str(port),
                "--server.headless",
                "true",
                "--server.fileWatcherType",
                "none",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://localhost:{port}"
    try:
        _wait_healthy(url, server, log)
        yield url, base / "index", server.pid
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


@pytest.fixture
def page(app, request: pytest.FixtureRequest) -> Iterator:
    """A fresh browser page (a new chat session) that records requests and JS dialogs; a failed
    test leaves a screenshot of the page in test-artifacts/."""
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1100})
        page.requests = []  # type: ignore[attr-defined]
        page.dialogs = []  # type: ignore[attr-defined]
        page.on("request", lambda request: page.requests.append(request.url))
        page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
        page.set_default_timeout(SLOW)
        try:
            yield page
            if getattr(request.node, "call_failed", False):
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=ARTIFACTS / f"failed-{request.node.name}.png", full_page=True)
        finally:
            browser.close()


def send(page, question: str) -> None:
    page.wait_for_function(
        f'() => {{ const box = document.querySelector("{CHAT_BOX}"); return box && !box.disabled; }}',
        timeout=SLOW,
    )
    box = page.locator(CHAT_BOX)
    box.fill(question)
    box.press("Enter")


def ask(page, question: str, answers_before: int) -> None:
    """Type a question, send it, and wait until its answer is complete."""
    send(page, question)
    page.get_by_text(DONE).nth(answers_before).wait_for()


def chunks(index_dir: Path) -> list[dict]:
    build = (index_dir / "CURRENT").read_text().strip()
    with open(index_dir / build / "chunks.jsonl", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def show_whole_document(details) -> None:
    """Switch on "Toon het hele document" in an open source. A click can land while the chat
    still scrolls to its end and miss the switch; then it is clicked again."""
    switch = details.get_by_role("switch", name="Toon het hele document")
    for _ in range(3):
        details.get_by_text("Toon het hele document").click()
        try:
            switch.wait_for(state="attached", timeout=5_000)
            if switch.is_checked() or details.locator(".rag-document").count():
                return
        except playwright.Error:
            pass
        details.page.wait_for_timeout(1_000)
    assert switch.is_checked(), "the switch did not turn on after three clicks"


def open_source(page, label_part: str):
    """Open the (last) source expander whose label contains `label_part`; its content."""
    expander = (
        page.locator("[data-testid='stExpander']")
        .filter(has=page.locator("summary", has_text=label_part))
        .last
    )
    expander.locator("summary").click()
    details = expander.locator("[data-testid='stExpanderDetails']")
    details.locator("mark.rag-mark").first.wait_for(state="visible", timeout=30_000)
    return details


def test_question_gets_a_cited_answer_with_the_passage_highlighted(app, page) -> None:
    url, index_dir, _ = app
    page.goto(url)
    ask(page, "Wat vroeg wethouder Pieter Hilhorst aan de ambtenaren?", 0)

    answer = page.locator(".rag-answer").last
    assert "Hilhorst" in answer.inner_text()
    assert answer.locator(".rag-cite").count() >= 1
    page.get_by_text("Bronnen", exact=True).wait_for()
    details = open_source(page, "[1]")
    marked = " ".join(details.locator("mark.rag-mark").first.inner_text().split())
    assert marked in {" ".join(c["text"].split()) for c in chunks(index_dir)}
    # the passage is shown inside its surrounding text, not alone
    assert len(details.locator(".rag-passage").inner_text()) > len(marked)

    page.mouse.move(1270, 1090)  # no hover effects in the picture
    page.wait_for_timeout(800)  # the expander's opening animation
    page.evaluate(SCROLL_TO_TOP)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "chat.png")
    docs_shot = ROOT / "docs" / "screenshot.png"
    if os.environ.get("UPDATE_SCREENSHOT") == "1" or not docs_shot.exists():
        docs_shot.parent.mkdir(exist_ok=True)
        shutil.copyfile(ARTIFACTS / "chat.png", docs_shot)
    assert not page.dialogs


def test_hostile_document_text_is_shown_literally(app, page) -> None:
    url, _, _ = app
    page.goto(url)
    ask(page, "Wat kozen de bewoners van Wijk Zuid voor het Marktplein?", 0)

    details = open_source(page, "inspraakavond-wijk-zuid")
    assert "<script>alert(1)</script>" in details.locator(".rag-passage").inner_text()
    show_whole_document(details)
    document = details.locator(".rag-document")
    document.wait_for()
    shown = document.inner_text()
    for literal in (
        "<script>alert(1)</script>",
        "![x](http://127.0.0.1:9/x.png)",
        "[klik](javascript:alert(1))",
        '<img src="http://127.0.0.1:9/y.png" onerror="alert(2)">',
    ):
        assert literal in shown
    card = page.locator(".rag-source", has_text="Wijk Zuid").last
    assert "![x](http://127.0.0.1:9/titel.png) <b>Wijk Zuid</b>" in card.inner_text()
    page.screenshot(path=ARTIFACTS / "hostile-document.png")

    chat = page.locator("[data-testid='stChatMessage']")
    assert chat.count() == 2
    for tag in ("script", "img", "b"):  # not one element came from the document's text
        assert chat.locator(tag).count() == 0, tag
    assert chat.locator("a").count() == chat.locator(".rag-cite a[href^='#bron-']").count()  # only [n]
    assert page.locator("img[src*='127.0.0.1:9'], a[href^='javascript']").count() == 0
    assert not [u for u in page.requests if "127.0.0.1:9" in u]
    assert not page.dialogs


def test_first_screen_lists_the_documents_and_example_questions_that_answer(app, page) -> None:
    url, _, _ = app
    page.goto(url)
    page.get_by_text("Probeer bijvoorbeeld:").wait_for()
    assert page.locator("p", has_text="documenten doorzoekbaar").inner_text().startswith("3 documenten")
    examples = page.locator("[class*='st-key-example-'] button")
    examples.nth(2).wait_for()  # the page renders element by element
    assert examples.count() == 3
    question = examples.first.inner_text().splitlines()[-1].strip()  # after the icon's name
    examples.first.click()
    page.get_by_text(DONE).first.wait_for()

    assert page.locator("[data-testid='stChatMessage']").first.inner_text().strip().endswith(question)
    assert page.locator(".rag-answer .rag-cite").count() >= 1  # answered, not refused
    # The welcome is gone once the rerun that answered has finished drawing (under load that
    # lags the answer's last words by a moment).
    page.get_by_text("Probeer bijvoorbeeld:").wait_for(state="detached", timeout=10_000)


def test_a_citation_links_to_its_source_card_with_snippet_and_relevance(app, page) -> None:
    url, _, _ = app
    page.goto(url)
    ask(page, "Hoe helpten winkeliers een moeder met schulden?", 0)

    link = page.locator(".rag-answer .rag-cite a").first
    target = link.get_attribute("href")
    card = page.locator(f".rag-source{target}")
    assert card.count() == 1
    link.click()
    page.wait_for_function(f"() => location.hash === '{target}'")
    assert card.evaluate("el => el.matches(':target')")
    box = card.bounding_box()
    assert box is not None and 0 <= box["y"] < 1100  # scrolled into view
    text = card.inner_text()
    assert "fondsje" in text  # the snippet: the sentence that backs the answer
    assert re.search(r"overeenkomst \d+%", text)
    numbers = [int(n) for n in re.findall(r"\[(\d+)\]", page.locator(".rag-answer").inner_text())]
    assert sorted(set(numbers)) == list(range(1, max(numbers) + 1))  # 1..n without gaps


def test_a_standalone_question_is_not_glued_to_the_previous_one_and_a_follow_up_is(app, page) -> None:
    url, _, _ = app
    page.goto(url)
    ask(page, "Welke drie hoofdtaken heeft de beleidsmedewerker in Kirgizië?", 0)
    ask(page, "Hoe helpten winkeliers een moeder met schulden?", 1)
    assert page.get_by_text("Gezocht op:").count() == 0
    assert "fondsje" in page.locator(".rag-answer").nth(1).inner_text()

    ask(page, "En wat deed de vader?", 2)
    assert page.get_by_text("Gezocht op:").count() == 1  # the follow-up, searched with its topic
    last = page.locator(".rag-answer").nth(2).inner_text()
    assert "vader" in last and "gokverslaving" in last
    assert page.get_by_role("button", name="Zoek mijn vraag zoals ik hem typte").count() == 1


def test_a_new_answer_is_scrolled_into_view_after_reading_an_earlier_one(app, page) -> None:
    """The chat follows new text only when the view is at its end; a user who scrolled up to
    read (or clicked a citation) must still see the new question and its answer begin."""
    url, _, _ = app
    page.goto(url)
    ask(page, "Welke drie hoofdtaken heeft de beleidsmedewerker in Kirgizië?", 0)
    ask(page, "Hoe helpten winkeliers een moeder met schulden?", 1)
    page.locator(".rag-answer .rag-cite a").first.click()  # to the first answer's source, to read it
    page.mouse.move(700, 500)
    page.mouse.wheel(0, -3000)
    page.wait_for_timeout(500)
    ask(page, "Wat deden de vrouwen in Kirgizië tegen corruptie?", 2)

    page.wait_for_timeout(1_500)  # the script runs in its own frame once the answer is shown
    question = page.locator("[data-testid='stChatMessage']").filter(has_text="tegen corruptie").last
    box = question.bounding_box()
    assert box is not None and 0 <= box["y"] < 1100 / 2  # the question near the top of the view
    answer_box = page.locator(".rag-answer").nth(2).bounding_box()
    assert answer_box is not None and answer_box["y"] < 1100  # its answer begins in view


def test_an_english_question_gets_english_notices(app, page) -> None:
    url, _, _ = app
    page.goto(url)
    ask(page, "What did the shopkeepers do for a mother in debt?", 0)
    notices = page.locator("[data-testid='stAlert']").all_inner_texts()
    assert any("Extractive answer" in n and "quotes are in Dutch" in n for n in notices)
    assert not any("Extractief antwoord" in n for n in notices)


def test_answer_streams_into_the_page(app, page, ollama_for_the_app: FakeOllama) -> None:
    ollama_for_the_app.reply = [
        "Wethouder ",
        "Pieter ",
        "Hilhorst ",
        "vroeg ",
        "om ",
        "een ",
        "andere ",
        "overheid [1].",
    ]
    ollama_for_the_app.piece_delay = 0.5
    url, _, _ = app
    page.goto(url)
    page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").filter(
        has_text="Antwoordmodel"
    ).click()
    page.get_by_role("option", name="Ollama", exact=True).click()
    page.locator("[data-testid='stSidebar']").get_by_text("Ollama-model").wait_for()
    send(page, "Wat vroeg wethouder Pieter Hilhorst aan de ambtenaren?")

    seen: list[str] = []  # the answer as the page showed it over time
    deadline = time.monotonic() + SLOW / 1000
    while time.monotonic() < deadline:
        shown = page.locator(".rag-answer").all_inner_texts()
        if shown and (not seen or seen[-1] != shown[-1]):
            seen.append(shown[-1])
        if seen and seen[-1] == "Wethouder Pieter Hilhorst vroeg om een andere overheid [1].":
            break
        page.wait_for_timeout(100)
    partial = [text for text in seen if text.endswith("▌")]
    assert len(partial) >= 3, seen  # grew piece by piece, with a cursor while streaming
    assert all(len(a) < len(b) for a, b in pairwise(partial))
    assert seen[-1] == "Wethouder Pieter Hilhorst vroeg om een andere overheid [1].", seen
    page.get_by_text(re.compile(r"^Ollama · gemma3")).wait_for()


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of the sockets listening on `port`, from the kernel's tables."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def test_the_server_listens_on_localhost_only(app) -> None:
    port = int(app[0].rsplit(":", 1)[1])
    addresses = _listening_addresses(port)

    loopback = {
        "0100007F",
        "00000000000000000000000001000000",
    }  # 127.0.0.1 and ::1, as the kernel writes them
    assert addresses and addresses <= loopback, addresses


SESSIONS = 20
SESSION_QUESTIONS = [
    ("Wat vroeg wethouder Pieter Hilhorst aan de ambtenaren?", "wikistad"),
    ("Welke taken heeft de beleidsmedewerker burgerparticipatie in Massy?", "talentprogramma"),
]


def _server_memory_mb(pid: int) -> dict[str, float]:
    """Resident memory of the server now and at its peak (VmHWM), from the kernel."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return {name: int(fields[name].split()[0]) / 1024 for name in ("VmRSS", "VmHWM")}


@pytest.mark.slow
def test_twenty_sessions_at_once_each_get_their_own_answer(app, record_property) -> None:
    url, _, server_pid = app
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            first = browser.new_page()
            first.set_default_timeout(SLOW)
            first.goto(url)  # the first session builds the index if no earlier test did
            first.wait_for_function(
                f'() => {{ const box = document.querySelector("{CHAT_BOX}"); return box && !box.disabled; }}'
            )
            pages = [first] + [browser.new_page() for _ in range(SESSIONS - 1)]
            for page in pages[1:]:
                page.set_default_timeout(SLOW)
                page.goto(url)
            for number, page in enumerate(pages):  # all twenty questions are sent before any answer
                send(page, SESSION_QUESTIONS[number % 2][0])
            for number, page in enumerate(pages):
                page.get_by_text(DONE).first.wait_for()
                first_source = page.locator(
                    "[data-testid='stExpander'] summary", has_text="[1]"
                ).first.inner_text()
                assert SESSION_QUESTIONS[number % 2][1] in first_source.lower(), (number, first_source)
                assert (
                    page.locator("[data-testid='stException'], [data-testid='stAlertContentError']").count()
                    == 0
                )
        finally:
            browser.close()
    for name, megabytes in _server_memory_mb(server_pid).items():
        record_property(f"server_{name}_mb", round(megabytes))  # benchmarks/ has the measured figures
