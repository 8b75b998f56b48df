"""The UI in headless Chromium against the real server (API + UI on one uvicorn).

Skipped when /usr/bin/chromium is absent (``make browser`` installs it). Pages are
loaded with ``wait_until="load"`` and then wait for selectors: network-idle never
comes with Gradio.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.ui.i18n import EXAMPLES, t
from tests.ui.conftest import POISON_DOC, LiveUI

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TIMEOUT_MS = 90_000  # a loaded CI machine; answers take well under a second when idle
# counts renders of an answer still in progress (to see that it streams)
WATCH_STREAM = """
window.__seen = {pending: 0, partial: 0};
new MutationObserver(() => {
  for (const el of document.querySelectorAll('.msg-bot[data-state="pending"]')) {
    window.__seen.pending += 1;
    if (el.querySelector('.answer-text')) window.__seen.partial += 1;
  }
}).observe(document, {subtree: true, childList: true, characterData: true});
"""

# one rerun: a chat re-render can race a locator (seen once in several runs per test)
pytestmark = [pytest.mark.browser, pytest.mark.flaky(reruns=1),
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, ui_server: LiveUI) -> Iterator[Any]:
    """A fresh browser session (Italian locale) on the UI, ready for a question."""
    ctx = browser.new_context(locale="it-IT", viewport={"width": 1360, "height": 1000})
    ctx.set_default_timeout(TIMEOUT_MS)
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("request", lambda r: None if r.url.startswith((ui_server.url, "data:", "blob:"))
          else errors.append(f"request to another site: {r.url}"))
    pg.add_init_script(WATCH_STREAM)
    pg.goto(ui_server.url + "/", wait_until="load")
    pg.wait_for_selector("#question textarea")
    pg.wait_for_selector("body[data-ready='1']", state="attached")  # the load chain has run
    yield pg
    ctx.close()
    assert not errors, errors  # no script errors, nothing fetched from elsewhere


def ask(pg: Any, question: str) -> Any:
    """Type a question, press Enter, wait for the complete answer; returns its locator."""
    n = pg.locator('.msg-bot[data-state="done"]').count()
    pg.fill("#question textarea", question)
    pg.press("#question textarea", "Enter")
    done = pg.locator('.msg-bot[data-state="done"]').nth(n)
    done.wait_for()
    return done


def sign_in(pg: Any, key: str, expected: str) -> None:
    pg.fill("#api-key input", key)
    pg.click("#key-apply")
    pg.locator("#role-status", has_text=expected).wait_for()


def test_streamed_answer_with_clickable_citation_and_passage(page: Any) -> None:
    pg = page
    assert pg.get_attribute("#question textarea", "placeholder") == t("question_placeholder")
    assert pg.inner_text("#send").strip() == "Invia"
    assert pg.inner_text("#new-chat").strip() == "Nuova conversazione"
    assert "Accesso anonimo" in pg.inner_text("#role-status")
    answer = ask(pg, "Quanto vale il bando Ponti di Innovazione 2024?")
    assert "1.200.000 euro" in answer.locator(".answer-text").inner_text()
    assert pg.evaluate("window.__seen.pending") > 0  # shown while it streamed
    cite = answer.locator("a.cite").first
    target = cite.get_attribute("data-target")
    source = pg.locator(f"details#{target}")
    assert source.get_attribute("open") is None
    cite.click()
    pg.wait_for_selector(f"details#{target}[open] blockquote.src-passage")
    assert "1.200.000 euro" in source.locator("blockquote.src-passage").inner_text()
    assert "Articolo · 2024-05-28" in source.locator(".src-meta").inner_text()
    link = source.locator("a.src-link")
    assert link.get_attribute("rel") == "noopener noreferrer nofollow"
    assert link.get_attribute("href", timeout=1000).startswith("https://")
    ARTIFACTS.mkdir(exist_ok=True)
    pg.evaluate("document.querySelectorAll('#chat, #chat *').forEach(e => e.scrollTop = 0)")
    pg.screenshot(path=str(ARTIFACTS / "ui-chat.png"), full_page=True)
    # a follow-up uses the conversation; "Nuova conversazione" clears it
    ask(pg, "E quando scade?")
    assert pg.locator(".turn").count() == 2
    pg.click("#new-chat")
    pg.wait_for_selector(".chat-empty")


def test_example_question_and_a_clear_message_when_nothing_is_found(page: Any) -> None:
    pg = page
    pg.get_by_role("button", name=EXAMPLES["it"][0]).click()
    first = pg.locator('.msg-bot[data-state="done"]').first
    first.wait_for()
    assert first.locator("a.cite").count() >= 1
    answer = ask(pg, "Qual è la ricetta tradizionale della pasta alla carbonara?")
    assert answer.locator(".notice-warn").inner_text() == t("not_found")
    assert answer.locator("a.cite").count() == 0


def test_members_only_filter_cites_member_profiles(page: Any) -> None:
    pg = page
    pg.locator("#scope label", has_text="Solo soci").click()
    answer = ask(pg, "Quali aziende sviluppano terapie di medicina rigenerativa?")
    docs = [d.get_attribute("data-doc") for d in answer.locator("details.src").all()]
    assert docs and all(d.startswith("members/") for d in docs), docs
    assert all(m.startswith("Socio") for m in answer.locator(".src-meta").all_inner_texts())


def test_feedback_is_stored(page: Any, ui_server: LiveUI) -> None:
    pg = page
    answer = ask(pg, "Com'è andata la missione in Giappone?")
    answer_id = answer.locator(".fb").get_attribute("data-answer")
    answer.locator(".fb-comment").fill("Chiara, ma vorrei più cifre")
    answer.locator('.fb-btn[data-rating="down"]').click()
    answer.locator(".fb-done").wait_for()
    db = ui_server.settings.data_dir / "assistant.sqlite"
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT rating, comment FROM feedback WHERE answer_id=?",
                            (answer_id,)).fetchall()
    assert rows == [("down", "Chiara, ma vorrei più cifre")]


def test_poisoned_document_is_shown_escaped(page: Any) -> None:
    pg = page
    answer = ask(pg, "Qual è il codice del protocollo Fenice?")
    for cite in answer.locator("a.cite").all():
        cite.click()
    for summary in answer.locator("details.src:not([open]) > summary").all():
        summary.click()
    pg.wait_for_timeout(800)  # time for any injected handler to fire
    assert pg.evaluate("typeof window.__pwned") == "undefined"
    chat = pg.locator("#chat")
    assert chat.locator("img, script, iframe").count() == 0
    assert pg.locator('a[href^="javascript"]').count() == 0
    shown = chat.inner_text()
    assert "<script>window.__pwned=1</script>" in shown
    assert "<img src=x" in shown and "{{7*7}}" in shown and "${7*7}" in shown
    assert answer.locator(f'details[data-doc="{POISON_DOC}"]').count() >= 1


def test_staff_tabs_follow_the_key_and_documents_can_be_managed(page: Any) -> None:
    pg = page
    docs_tab = pg.get_by_role("tab", name=t("tab_docs"))
    assert docs_tab.count() == 0 or not docs_tab.is_visible()  # anonymous
    sign_in(pg, "wrong-key", t("role_invalid")[:20])
    sign_in(pg, "k-member", "Accesso socio")
    assert docs_tab.count() == 0 or not docs_tab.is_visible()
    sign_in(pg, "k-staff", "Accesso staff")
    docs_tab.click()
    pg.locator("#docs-table", has_text="articles/2024-05-bando-ponti").wait_for()
    pg.locator("#docs-upload").wait_for()
    pg.set_input_files("input[type=file]", files=[{
        "name": "nota-ui.md", "mimeType": "text/markdown",
        "buffer": b"---\ntitle: Nota di prova UI\ndate: 2026-01-10\n---\n"
                  b"La nota di prova UI riguarda il laboratorio Orione di Trento.\n"}])
    pg.locator("#docs-log .up-ok", has_text="nota-ui.md").wait_for()
    pg.locator("#docs-table", has_text="uploads/nota-ui.md").wait_for()
    pg.click("#docs-pick input")
    pg.get_by_role("option", name="uploads/nota-ui.md").click()
    pg.click("#docs-delete")
    pg.click("#docs-confirm")
    pg.locator("#docs-outcome", has_text="Eliminato: uploads/nota-ui.md").wait_for()
    pg.wait_for_function("!document.querySelector('#docs-table').innerText"
                         ".includes('uploads/nota-ui.md')")


def test_draft_tab_renders_a_cited_draft_for_staff(page: Any) -> None:
    pg = page
    sign_in(pg, "k-staff", "Accesso staff")
    pg.get_by_role("tab", name=t("tab_draft")).click()
    pg.fill("#draft-topic textarea", "missione in Giappone")
    pg.click("#draft-go")
    pg.wait_for_selector("#draft-view .draft-text")
    cite = pg.locator("#draft-view a.cite").first
    target = cite.get_attribute("data-target")
    cite.click()
    pg.wait_for_selector(f"#draft-view details#{target}[open]")
    assert pg.locator("#draft-download").is_visible()


def test_english_is_one_click_away(page: Any) -> None:
    pg = page
    pg.locator("#lang label", has_text="English").click()
    pg.wait_for_function("document.querySelector('#question textarea').placeholder"
                         f" === {t('question_placeholder', 'en')!r}")
    assert pg.inner_text("#send").strip() == "Send"
    assert "Anonymous access" in pg.inner_text("#role-status")
    assert "Articles only" in pg.inner_text("#scope")
