"""The Gradio app: :func:`build_ui` makes it, :func:`mount_ui` serves it at ``/`` of the
API's FastAPI app (``make run``), ``python -m assistant.ui`` serves it on its own against
``ASSISTANT_API_URL``. Either way every handler talks to the HTTP API only.
"""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402
from fastapi import FastAPI, Request  # noqa: E402
from fastapi.responses import JSONResponse  # noqa: E402
from starlette.routing import Mount  # noqa: E402

from assistant.ui import gaps, layout, sidebar, views  # noqa: E402
from assistant.ui.gaps import GapHandlers  # noqa: E402
from assistant.ui.handlers import ChatHandlers, Endpoint, role_text  # noqa: E402
from assistant.ui.i18n import DEFAULT_LANG, lang_of, t  # noqa: E402
from assistant.ui.sidebar import ConversationHandlers  # noqa: E402
from assistant.ui.staff import DRAFT_WORDS, StaffHandlers, confirm_delete  # noqa: E402
from assistant.ui.style import CSS  # noqa: E402

MAX_UPLOAD = "1mb"  # the API refuses larger request bodies anyway
CONCURRENCY = 32  # events served at once (Gradio's default is 1: one user at a time)
PRIVATE: dict[str, Any] = {"api_visibility": "private"}  # the API is /v1, not these events
CACHE_TTL_S = 3600  # Gradio's uploads and draft downloads live this long


def build_ui(api_url: str | None = None, fallback_url: str = "http://127.0.0.1:8000",
             client_secret: str | None = None, cache_ttl_s: int = CACHE_TTL_S) -> gr.Blocks:
    """The Blocks. ``api_url``: the API to call (None: the server this page came from);
    ``client_secret``: the API's secret for signing end users (see ``assistant.ui.client``);
    ``cache_ttl_s``: uploaded and generated files are deleted after this many seconds."""
    ep = Endpoint(api_url, fallback_url, client_secret)
    chat, staff = ChatHandlers(ep), StaffHandlers(ep)
    convs, gap = ConversationHandlers(ep), GapHandlers(ep)
    lab = layout.Labels()
    every = max(1, min(cache_ttl_s, 600))
    with gr.Blocks(title=t("title"), analytics_enabled=False, fill_width=False,
                   delete_cache=(every, cache_ttl_s)) as demo:
        head = layout._header(lab)
        role = gr.State("anonymous")
        turns = gr.State([])
        with gr.Tabs(elem_id="tabs") as tabs:
            with lab.make(gr.Tab, {"label": "tab_chat"}, id="chat", elem_id="tab-chat"):
                c = layout._chat_tab(lab)
            with lab.make(gr.Tab, {"label": "tab_draft"}, id="draft", visible=False,
                          elem_id="tab-draft") as draft_tab:
                d = layout._draft_tab(lab)
            with lab.make(gr.Tab, {"label": "tab_docs"}, id="docs", visible=False,
                          elem_id="tab-docs") as docs_tab:
                k = layout._docs_tab(lab)
            with lab.make(gr.Tab, {"label": "tab_gaps"}, id="gaps", visible=False,
                          elem_id="tab-gaps") as gaps_tab:
                g = gaps.layout(lab)
        key, lang = head["key"], head["lang"]
        access = _wire_access(demo, chat, staff, head, role, draft_tab, docs_tab, k)
        _wire_conversations(demo, convs, gap, c, turns, role, head, gaps_tab, g, access)
        g["view"].click(gap.to_draft, None, [tabs, d["topic"]], **PRIVATE)
        _wire_chat(chat, c, turns, key, lang, role, convs)
        _wire_staff(staff, d, k, key, lang)
        _wire_language(lab, head, role, turns, c["view"])
    demo.queue(default_concurrency_limit=CONCURRENCY)
    return demo


def _wire_access(demo: gr.Blocks, chat: ChatHandlers, staff: StaffHandlers,
                 head: dict[str, Any], role: gr.State, draft_tab: Any, docs_tab: Any,
                 k: dict[str, Any]) -> tuple[Any, ...]:
    """Signing in; returns the (handler, inputs, outputs) that a page load repeats."""
    key, lang = head["key"], head["lang"]
    outs = [role, head["role_md"], draft_tab, docs_tab]

    for event in (key.submit, head["apply"].click):
        event(chat.access, [key, lang], outs, **PRIVATE).then(
            staff.documents_for, [role, k["show"], key, lang],
            [k["table"], k["pick"], k["timer"]], **PRIVATE)
    return chat.access, [key, lang], outs


def _wire_conversations(demo: gr.Blocks, convs: ConversationHandlers, gap: GapHandlers,
                        c: dict[str, Any], turns: gr.State, role: gr.State,
                        head: dict[str, Any], gaps_tab: Any, g: dict[str, Any],
                        access: tuple[Any, ...]) -> None:
    """The sidebar of stored conversations, the gaps tab, and what a reload restores
    (key and current conversation, from the tab's sessionStorage)."""
    key, lang, s = head["key"], head["lang"], c["conv"]
    cur, view = s["current"], c["view"]
    listing = (convs.refresh, [role, key, cur, lang], [c["side"], s["list"], s["status"]])
    resume = (convs.resume, [cur, role, key, lang], [view, turns, cur, s["title"]])
    staff_only = (lambda r: gr.update(visible=r in ("staff", "admin")), role, gaps_tab)
    gaps_for = (gap.report_for, [role, g["days"], key, lang], g["view"])
    for event in (key.submit, head["apply"].click):
        event(*listing, **PRIVATE).then(*staff_only, **PRIVATE).then(*gaps_for, **PRIVATE)
    demo.load(None, None, [key, cur], js=sidebar.RESTORE_JS).then(
        _initial_lang, None, lang, **PRIVATE).then(
        *access, **PRIVATE).then(
        *listing, **PRIVATE).then(*resume, **PRIVATE).then(*staff_only, **PRIVATE).then(
        *gaps_for, **PRIVATE).then(None, None, None, js=sidebar.READY_JS)
    key.change(None, key, None, js=sidebar.SAVE_KEY_JS)
    cur.change(None, cur, None, js=sidebar.SAVE_CONV_JS)
    s["list"].input(lambda v: v or "", s["list"], cur, **PRIVATE).then(*resume, **PRIVATE)
    s["new"].click(sidebar.start_new, lang, [view, turns, cur, s["list"], s["title"],
                                            c["question"]], **PRIVATE)
    s["rename"].click(convs.rename, [cur, s["title"], key, lang], [s["list"], s["status"]],
                      **PRIVATE)
    s["delete"].click(convs.delete, [cur, key, lang],
                      [view, turns, cur, s["list"], s["title"], s["status"]], **PRIVATE)
    s["export"].click(convs.export, [cur, key, lang], [s["download"], s["status"]], **PRIVATE)
    g["refresh"].click(gap.report, [g["days"], key, lang], g["view"], **PRIVATE)


def _initial_lang(request: gr.Request) -> str:
    """``?lang=en`` opens the page in English; Italian otherwise."""
    params = getattr(request, "query_params", None) or {}
    return lang_of(dict(params).get("lang", DEFAULT_LANG))


def _wire_chat(chat: ChatHandlers, c: dict[str, Any], turns: gr.State, key: Any,
               lang: Any, role: gr.State, convs: ConversationHandlers) -> None:
    cur, side = c["conv"]["current"], c["conv"]
    ask_in = [c["question"], turns, key, lang, c["scope"], c["tags"], c["region"],
              c["date_from"], c["date_to"], cur, role]
    ask_out = [c["view"], turns, c["question"], cur]
    listing = (convs.refresh, [role, key, cur, lang], [c["side"], side["list"], side["status"]])
    quiet: dict[str, Any] = {**PRIVATE, "show_progress": "hidden"}  # the view shows progress
    c["question"].submit(chat.ask, ask_in, ask_out, **quiet).then(*listing, **quiet)
    c["send"].click(chat.ask, ask_in, ask_out, **quiet).then(*listing, **quiet)
    for btn in c["examples"]:
        btn.click(lambda q: q, btn, c["question"], **quiet).then(
            chat.ask, ask_in, ask_out, **quiet).then(*listing, **quiet)
    c["view"].click(chat.feedback, [turns, key, lang], [c["view"], turns], **quiet)
    c["new"].click(sidebar.start_new, lang, [c["view"], turns, cur, side["list"],
                                            side["title"], c["question"]], **PRIVATE)


def _wire_staff(staff: StaffHandlers, d: dict[str, Any], k: dict[str, Any], key: Any,
                lang: Any) -> None:
    d["kind"].change(lambda kind: DRAFT_WORDS.get(kind, 600), d["kind"], d["words"],
                     **PRIVATE)
    d["go"].click(staff.draft, [d["topic"], d["kind"], d["words"], d["since"], d["until"],
                                d["tags"], d["members"], key, lang],
                  [d["view"], d["download"]], **PRIVATE)
    listing = ([k["show"], key, lang], [k["table"], k["pick"], k["timer"]])
    k["refresh"].click(staff.documents, *listing, **PRIVATE)
    k["show"].change(staff.documents, *listing, **PRIVATE)
    k["timer"].tick(staff.documents, *listing, show_progress="hidden", **PRIVATE)
    k["upload"].upload(staff.upload, [k["upload"], k["visibility"], key, lang], k["log"],
                       **PRIVATE).then(staff.documents, *listing, **PRIVATE)
    k["ask"].click(confirm_delete, [k["pick"], lang], [k["confirm"], k["outcome"]],
                   **PRIVATE)
    k["confirm"].click(staff.delete, [k["pick"], key, lang],
                       [k["confirm"], k["outcome"], k["pick"]], **PRIVATE).then(
        staff.documents, *listing, **PRIVATE)


def _wire_language(lab: layout.Labels, head: dict[str, Any], role: gr.State,
                   turns: gr.State, view: Any) -> None:
    def relabel(lg: str, r: str, ts: list[dict[str, Any]]) -> list[Any]:
        return [*lab.updates(lg), role_text(r, lg), views.chat(ts, lg)]

    head["lang"].change(relabel, [head["lang"], role, turns],
                        [*lab.components, head["role_md"], view], **PRIVATE)


def launch_options() -> dict[str, Any]:
    """Options shared by :func:`mount_ui` and ``python -m assistant.ui``."""
    return {"theme": layout.theme(), "css": CSS, "footer_links": [], "ssr_mode": False,
            "max_file_size": MAX_UPLOAD,
            # Gradio's own exception texts hold server paths and object addresses; the
            # handlers show their own messages, so nothing is lost to the user
            "show_error": False}


def mount_ui(app: FastAPI, api_url: str | None = None, path: str = "/",
             fallback_url: str = "http://127.0.0.1:8000", client_secret: str | None = None,
             cache_ttl_s: int = CACHE_TTL_S) -> FastAPI:
    """Serve the UI at ``path`` of ``app`` (after the API's own routes, which win)."""
    blocks = build_ui(api_url, fallback_url, client_secret, cache_ttl_s)
    mounted = gr.mount_gradio_app(app, blocks, path=path, **launch_options())
    # Gradio checks that a file named in an event comes from its upload folder only once
    # an app has "launched"; a mounted app never does, so say it did (the check is on)
    blocks.has_launched = True
    gradio_app = [r for r in mounted.router.routes if isinstance(r, Mount)][-1].app
    gradio_app.add_exception_handler(Exception, _internal_error)  # type: ignore[attr-defined]
    return mounted


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    """A crash inside Gradio (e.g. an unknown ``fn_index``) answers the API's JSON error
    shape, not a plain-text page (the API's middleware logs it with the request id)."""
    return JSONResponse({"detail": "internal server error",
                         "request_id": str(request.scope.get("assistant.request_id", ""))},
                        status_code=500)
