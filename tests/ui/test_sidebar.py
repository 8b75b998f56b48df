"""The sidebar of stored conversations and the staff's gaps tab, in headless Chromium
against the real server: list, resume (also after a reload), rename, delete; gap groups
and their "Bozza articolo" action."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from assistant.ui.i18n import t
from tests.ui.conftest import LiveUI
from tests.ui.test_browser import ARTIFACTS, CHROMIUM, ask, browser, page, sign_in  # noqa: F401

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")]
KEY = "k-sidebar"
FIRST = "Quanto vale il bando Ponti di Innovazione 2024?"
SECOND = "Quali soci lavorano sulla medicina rigenerativa?"


def _stored(ui_server: LiveUI) -> list[dict[str, Any]]:
    r = httpx.get(ui_server.url + "/v1/conversations", headers={"Authorization": f"Bearer {KEY}"})
    r.raise_for_status()
    return list(r.json()["conversations"])


def _entries(pg: Any) -> list[str]:
    return [s.strip() for s in pg.locator("#conv-list label").all_inner_texts()]


def test_sidebar_lists_resumes_and_deletes(page: Any, ui_server: LiveUI) -> None:  # noqa: F811
    pg = page
    assert not pg.locator("#conv-sidebar").is_visible()  # anonymous: nothing stored
    sign_in(pg, KEY, "Accesso socio")
    pg.locator("#conv-sidebar").wait_for()
    ask(pg, FIRST)
    ask(pg, "E quando scade?")
    pg.locator("#conv-list label", has_text=FIRST[:30]).wait_for()
    stored = _stored(ui_server)
    assert len(stored) == 1 and stored[0]["turns"] == 2
    # a reload brings back the key and the conversation (the tab's sessionStorage)
    pg.reload(wait_until="load")
    pg.wait_for_selector("body[data-ready='1']", state="attached")
    pg.locator("#role-status", has_text="Accesso socio").wait_for()
    pg.wait_for_function("document.querySelectorAll('.turn').length === 2")
    assert FIRST in pg.locator(".turn").first.inner_text()
    # a second conversation, then back to the first one from the list
    pg.click("#conv-new")
    pg.wait_for_selector(".chat-empty")
    ask(pg, SECOND)
    pg.locator("#conv-list label", has_text=SECOND[:30]).wait_for()
    assert len(_entries(pg)) == 2 and SECOND[:30] in _entries(pg)[0]  # newest first
    pg.locator("#conv-list label", has_text=FIRST[:30]).click()
    pg.wait_for_function("document.querySelectorAll('.turn').length === 2")
    assert pg.locator(".turn .msg-bot a.cite").count() >= 2  # citations came back too
    pg.fill("#conv-title input", "Bando Ponti")
    pg.click("#conv-rename")
    pg.locator("#conv-list label", has_text="Bando Ponti").wait_for()
    pg.click("#conv-export")
    pg.locator("#conv-download").wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / "ui-sidebar.png"), full_page=True)
    pg.click("#conv-delete")
    pg.wait_for_selector(".chat-empty")
    pg.wait_for_function("document.querySelectorAll('#conv-list label').length === 1")
    assert [c["title"] for c in _stored(ui_server)] == [SECOND]


def test_gaps_tab_groups_questions_and_opens_a_draft(page: Any) -> None:  # noqa: F811
    pg = page
    for q in ("Dove posso parcheggiare quando vengo alla sede del cluster?",
              "C'è un parcheggio per i visitatori presso la sede?",
              "Qual è la ricetta tradizionale della pizza margherita?"):
        answer = ask(pg, q)
        assert answer.locator(".notice-warn").count() == 1  # refused: a content gap
    gaps_tab = pg.get_by_role("tab", name=t("tab_gaps"))
    assert gaps_tab.count() == 0 or not gaps_tab.is_visible()
    sign_in(pg, "k-staff", "Accesso staff")
    gaps_tab.click()
    card = pg.locator("#gaps-view .gap-card", has_text="parcheggi").first
    card.wait_for()
    assert "Domande: 2 (2 senza risposta" in card.locator(".gap-count").inner_text()
    assert card.locator(".gap-examples li").count() == 2
    assert card.locator(".gap-docs li").count() >= 1
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / "ui-gaps.png"), full_page=True)
    topic = card.locator("h3").inner_text()
    card.locator("button.gap-draft").click()
    pg.wait_for_function(f"document.querySelector('#draft-topic textarea')?.value === {topic!r}")
    assert pg.locator("#draft-go").is_visible()
