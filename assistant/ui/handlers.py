"""Chat and access handlers: each call goes to the HTTP API with the user's key.

The key travels from the browser with every event (it is a component value) and
is never stored on the server; the conversation lives in the session's state.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import gradio as gr

from assistant.ui import views
from assistant.ui.client import ApiClient, ApiError, end_user_value
from assistant.ui.i18n import t

HISTORY_TURNS = 10  # earlier turns sent with a question
MAX_TURN_CHARS = 16000  # the API's limit per earlier message
STREAM_EVERY_S = 0.08  # at most ~12 screen updates a second while tokens arrive
Turn = dict[str, Any]
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass
class Endpoint:
    """Where the API is: a configured URL, else the address this very request came in on
    (the UI mounted in the API's process calls it over loopback like any client)."""

    api_url: str | None = None
    fallback: str = "http://127.0.0.1:8000"
    secret: str | None = None  # shared with the API: signs the end user's address

    def base(self, request: gr.Request | None) -> str:
        if self.api_url:
            return self.api_url.rstrip("/")
        raw = getattr(request, "request", None) if request is not None else None
        server = getattr(raw, "scope", {}).get("server") if raw is not None else None
        if server and server[1]:
            host = str(server[0])
            host = f"[{host}]" if ":" in host else host
            return f"http://{host}:{int(server[1])}"
        return self.fallback

    def client(self, key: str | None, request: gr.Request | None) -> ApiClient:
        return ApiClient(self.base(request), key, end_user=self.end_user(request))

    def end_user(self, request: gr.Request | None) -> str | None:
        """The browser's address (as the server saw it), signed for the API."""
        client = getattr(request, "client", None) if request is not None else None
        host = getattr(client, "host", None)
        if not self.secret or not host:
            return None
        return end_user_value(str(host), self.secret)


def error_text(exc: ApiError, lang: str) -> str:
    """A user-facing sentence for a failed call."""
    if exc.status == 0:
        return t("err_network", lang)
    if exc.status in (401, 403, 429, 504):
        return t(f"err_{exc.status}", lang)
    return t("err_generic", lang, status=exc.status, detail=exc.detail)


# -- access ----------------------------------------------------------------------------
def role_text(role: str, lang: str) -> str:
    """The access line under the key field."""
    if role in ("anonymous", "member", "staff", "admin"):
        return t(f"role_{role}", lang)
    return t("err_network", lang) if role == "unreachable" else t("role_invalid", lang)


class ChatHandlers:
    """The chat tab's event handlers (bound methods, so Gradio sees their annotations)."""

    def __init__(self, ep: Endpoint) -> None:
        self.ep = ep

    def access(self, key: str, lang: str,
               request: gr.Request) -> tuple[str, str, Any, Any]:
        """Ask the API who this key is: (role, status line, draft tab, documents tab)."""
        return check_access(self.ep, key, lang, request)

    def ask(self, question: str, turns: list[Turn], key: str, lang: str, scope: str,
            tags: list[str], region: str | None, date_from: str, date_to: str,
            conv: str, role: str,
            request: gr.Request) -> Iterator[tuple[str, list[Turn], str, str]]:
        """Stream one answer into the conversation: (view, turns, question box, stored
        conversation id). Signed-in users' conversations are stored by the API."""
        yield from ask(self.ep, question, turns, key, lang, scope, tags, region, date_from,
                       date_to, request, conv, role)

    def feedback(self, turns: list[Turn], key: str, lang: str, evt: gr.EventData,
                 request: gr.Request) -> tuple[str, list[Turn]]:
        """A thumb clicked in the conversation: send it to /v1/feedback."""
        return feedback(self.ep, turns, key, lang, evt, request)


def check_access(ep: Endpoint, key: str, lang: str,
                 request: gr.Request | None) -> tuple[str, str, Any, Any]:
    """(role, status line, draft tab, documents tab) for ``key``."""
    try:
        role = str(ep.client(key, request).me().get("role", "anonymous"))
    except ApiError as exc:
        role = "unreachable" if exc.status == 0 else "invalid"
    staff = role in ("staff", "admin")
    return (role, role_text(role, lang), gr.update(visible=staff), gr.update(visible=staff))


# -- chat --------------------------------------------------------------------------------
def parse_date(value: str | None) -> str | None:
    """``YYYY-MM-DD`` or None; ValueError for anything else."""
    value = (value or "").strip()
    if not value:
        return None
    if not _DAY.fullmatch(value):
        raise ValueError(f"invalid date {value!r}")
    return dt.date.fromisoformat(value).isoformat()


def build_filters(scope: str | None, tags: list[str] | None, region: str | None,
                  date_from: str | None, date_to: str | None) -> dict[str, Any] | None:
    """The API's ``filters`` object (None when no filter is set)."""
    out: dict[str, Any] = {}
    if scope in ("article", "member"):
        out["doc_type"] = scope
    if tags:
        out["tags"] = [str(x).strip() for x in tags if str(x).strip()][:50]
    if region:
        out["region"] = region
    for name, value in (("date_from", date_from), ("date_to", date_to)):
        day = parse_date(value)
        if day:
            out[name] = day
    return {k: v for k, v in out.items() if v} or None


def history(turns: list[Turn]) -> list[dict[str, str]]:
    """The earlier turns that got an answer, as API messages."""
    msgs: list[dict[str, str]] = []
    done = [x for x in turns if x.get("answer") and not x.get("error")][-HISTORY_TURNS:]
    for x in done:
        msgs.append({"role": "user", "content": str(x["question"])[:MAX_TURN_CHARS]})
        msgs.append({"role": "assistant", "content": str(x["answer"])[:MAX_TURN_CHARS]})
    return msgs


def apply_event(turn: Turn, kind: str, data: Any, lang: str) -> None:
    """Update ``turn`` with one SSE event of /v1/chat."""
    data = data if isinstance(data, dict) else {}
    if kind == "token":
        turn["answer"] = str(turn.get("answer", "")) + str(data.get("text", ""))
    elif kind == "reset":
        turn["answer"] = ""
    elif kind == "citations":
        turn["citations"] = list(data.get("citations") or [])
    elif kind == "done":
        turn.update(answer=str(data.get("answer", "")), answer_id=data.get("answer_id"),
                    citations=list(data.get("citations") or []),
                    grounded=bool(data.get("grounded", True)),
                    degraded=bool(data.get("degraded", False)))
    elif kind == "error":
        turn["error"] = error_text(ApiError(int(data.get("status", 500)),
                                            str(data.get("detail", ""))), lang)


def ask(ep: Endpoint, question: str, turns: list[Turn], key: str, lang: str,
        scope: str, tags: list[str], region: str | None, date_from: str, date_to: str,
        request: gr.Request, conv: str = "", role: str = "anonymous"
        ) -> Iterator[tuple[str, list[Turn], str, str]]:
    """Stream one answer into the conversation: (view, turns, question box, stored
    conversation id: created on a signed-in user's first question)."""
    question = (question or "").strip()
    if not question:
        yield views.chat(turns, lang), turns, "", conv
        return
    if role in ("member", "staff", "admin") and not conv:
        try:
            conv = str(ep.client(key, request).create_conversation()["id"])
        except ApiError:
            conv = ""  # not stored, still answered
    for view, shown, box in _ask(ep, question, turns, key, lang, scope, tags, region,
                                 date_from, date_to, request, conv):
        yield view, shown, box, conv


def _ask(ep: Endpoint, question: str, turns: list[Turn], key: str, lang: str,
         scope: str, tags: list[str], region: str | None, date_from: str, date_to: str,
         request: gr.Request, conv: str) -> Iterator[tuple[str, list[Turn], str]]:
    """Stream one answer: the history goes along unless the server keeps it (``conv``)."""
    earlier = [] if conv else history(turns)
    turn: Turn = {"id": "t" + uuid.uuid4().hex[:10], "question": question, "answer": "",
                  "citations": [], "pending": True}
    turns = [*turns, turn]
    try:
        filters = build_filters(scope, tags, region, date_from, date_to)
    except ValueError:
        turn.update(pending=False, error=t("err_date", lang))
        yield views.chat(turns, lang), turns, question
        return
    yield views.chat(turns, lang), turns, ""
    last = 0.0
    try:
        stream = ep.client(key, request).chat_stream(
            [*earlier, {"role": "user", "content": question}], filters, conv or None)
        for kind, data in stream:
            apply_event(turn, kind, data, lang)
            if kind != "token" or time.monotonic() - last > STREAM_EVERY_S:
                last = time.monotonic()
                yield views.chat(turns, lang), turns, ""
    except ApiError as exc:
        turn["error"] = error_text(exc, lang)
    turn["pending"] = False
    if not turn.get("answer_id") and not turn.get("error"):
        turn["error"] = t("err_network", lang)
    yield views.chat(turns, lang), turns, ""


def feedback(ep: Endpoint, turns: list[Turn], key: str, lang: str, evt: gr.EventData,
             request: gr.Request) -> tuple[str, list[Turn]]:
    """A thumb clicked in the conversation: send it to /v1/feedback."""
    data = getattr(evt, "_data", None) or {}
    turn = next((x for x in turns if x.get("answer_id") and
                 x["answer_id"] == data.get("answer_id")), None)
    if data.get("action") != "feedback" or turn is None or \
            data.get("rating") not in ("up", "down"):
        return views.chat(turns, lang), turns
    comment = str(data.get("comment") or "").strip()[:2000] or None
    try:
        ep.client(key, request).feedback(turn["answer_id"], data["rating"], comment)
        turn.update(rating=data["rating"], feedback_error=None)
    except ApiError as exc:
        turn["feedback_error"] = error_text(exc, lang)
    return views.chat(turns, lang), turns
