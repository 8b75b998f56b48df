"""The sidebar of stored conversations (signed-in users): list, resume, rename, delete,
export. Everything goes through ``/v1/conversations`` with the user's key.

The current conversation id and the key live in the browser's ``sessionStorage`` (see
:data:`RESTORE_JS`), so a reload of the tab brings the conversation back; closing the
tab forgets both.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.ui import views
from assistant.ui.client import ApiError
from assistant.ui.handlers import Endpoint, Turn, error_text
from assistant.ui.i18n import t
from assistant.ui.render import notice

KEYED = ("member", "staff", "admin")
RESTORE_JS = """() => [sessionStorage.getItem('vitalia-key') || '',
                       sessionStorage.getItem('vitalia-conv') || '']"""
SAVE_KEY_JS = "(k) => { sessionStorage.setItem('vitalia-key', k || ''); }"
# the page load's chain has run (key, language, role, list, conversation): tests and
# scripts wait for it before they type
READY_JS = "() => { document.body.dataset.ready = '1'; }"
SAVE_CONV_JS = "(c) => { sessionStorage.setItem('vitalia-conv', c || ''); }"


def layout(lab: Any) -> dict[str, Any]:
    """The sidebar's components (inside a column the caller shows to keyed users)."""
    lab.make(gr.Markdown, lambda lang: {"value": f"**{t('conv_title', lang)}**"})
    new = lab.make(gr.Button, {"value": "conv_new"}, size="sm", elem_id="conv-new")
    listing = gr.Radio(choices=[], value=None, show_label=False, elem_id="conv-list")
    title = lab.make(gr.Textbox, {"placeholder": "conv_rename_ph"}, show_label=False,
                     max_lines=1, max_length=200, elem_id="conv-title")
    with gr.Row():
        rename = lab.make(gr.Button, {"value": "conv_rename"}, size="sm", elem_id="conv-rename")
        delete = lab.make(gr.Button, {"value": "conv_delete"}, size="sm", variant="stop",
                          elem_id="conv-delete")
    export = lab.make(gr.Button, {"value": "conv_export"}, size="sm", elem_id="conv-export")
    download = lab.make(gr.DownloadButton, {"label": "conv_download"}, visible=False,
                        size="sm", elem_id="conv-download")
    status = gr.HTML(elem_id="conv-status", js_on_load=None)
    current = gr.Textbox(visible="hidden", elem_id="conv-id")
    return {"new": new, "list": listing, "title": title, "rename": rename, "delete": delete,
            "export": export, "download": download, "status": status, "current": current}


def turns_of(conv: dict[str, Any]) -> list[Turn]:
    """Stored messages as the chat view's turns (a question and its answer each)."""
    turns: list[Turn] = []
    for m in conv.get("messages", []):
        if m["role"] == "user":
            turns.append({"id": "t" + str(m["message_id"])[:10], "question": m["content"],
                          "answer": "", "citations": []})
        elif turns:
            turns[-1].update(answer=m["content"], citations=list(m.get("citations") or []),
                             answer_id=m["message_id"])
    return turns


def _choices(rows: list[dict[str, Any]], lang: str) -> list[tuple[str, str]]:
    return [(str(r.get("title") or t("conv_untitled", lang)), str(r["id"])) for r in rows]


class ConversationHandlers:
    """The sidebar's event handlers (bound methods, so Gradio sees their annotations)."""

    def __init__(self, ep: Endpoint) -> None:
        self.ep = ep

    def refresh(self, role: str, key: str, current: str, lang: str,
                request: gr.Request) -> tuple[Any, Any, str]:
        """(sidebar column, list, status): the list for keyed users, hidden otherwise."""
        if role not in KEYED:
            return gr.update(visible=False), gr.update(choices=[], value=None), ""
        try:
            rows = self.ep.client(key, request).conversations()
        except ApiError as exc:
            return gr.update(visible=True), gr.update(), notice(error_text(exc, lang))
        ids = {str(r["id"]) for r in rows}
        note = "" if rows else notice(t("conv_none", lang))
        return (gr.update(visible=True), gr.update(choices=_choices(rows, lang),
                                                   value=current if current in ids else None),
                note)

    def resume(self, conv_id: str | None, role: str, key: str, lang: str,
               request: gr.Request) -> tuple[Any, Any, Any, Any]:
        """(view, turns, current id, title box): a stored conversation back on screen.

        With no conversation to restore nothing changes: on a slow page load a question
        asked before this step runs has its answer on screen, which must stay there.
        """
        if not conv_id:
            return gr.update(), gr.update(), gr.update(), gr.update()
        if role not in KEYED:
            return gr.update(), gr.update(), "", ""
        try:
            conv = self.ep.client(key, request).conversation(conv_id)
        except ApiError:
            return views.chat([], lang), [], "", ""
        return views.chat(turns_of(conv), lang), turns_of(conv), conv_id, str(conv["title"])

    def rename(self, conv_id: str, title: str, key: str, lang: str,
               request: gr.Request) -> tuple[Any, str]:
        """(list, status) after renaming the current conversation."""
        if not conv_id or not (title or "").strip():
            return gr.update(), ""
        try:
            client = self.ep.client(key, request)
            client.rename_conversation(conv_id, title.strip()[:200])
            rows = client.conversations()
        except ApiError as exc:
            return gr.update(), notice(error_text(exc, lang))
        return gr.update(choices=_choices(rows, lang), value=conv_id), ""

    def delete(self, conv_id: str, key: str, lang: str,
               request: gr.Request) -> tuple[Any, ...]:
        """(view, turns, current id, list, title box, status) after deleting it."""
        try:
            client = self.ep.client(key, request)
            if conv_id:
                client.delete_conversation(conv_id)
            rows = client.conversations()
        except ApiError as exc:
            return (gr.update(), gr.update(), conv_id, gr.update(), gr.update(),
                    notice(error_text(exc, lang)))
        return (views.chat([], lang), [], "", gr.update(choices=_choices(rows, lang), value=None),
                "", "")

    def export(self, conv_id: str, key: str, lang: str, request: gr.Request) -> tuple[Any, str]:
        """(download button, status): the conversation as a Markdown file."""
        if not conv_id:
            return gr.update(visible=False), ""
        try:
            text = self.ep.client(key, request).export_conversation(conv_id)
        except ApiError as exc:
            return gr.update(visible=False), notice(error_text(exc, lang))
        first = text.splitlines()[0] if text else ""
        slug = re.sub(r"[^a-z0-9]+", "-", first.lower()).strip("-")[:50] or "conversazione"
        path = Path(tempfile.mkdtemp(prefix="assistant-conv-")) / f"{slug}.md"
        path.write_text(text, encoding="utf-8")
        return gr.update(value=str(path), visible=True), ""


def start_new(lang: str) -> tuple[str, list[Turn], str, Any, str, str]:
    """(view, turns, current id, list, title box, question box): an empty conversation;
    it is stored when the first question is asked."""
    return views.chat([], lang), [], "", gr.update(value=None), "", ""
