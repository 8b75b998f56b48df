"""A fetched page -> an article :class:`Document` (main content, title, date, author).

trafilatura keeps the article and drops menus, cookie banners, related links and
footers; the glued-word repair of scraped text (:mod:`assistant.ingest.repair`)
runs on its output. The document id comes from the page's canonical URL (so two
addresses of one article are one document); its ``url`` is the address it was
fetched from, which is where citations link.
"""

from __future__ import annotations

import hashlib
import json
from urllib.parse import urldefrag, urljoin, urlsplit

from assistant.ingest.load import LoadError, article_document
from assistant.ingest.repair import REPAIR_VERSION, repair_document
from assistant.models import Document
from assistant.text import clean_text
from assistant.websync.fetch import Fetched

EXTRACT_VERSION = "1"  # part of every page's content hash: a new extractor redoes pages
_HTML_TYPES = ("text/html", "application/xhtml+xml")


def not_html(got: Fetched) -> str:
    """Why a response is not a web page to extract ("" when it is one, or untyped)."""
    ctype = got.content_type.split(";")[0].strip().lower()
    if not ctype or ctype in _HTML_TYPES:
        return ""
    return f"not an HTML page ({ctype})"


def doc_id_for(url: str) -> str:
    """A stable, path-like document id for a URL: ``web/host/path[?query]``."""
    p = urlsplit(url)
    path = p.path.rstrip("/") or ""
    return f"web/{p.netloc.lower()}{path}" + (f"?{p.query}" if p.query else "")


def page_document(got: Fetched, visibility: str = "public", repair: bool = True) -> Document:
    """Extract the article of an HTML page; raises :class:`LoadError` when it has none."""
    import trafilatura

    extracted = trafilatura.bare_extraction(
        got.body, url=got.url, with_metadata=True, include_comments=False,
        include_tables=True, favor_precision=True)
    text = clean_text(getattr(extracted, "text", None) or "") if extracted else ""
    if not text.strip():
        raise LoadError("no main content found in the page")
    canonical = _canonical(getattr(extracted, "url", None), got.url)
    title = getattr(extracted, "title", None) or text.splitlines()[0][:200]
    title, body, splits = repair_document(title, text, repair)
    meta = {"id": doc_id_for(canonical), "url": got.url, "visibility": visibility,
            "date": getattr(extracted, "date", None), "author": getattr(extracted, "author", None),
            "description": getattr(extracted, "description", None)}
    doc = article_document(got.url, title, body, {k: v for k, v in meta.items() if v})
    doc.source = got.url
    doc.metadata["canonical_url"] = canonical
    if splits:
        doc.metadata["repaired_splits"] = splits
    doc.content_hash = _hash(doc, repair)
    return doc


def _canonical(declared: str | None, fetched: str) -> str:
    """The page's declared canonical URL (resolved against the page's address) when it
    is an http(s) URL, else the address it was fetched from."""
    url = urldefrag(urljoin(fetched, declared.strip())).url if declared else ""
    if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc:
        return url
    return fetched


def _hash(doc: Document, repair: bool) -> str:
    payload = json.dumps([doc.title, doc.text, doc.metadata, EXTRACT_VERSION, repair and
                          REPAIR_VERSION], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()
