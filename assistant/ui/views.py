"""HTML views of the conversation, a draft and the document list (all escaped)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.ui.i18n import t
from assistant.ui.render import esc, harden, markdown, notice, sources

Turn = dict[str, Any]
# inline icons: no emoji font or remote image needed
_THUMB = ('<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true"{flip}>'
          '<path fill="currentColor" d="M2 21h4V9H2v12zm20-11a2 2 0 0 0-2-2h-6.3l1-4.6v-.3c0-.4'
          '-.2-.8-.4-1.1L13.2 1 6.6 7.6C6.2 7.9 6 8.4 6 9v10a2 2 0 0 0 2 2h9c.8 0 1.5-.5 1.8-1.2'
          'l3-7.1c.1-.2.2-.5.2-.7v-2z"/></svg>')
THUMB_UP = _THUMB.format(flip="")
THUMB_DOWN = _THUMB.format(flip=' style="transform: scale(1,-1)"')


def _thumb(rating: str, icon: str, lang: str) -> str:
    label = esc(t(f"fb_{rating}", lang))
    return (f'<button type="button" class="fb-btn" data-rating="{rating}" title="{label}" '
            f'aria-label="{label}">{icon}</button>')


def _feedback(turn: Turn, lang: str) -> str:
    """Thumbs up/down and a comment box, or the outcome once sent."""
    if not turn.get("answer_id"):
        return ""
    if turn.get("rating"):
        icon = THUMB_UP if turn["rating"] == "up" else THUMB_DOWN
        return f'<div class="fb fb-done" role="status">{icon} {esc(t("fb_thanks", lang))}</div>'
    failed = turn.get("feedback_error")
    err = f'<span class="fb-err">{esc(t("fb_failed", lang, detail=failed))}</span>' \
        if failed else ""
    return (f'<div class="fb" data-answer="{esc(turn["answer_id"])}">'
            f'<span class="fb-q">{esc(t("fb_question", lang))}</span>'
            f"{_thumb('up', THUMB_UP, lang)}{_thumb('down', THUMB_DOWN, lang)}"
            f'<input class="fb-comment" type="text" maxlength="2000" '
            f'placeholder="{esc(t("fb_comment", lang))}" aria-label="{esc(t("fb_comment", lang))}">'
            f"{err}</div>")


def _answer(turn: Turn, lang: str) -> str:
    """The assistant's side of a turn: text, notices, sources, feedback."""
    prefix = str(turn["id"])
    cites: list[dict[str, Any]] = turn.get("citations") or []
    parts: list[str] = []
    text = str(turn.get("answer") or "")
    if text:
        parts.append(f'<div class="answer-text">'
                     f'{markdown(text, prefix, {int(c["n"]) for c in cites})}</div>')
    elif turn.get("pending"):
        parts.append(f'<div class="thinking">{esc(t("thinking", lang))}</div>')
    if turn.get("error"):
        parts.append(notice(str(turn["error"]), "error"))
    if not turn.get("pending") and turn.get("grounded") is False and not turn.get("error"):
        parts.append(notice(t("not_found", lang), "warn"))
    if not turn.get("pending"):
        parts.append(sources(cites, prefix, lang))
        parts.append(_feedback(turn, lang))
    state = "pending" if turn.get("pending") else "done"
    return (f'<div class="msg msg-bot" data-state="{state}">'
            f'<div class="who">{esc(t("assistant", lang))}</div>{"".join(parts)}</div>')


def chat(turns: Sequence[Turn], lang: str) -> str:
    """The whole conversation (or a welcome message when it is empty)."""
    if not turns:
        return harden(f'<div class="chat-empty">{esc(t("empty", lang))}</div>')
    out = []
    for turn in turns:
        out.append(f'<div class="turn" id="{esc(turn["id"])}">'
                   f'<div class="msg msg-user"><div class="who">{esc(t("you", lang))}</div>'
                   f'<div class="user-text">{esc(turn["question"])}</div></div>'
                   f"{_answer(turn, lang)}</div>")
    return harden(f'<div class="chat">{"".join(out)}</div>')


def draft(result: dict[str, Any] | None, lang: str, error: str | None = None) -> str:
    """A draft with clickable citations, its sources and what to check."""
    if error:
        return notice(error, "error")
    if not result:
        return harden(f'<div class="chat-empty">{esc(t("draft_empty", lang))}</div>')
    cites = result.get("citations") or []
    mode = t("mode_llm" if result.get("mode") == "llm" else "mode_extractive", lang)
    meta = t("draft_meta", lang, words=result.get("words", 0),
             used=result.get("sources_used", 0),
             considered=result.get("sources_considered", 0), mode=mode)
    warnings = result.get("warnings") or []
    warn = "" if not warnings else (
        f'<div class="notice notice-warn"><b>{esc(t("draft_warnings", lang))}</b><ul>'
        + "".join(f"<li>{esc(w)}</li>" for w in warnings) + "</ul></div>")
    body = markdown(str(result.get("markdown", "")), "draft",
                    {int(c["n"]) for c in cites})
    return harden(f'<div class="draft"><div class="draft-meta">{esc(meta)}</div>{warn}'
                  f'<article class="draft-text">{body}</article></div>') + \
        sources(cites, "draft", lang)


def documents(listing: dict[str, Any] | None, lang: str, error: str | None = None) -> str:
    """The document list as a table."""
    if error:
        return notice(error, "error")
    if not listing:
        return ""
    items: list[dict[str, Any]] = listing.get("items") or []
    cols = ["col_id", "col_title", "col_type", "col_visibility", "col_date", "col_chunks",
            "col_status"]
    head = "".join(f"<th>{esc(t(c, lang))}</th>" for c in cols)
    rows = []
    for d in items:
        kind = t("type_member" if d.get("doc_type") == "member" else "type_article", lang)
        vis = t("visibility_members" if d.get("visibility") == "members"
                else "visibility_public", lang)
        status = str(d.get("status", ""))
        shown = t(f"status_{status}", lang) if status in ("done", "pending") else status
        cells = [d.get("doc_id", ""), d.get("title", ""), kind, vis, d.get("date") or "",
                 d.get("chunks", ""), shown]
        rows.append(f'<tr class="st-{esc(status)}">'
                    + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>")
    total = int(listing.get("total", len(items)))
    more = f" {t('docs_more', lang, n=len(items))}" if total > len(items) else ""
    return harden(f'<div class="docs-count">{esc(t("docs_total", lang, n=total) + more)}'
                  f"</div>{index_progress(items, lang)}"
                  f'<div class="docs-wrap"><table class="docs"><thead><tr>{head}</tr>'
                  f'</thead><tbody>{"".join(rows)}</tbody></table></div>')


def index_progress(items: Sequence[dict[str, Any]], lang: str) -> str:
    """A bar of the documents already indexed (the others are being re-indexed)."""
    done = sum(1 for d in items if d.get("status") == "done")
    label = esc(t("docs_progress", lang, done=done, total=len(items)))
    return (f'<div class="index-status"><progress max="{len(items) or 1}" value="{done}" '
            f'aria-label="{label}"></progress> <span>{label}</span></div>')


def pending(listing: dict[str, Any] | None) -> bool:
    """True while some listed document is still being indexed."""
    return any(d.get("status") != "done" for d in (listing or {}).get("items", []))


def upload_log(lines: Sequence[tuple[str, str, str]]) -> str:
    """Per-file outcome of an upload: (status, file name, message)."""
    icons = {"ok": "✔", "error": "✖", "busy": "…"}
    items = "".join(f'<li class="up-{esc(s)}"><span class="up-icon">{icons.get(s, "")}</span> '
                    f'<b>{esc(name)}</b> '
                    f"{esc(msg)}</li>" for s, name, msg in lines)
    return harden(f'<ul class="uploads">{items}</ul>') if lines else ""
