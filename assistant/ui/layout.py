"""The components of each tab, and :class:`Labels`, which re-labels them all when the
language changes (Gradio's own English texts are always replaced by ours)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr

from assistant.ui import sidebar, views
from assistant.ui.i18n import DEFAULT_LANG, EXAMPLES, LANGUAGES, REGIONS, TAGS, lang_of, t
from assistant.ui.staff import UPLOAD_TYPES
from assistant.ui.style import CHAT_JS, SOURCES_JS

Relabel = Callable[[str], dict[str, Any]]
FONTS = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial",
         "sans-serif"]
MONO = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]


class Labels:
    """Components whose texts follow the language selector."""

    def __init__(self) -> None:
        self.items: list[tuple[Any, Relabel]] = []

    def make(self, cls: Any, texts: Relabel | dict[str, str], **kwargs: Any) -> Any:
        """``cls(**kwargs)`` with its texts in the default language, registered for later
        changes. ``texts``: attribute -> string key, or a function of the language."""
        fn: Relabel = texts if callable(texts) else (
            lambda lang: {a: t(k, lang) for a, k in texts.items()})
        comp = cls(**kwargs, **fn(DEFAULT_LANG))
        self.items.append((comp, fn))
        return comp

    def updates(self, lang: str) -> list[Any]:
        return [gr.update(**fn(lang)) for _, fn in self.items]

    @property
    def components(self) -> list[Any]:
        return [c for c, _ in self.items]


def _choices(*pairs: tuple[str, str]) -> Relabel:
    """Relabel for a label + (label key, value) choices."""
    label, *rest = pairs
    return lambda lang: {"label": t(label[0], lang),
                         "choices": [(t(k, lang), v) for k, v in rest]}


def _example(i: int) -> Relabel:
    return lambda lang: {"value": EXAMPLES[lang_of(lang)][i]}


def theme() -> gr.themes.Base:
    """A calm theme with system fonts only (nothing fetched from the internet)."""
    return gr.themes.Soft(primary_hue="teal", secondary_hue="slate", font=FONTS,
                          font_mono=MONO)


def _header(lab: Labels) -> dict[str, Any]:
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            lab.make(gr.HTML, lambda lang: {
                "value": f"<h1>{t('title', lang)}</h1><p>{t('subtitle', lang)}</p>"},
                elem_id="app-header", js_on_load=None)
        with gr.Column(scale=2, min_width=320):
            with gr.Row(equal_height=False, elem_id="key-row"):
                key = lab.make(gr.Textbox, {"label": "key_label",
                                            "placeholder": "key_placeholder"},
                               type="password", max_lines=1, scale=4, elem_id="api-key")
                apply = lab.make(gr.Button, {"value": "key_apply"}, size="md", scale=1,
                                 elem_id="key-apply")
            role_md = gr.Markdown(t("role_anonymous"), elem_id="role-status")
        with gr.Column(scale=1, min_width=150):
            lang = lab.make(gr.Radio, {"label": "lang_label"}, choices=LANGUAGES,
                            value=DEFAULT_LANG, elem_id="lang")
    return {"key": key, "apply": apply, "role_md": role_md, "lang": lang}


def _filters(lab: Labels) -> dict[str, Any]:
    with lab.make(gr.Accordion, {"label": "filters"}, open=True, elem_id="filters"):
        scope = lab.make(gr.Radio, _choices(
            ("scope", ""), ("scope_both", "both"), ("scope_article", "article"),
            ("scope_member", "member")), value="both", elem_id="scope")
        tags = lab.make(gr.Dropdown, {"label": "tags"}, choices=TAGS, multiselect=True,
                        allow_custom_value=True, value=[], elem_id="tags")
        region = lab.make(gr.Dropdown, {"label": "region"}, choices=REGIONS, value=None,
                          elem_id="region")
        dates = [lab.make(gr.Textbox, {"label": label, "placeholder": "date_placeholder"},
                          max_lines=1, elem_id=f"date-{end}")
                 for label, end in (("date_from", "from"), ("date_to", "to"))]
    return {"scope": scope, "tags": tags, "region": region, "date_from": dates[0],
            "date_to": dates[1]}


def _chat_tab(lab: Labels) -> dict[str, Any]:
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=220, visible=False, elem_id="conv-sidebar") as side:
            conv = sidebar.layout(lab)
        with gr.Column(scale=3):
            view = gr.HTML(views.chat([], DEFAULT_LANG), elem_id="chat", js_on_load=CHAT_JS,
                           autoscroll=True, max_height=760, padding=True)
            with gr.Row(equal_height=True):
                question = lab.make(gr.Textbox, {"label": "question_label",
                                                 "placeholder": "question_placeholder"},
                                    max_lines=6, max_length=4000, scale=6, show_label=False,
                                    elem_id="question", autofocus=True)
                send = lab.make(gr.Button, {"value": "send"}, variant="primary", scale=1,
                                min_width=90, elem_id="send")
                new = lab.make(gr.Button, {"value": "new_chat"}, variant="secondary", scale=1,
                               min_width=120, elem_id="new-chat")
            with gr.Row(equal_height=True):
                lab.make(gr.Markdown, lambda lang: {"value": f"**{t('examples', lang)}:**"},
                         elem_id="examples-label")
                examples = [lab.make(gr.Button, _example(i), size="sm",
                                     elem_classes=["example-btn"])
                            for i in range(len(EXAMPLES[DEFAULT_LANG]))]
        with gr.Column(scale=1, min_width=260):
            flt = _filters(lab)
    return {"view": view, "question": question, "send": send, "examples": examples,
            "new": new, "side": side, "conv": conv, **flt}


def _draft_tab(lab: Labels) -> dict[str, Any]:
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=280):
            topic = lab.make(gr.Textbox, {"label": "draft_topic", "placeholder": "draft_topic_ph"},
                             max_lines=2, elem_id="draft-topic")
            kind = lab.make(gr.Radio, _choices(
                ("draft_kind", ""), ("kind_article", "article"),
                ("kind_newsletter", "newsletter"), ("kind_brief", "brief")),
                value="article", elem_id="draft-kind")
            words = lab.make(gr.Slider, {"label": "draft_words"}, minimum=80, maximum=2000,
                             value=600, step=20, elem_id="draft-words")
            since = lab.make(gr.Textbox, {"label": "draft_since"}, max_lines=1)
            until = lab.make(gr.Textbox, {"label": "draft_until"}, max_lines=1)
            tags = lab.make(gr.Dropdown, {"label": "tags"}, choices=TAGS, multiselect=True,
                            allow_custom_value=True, value=[])
            members = lab.make(gr.Checkbox, {"label": "draft_members"}, value=True)
            go = lab.make(gr.Button, {"value": "draft_go"}, variant="primary",
                          elem_id="draft-go")
            download = lab.make(gr.DownloadButton, {"label": "draft_download"}, visible=False,
                                elem_id="draft-download")
        with gr.Column(scale=2):
            view = gr.HTML(views.draft(None, DEFAULT_LANG), elem_id="draft-view",
                           js_on_load=SOURCES_JS, padding=True)
    return {"topic": topic, "kind": kind, "words": words, "since": since, "until": until,
            "tags": tags, "members": members, "go": go, "download": download, "view": view}


def _docs_tab(lab: Labels) -> dict[str, Any]:
    lab.make(gr.Markdown, lambda lang: {"value": t("docs_intro", lang)})
    with gr.Row(equal_height=False, elem_id="docs-bar"):
        show = lab.make(gr.Radio, _choices(
            ("docs_show", ""), ("docs_all", ""), ("docs_articles", "article"),
            ("docs_members", "member")), value="", elem_id="docs-show", scale=3)
        refresh = lab.make(gr.Button, {"value": "docs_refresh"}, scale=1, size="sm",
                           elem_id="docs-refresh")
    table = gr.HTML(elem_id="docs-table", js_on_load=None)
    timer = gr.Timer(2.0, active=False)  # re-reads the list while documents are indexing
    with gr.Row(equal_height=False):
        with gr.Column():
            visibility = lab.make(gr.Radio, _choices(
                ("docs_visibility", ""), ("vis_public", "public"), ("vis_members", "members")),
                value="public", elem_id="docs-visibility")
            upload = lab.make(gr.UploadButton, {"label": "docs_upload"}, file_count="multiple",
                              file_types=UPLOAD_TYPES, variant="primary", elem_id="docs-upload")
            lab.make(gr.Markdown, lambda lang: {"value": t("docs_formats", lang)})
            log = gr.HTML(elem_id="docs-log", js_on_load=None)
        with gr.Column():
            pick = lab.make(gr.Dropdown, {"label": "docs_delete_id"}, choices=[], value=None,
                            elem_id="docs-pick")
            with gr.Row():
                ask = lab.make(gr.Button, {"value": "docs_delete"}, variant="secondary",
                               elem_id="docs-delete")
                confirm = lab.make(gr.Button, {"value": "docs_confirm"}, variant="stop",
                                   visible=False, elem_id="docs-confirm")
            outcome = gr.HTML(elem_id="docs-outcome", js_on_load=None)
    return {"show": show, "refresh": refresh, "table": table, "timer": timer,
            "visibility": visibility,
            "upload": upload, "log": log, "pick": pick, "ask": ask, "confirm": confirm,
            "outcome": outcome}
