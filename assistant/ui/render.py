"""Safe HTML from untrusted text: answers, drafts and document passages.

Nothing from a document or from the LLM reaches the page as markup. Markdown is
rendered with raw HTML, images and reference definitions disabled; links survive
only with an ``http``/``https`` address and get ``rel="noopener noreferrer"``;
``[n]`` markers that match a citation become in-page links to that source. Every
fragment finally goes through :func:`harden`, which also neutralises template
syntax (``{``, ``}``, ``$``) in case a component re-evaluates its HTML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Sequence
from typing import Any
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from assistant.ui.i18n import t

_CITE = re.compile(r"\[(\d{1,3})\]")
_TEMPLATE_CHARS = str.maketrans({"{": "&#123;", "}": "&#125;", "$": "&#36;"})
LINK_REL = "noopener noreferrer nofollow"


def esc(text: object) -> str:
    """HTML-escaped text (quotes included, so it is safe inside attributes too)."""
    return html.escape(str(text), quote=True)


def harden(fragment: str) -> str:
    """Neutralise template syntax in a finished fragment (entities render the same)."""
    return fragment.translate(_TEMPLATE_CHARS)


def safe_url(url: object) -> str | None:
    """``url`` if it is an absolute http(s) address, else None."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(ord(ch) < 0x21 for ch in url):  # control characters or spaces
        return None
    return url


def link(url: object, label: str, css: str = "") -> str:
    """An external link opening in a new tab, or just the label if ``url`` is unsafe."""
    href = safe_url(url)
    if href is None:
        return esc(label)
    cls = f' class="{esc(css)}"' if css else ""
    return (f'<a{cls} href="{esc(href)}" target="_blank" rel="{LINK_REL}">'
            f"{esc(label)}</a>")


def cite_links(escaped: str, prefix: str, valid: Collection[int]) -> str:
    """Turn ``[n]`` in already-escaped text into links to the source ``prefix-n``."""
    def repl(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if n not in valid:
            return m.group(0)
        target = f"{prefix}-src-{n}"
        return (f'<a class="cite" href="#{target}" data-target="{target}" '
                f'title="[{n}]">[{n}]</a>')
    return _CITE.sub(repl, escaped)


def _render_text(self: RendererHTML, tokens: Sequence[Token], idx: int,
                 options: OptionsDict, env: EnvType) -> str:
    return cite_links(esc(tokens[idx].content), env.get("prefix", "c"), env.get("valid", ()))


def _render_link_open(self: RendererHTML, tokens: Sequence[Token], idx: int,
                      options: OptionsDict, env: EnvType) -> str:
    href = safe_url(tokens[idx].attrGet("href"))
    env.setdefault("links", []).append(href is not None)
    if href is None:
        return '<span class="badlink">'
    return f'<a href="{esc(href)}" target="_blank" rel="{LINK_REL}">'


def _render_link_close(self: RendererHTML, tokens: Sequence[Token], idx: int,
                       options: OptionsDict, env: EnvType) -> str:
    stack = env.get("links") or [False]
    return "</a>" if stack.pop() else "</span>"


def _markdown(breaks: bool = False) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False,
                                   "breaks": breaks})
    md.disable(["image", "reference", "html_inline", "html_block"])
    md.add_render_rule("text", _render_text)
    md.add_render_rule("link_open", _render_link_open)
    md.add_render_rule("link_close", _render_link_close)
    return md


_MD = _markdown()
_MD_PASSAGE = _markdown(breaks=True)  # passages keep their line breaks (profiles, lists)


def markdown(text: str, prefix: str, valid: Collection[int]) -> str:
    """Safe HTML for Markdown ``text`` whose valid ``[n]`` link to ``prefix``'s sources."""
    return harden(_MD.render(text, {"prefix": prefix, "valid": set(valid)}))


def passage(text: str) -> str:
    """A cited passage, verbatim but with its Markdown (bold, lists) rendered safely."""
    return harden(_MD_PASSAGE.render(text, {"prefix": "p", "valid": set()}))


def source_meta(cite: dict[str, Any], lang: str) -> str:
    """'Articolo · 2024-05-06' for a citation."""
    kind = t("type_member", lang) if cite.get("doc_type") == "member" else t("type_article",
                                                                              lang)
    date = cite.get("date")
    return f"{kind} · {date}" if date else kind


def sources(citations: Sequence[dict[str, Any]], prefix: str, lang: str) -> str:
    """The sources panel: one ``<details>`` per source, the exact passage inside."""
    if not citations:
        return ""
    items = []
    for c in citations:
        n = int(c.get("n", 0))
        url = link(c.get("url"), t("open_link", lang) + " ↗", "src-link") \
            if safe_url(c.get("url")) else ""
        doc = esc(c.get("doc_id", ""))
        items.append(
            f'<details class="src" id="{esc(prefix)}-src-{n}" data-doc="{doc}">'
            f'<summary><span class="src-n">[{n}]</span> '
            f'<span class="src-title">{esc(c.get("title") or c.get("doc_id", ""))}</span> '
            f'<span class="src-meta">{esc(source_meta(c, lang))}</span></summary>'
            f'<div class="src-body"><div class="src-label">{esc(t("passage", lang))}</div>'
            f'<blockquote class="src-passage">{passage(str(c.get("passage", "")))}'
            "</blockquote>"
            f'<div class="src-foot"><code>{esc(c.get("doc_id", ""))}</code> {url}</div>'
            "</div></details>")
    return harden(f'<div class="sources"><div class="sources-h">{esc(t("sources", lang))} '
                  f'({len(citations)})</div>{"".join(items)}</div>')


def notice(text: str, kind: str = "info") -> str:
    """A short escaped message box (``info``, ``warn`` or ``error``)."""
    return harden(f'<div class="notice notice-{esc(kind)}" role="status">{esc(text)}</div>')
