"""Staff handlers: article drafts (POST /v1/drafts) and document management
(/v1/documents). The tabs are shown only to staff keys, and the API checks the
role again on every call."""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import gradio as gr
from gradio.utils import get_upload_folder

from assistant.ui import views
from assistant.ui.client import ApiError
from assistant.ui.handlers import Endpoint, error_text
from assistant.ui.i18n import t

UPLOAD_TYPES = [".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx", ".yaml",
                ".yml", ".csv"]
DRAFT_WORDS = {"article": 600, "newsletter": 350, "brief": 400}  # the API's defaults
DRAFT_KEEP_S = 300.0  # a draft's own temporary file; Gradio serves its cached copy
_SOURCES_HEADING = re.compile(r"\n## (?:Fonti|Sources)\n")


# -- drafts ------------------------------------------------------------------------------
def body_of(markdown: str) -> str:
    """The draft without its trailing source list (the UI shows its own, clickable)."""
    parts = _SOURCES_HEADING.split(markdown, maxsplit=1)
    return parts[0].rstrip()


def save_markdown(result: dict[str, Any], keep_s: float = DRAFT_KEEP_S) -> str:
    """Write the draft (with its source list) to a temporary .md file for download.

    Gradio copies it into its own cache (deleted after the UI's cache TTL) as the event
    ends; the folders written here are removed on the next draft after ``keep_s``.
    """
    slug = re.sub(r"[^a-z0-9]+", "-", str(result.get("topic", "")).lower()).strip("-")[:50]
    root = Path(tempfile.gettempdir()) / "assistant-drafts"
    root.mkdir(mode=0o700, exist_ok=True)
    for old in root.iterdir():
        with contextlib.suppress(OSError):
            if time.time() - old.stat().st_mtime > keep_s:
                shutil.rmtree(old, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(dir=root))
    path = folder / f"bozza-{slug or 'vitalia'}.md"
    path.write_text(str(result.get("markdown", "")) + "\n", encoding="utf-8")
    return str(path)


def make_draft(ep: Endpoint, topic: str, kind: str, words: float, since: str, until: str,
               tags: list[str], members: bool, key: str, lang: str,
               request: gr.Request) -> tuple[str, Any]:
    """Ask for a draft: (view, download button)."""
    topic = " ".join((topic or "").split())
    if len(topic) < 3:
        return views.draft(None, lang, t("draft_short", lang)), gr.update(visible=False)
    body: dict[str, Any] = {"topic": topic, "kind": kind or "article", "words": int(words),
                            "tags": list(tags or [])[:10], "include_members": bool(members),
                            "lang": "en" if lang == "en" else "it"}  # labels and notices
    for name, value in (("since", since), ("until", until)):
        if (value or "").strip():
            body[name] = value.strip()
    try:
        result = ep.client(key, request).draft(body)
    except ApiError as exc:
        return views.draft(None, lang, error_text(exc, lang)), gr.update(visible=False)
    shown = {**result, "markdown": body_of(str(result.get("markdown", "")))}
    return views.draft(shown, lang), gr.update(value=save_markdown(result), visible=True)


# -- documents ---------------------------------------------------------------------------
def list_documents(ep: Endpoint, show: str, key: str, lang: str,
                   request: gr.Request) -> tuple[str, Any, Any]:
    """(table, choices of the delete selector, status timer: on while indexing)."""
    try:
        listing = ep.client(key, request).documents(show if show in ("article", "member")
                                                    else None)
    except ApiError as exc:
        return (views.documents(None, lang, error_text(exc, lang)), gr.update(),
                gr.Timer(active=False))
    ids = [str(d["doc_id"]) for d in listing.get("items", [])]
    return (views.documents(listing, lang), gr.update(choices=ids),
            gr.Timer(active=views.pending(listing)))


def upload_id(filename: str) -> str:
    """The document id of an uploaded file: ``uploads/<safe file name>``."""
    name = Path(filename).name
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "documento"
    return f"uploads/{stem[:120]}"


def uploaded_by_user(path: Path) -> bool:
    """True only for a file inside Gradio's upload folder: an event payload can name any
    server path, and only what a browser uploaded may be read (the check Gradio makes
    itself only for apps started with ``launch()``)."""
    folder = Path(get_upload_folder()).resolve()
    try:
        real = path.resolve()
    except (OSError, RuntimeError):
        return False
    return real.is_relative_to(folder) and real != folder


def upload(ep: Endpoint, files: list[str] | None, visibility: str, key: str, lang: str,
           request: gr.Request, progress: gr.Progress | None = None) -> str:
    """Upload and index each file in turn, with a progress bar and a line per file.

    The key is checked by the API before any file is read; a file that is not a
    browser upload, or that cannot be read, gets the same line whether it exists or not.
    """
    progress = progress or gr.Progress()
    paths = [Path(f) for f in (files or [])]
    lines: list[tuple[str, str, str]] = []
    client = ep.client(key, request)
    try:
        if paths and not client.me().get("staff"):
            raise ApiError(403, "staff only")
    except ApiError as exc:
        return views.upload_log([("error", "", t("docs_failed", lang,
                                                 detail=error_text(exc, lang)))])
    for i, path in enumerate(paths, 1):
        name = path.name  # Gradio keeps the uploaded file's own name
        progress((i - 1) / max(len(paths), 1),
                 desc=t("docs_indexing", lang, name=name, i=i, n=len(paths)))
        try:
            if not uploaded_by_user(path):
                raise OSError("not an upload")
            raw = path.read_bytes()
        except OSError:
            lines.append(("error", name, t("docs_failed", lang, detail=t("docs_unreadable",
                                                                          lang))))
            continue
        try:
            out = client.upload(upload_id(name), name, raw, visibility or None)
            lines.append(("ok", name, t("docs_done", lang, chunks=out.get("chunks", 0))))
        except ApiError as exc:
            lines.append(("error", name, t("docs_failed", lang, detail=error_text(exc, lang))))
    progress(1.0)
    return views.upload_log(lines) if lines else views.upload_log(
        [("busy", "", t("docs_idle", lang))])


def confirm_delete(doc_id: str | None, lang: str) -> tuple[Any, str]:
    """First click on Delete: reveal the confirmation button."""
    if not doc_id:
        return gr.update(visible=False), views.upload_log([("error", "", t("docs_pick",
                                                                           lang))])
    return gr.update(visible=True), ""


def delete(ep: Endpoint, doc_id: str | None, key: str, lang: str,
           request: gr.Request) -> tuple[Any, str, Any]:
    """Confirmed: DELETE the document; (confirm button, outcome, selector)."""
    if not doc_id:
        return gr.update(visible=False), "", gr.update()
    try:
        ep.client(key, request).delete(doc_id)
    except ApiError as exc:
        return gr.update(visible=False), views.upload_log(
            [("error", doc_id, error_text(exc, lang))]), gr.update()
    return gr.update(visible=False), views.upload_log(
        [("ok", "", t("docs_deleted", lang, doc_id=doc_id))]), gr.update(value=None)


class StaffHandlers:
    """The staff tabs' event handlers (bound methods, so Gradio sees their annotations)."""

    def __init__(self, ep: Endpoint) -> None:
        self.ep = ep

    def draft(self, topic: str, kind: str, words: float, since: str, until: str,
              tags: list[str], members: bool, key: str, lang: str,
              request: gr.Request) -> tuple[str, Any]:
        """(draft view, download button)."""
        return make_draft(self.ep, topic, kind, words, since, until, tags, members, key, lang,
                          request)

    def documents(self, show: str, key: str, lang: str,
                  request: gr.Request) -> tuple[str, Any, Any]:
        """(document table, delete selector, status timer)."""
        return list_documents(self.ep, show, key, lang, request)

    def documents_for(self, role: str, show: str, key: str, lang: str,
                      request: gr.Request) -> tuple[str, Any, Any]:
        """After signing in: the list for staff keys, nothing for the others."""
        if role not in ("staff", "admin"):
            return "", gr.update(choices=[], value=None), gr.Timer(active=False)
        return list_documents(self.ep, show, key, lang, request)

    def upload(self, files: list[str] | None, visibility: str, key: str, lang: str,
               request: gr.Request,
               progress: gr.Progress = gr.Progress()) -> str:  # noqa: B008 (Gradio's API)
        """Upload and index files, with a progress bar."""
        return upload(self.ep, files, visibility, key, lang, request, progress)

    def delete(self, doc_id: str | None, key: str, lang: str,
               request: gr.Request) -> tuple[Any, str, Any]:
        """(confirm button, outcome, selector)."""
        return delete(self.ep, doc_id, key, lang, request)
