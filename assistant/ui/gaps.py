"""The staff tab "Domande senza risposta": the content-gap report (GET /v1/insights/gaps)
as cards, each with a "Bozza articolo" button that opens the draft tab on its topic."""

from __future__ import annotations

from typing import Any

import gradio as gr

from assistant.ui.client import ApiError
from assistant.ui.handlers import Endpoint, error_text
from assistant.ui.i18n import t
from assistant.ui.render import esc, harden, notice

# the card's button sends its topic to the server, which switches to the draft tab
GAPS_JS = """
element.addEventListener('click', (ev) => {
  const btn = ev.target.closest('button.gap-draft');
  if (btn) trigger('click', {action: 'draft', topic: btn.dataset.topic});
});
"""


def layout(lab: Any) -> dict[str, Any]:
    lab.make(gr.Markdown, lambda lang: {"value": t("gaps_intro", lang)})
    with gr.Row(equal_height=True):
        days = lab.make(gr.Slider, {"label": "gaps_days"}, minimum=1, maximum=365, value=30,
                        step=1, scale=3, elem_id="gaps-days")
        refresh = lab.make(gr.Button, {"value": "gaps_refresh"}, scale=1, elem_id="gaps-refresh")
    view = gr.HTML(elem_id="gaps-view", js_on_load=GAPS_JS, padding=True)
    return {"days": days, "refresh": refresh, "view": view}


def _card(group: dict[str, Any], lang: str) -> str:
    examples = "".join(f"<li>{esc(q)}</li>" for q in group.get("examples", []))
    docs = "".join(f'<li><span class="gap-doc">{esc(d.get("title"))}</span> '
                   f'<code>{esc(d.get("doc_id"))}</code></li>'
                   for d in group.get("documents", []))
    count = t("gaps_count", lang, count=group.get("count", 0), refused=group.get("refused", 0),
              down=group.get("rated_down", 0))
    return (f'<div class="gap-card"><h3>{esc(group.get("topic"))}</h3>'
            f'<div class="gap-count">{esc(count)}</div><ul class="gap-examples">{examples}</ul>'
            f'<div class="gap-docs-label">{esc(t("gaps_docs", lang))}</div>'
            f'<ul class="gap-docs">{docs}</ul>'
            f'<button type="button" class="gap-draft" data-topic="{esc(group.get("topic"))}">'
            f'{esc(t("gaps_draft", lang))}</button></div>')


def render(report: dict[str, Any] | None, lang: str, error: str | None = None) -> str:
    """The report as escaped HTML cards (largest group first)."""
    if error:
        return notice(error, "error")
    if not report:
        return ""
    if not report.get("collecting", True):
        return notice(t("gaps_off", lang), "warn")
    groups = report.get("groups", [])
    head = t("gaps_summary", lang, questions=report.get("questions", 0),
             days=report.get("days", 0), groups=len(groups))
    if not groups:
        return notice(t("gaps_none", lang))
    cards = "".join(_card(g, lang) for g in groups)
    return harden(f'<div class="gaps"><p class="gaps-head">{esc(head)}</p>{cards}</div>')


class GapHandlers:
    def __init__(self, ep: Endpoint) -> None:
        self.ep = ep

    def report(self, days: float, key: str, lang: str, request: gr.Request) -> str:
        try:
            return render(self.ep.client(key, request).gaps(int(days)), lang)
        except ApiError as exc:
            return render(None, lang, error_text(exc, lang))

    def report_for(self, role: str, days: float, key: str, lang: str,
                   request: gr.Request) -> str:
        """After signing in: the report for staff keys, nothing for the others."""
        if role not in ("staff", "admin"):
            return ""
        return self.report(days, key, lang, request)

    def to_draft(self, evt: gr.EventData) -> tuple[Any, Any]:
        """"Bozza articolo" clicked: (tabs, draft topic)."""
        data = getattr(evt, "_data", None) or {}
        topic = str(data.get("topic") or "").strip()[:300]
        if data.get("action") != "draft" or not topic:
            return gr.update(), gr.update()
        return gr.Tabs(selected="draft"), gr.update(value=topic)
