"""Discovery: which article pages a source lists.

A source is a sitemap (``urlset``), a sitemap index (``sitemapindex``, followed
up to three levels), either of them gzipped (``.xml.gz``), an RSS 1.0/2.0 or Atom
feed, or a plain page (which lists itself). The kind is read from the response,
not guessed from the URL. XML is parsed without entities or network access.
"""

from __future__ import annotations

import gzip
import io
import re
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin

from lxml import etree

from assistant.websync.fetch import Fetched, Fetcher

MAX_DEPTH = 3
MAX_SITEMAPS = 1000
_XML_ROOTS = ("urlset", "sitemapindex", "rss", "feed", "rdf")
_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)
_ELEMENT = re.compile(rb"<([A-Za-z][\w:.-]*)")


@dataclass
class Discovery:
    """The pages a source lists, in order; ``complete`` is False when part of it could
    not be read (then nothing it no longer lists may be pruned)."""

    source: str
    kind: str = "page"
    pages: list[str] = field(default_factory=list)
    complete: bool = True
    errors: dict[str, tuple[int, str]] = field(default_factory=dict)  # URL -> status, reason
    page_response: Fetched | None = None  # a source that is itself a page: its response


async def discover(fetcher: Fetcher, source: str, max_bytes: int) -> Discovery:
    """Read ``source`` (and the sitemaps it points to) into a :class:`Discovery`."""
    found = Discovery(source)
    seen: set[str] = set()
    await _visit(fetcher, source, 0, found, seen, max_bytes)
    found.pages = list(dict.fromkeys(found.pages))
    return found


async def _visit(fetcher: Fetcher, url: str, depth: int, found: Discovery,
                 seen: set[str], max_bytes: int) -> None:
    seen.add(url)
    got = await fetcher.get(url)
    if not got.ok:
        found.complete = False
        found.errors[url] = (got.status, got.reason or f"HTTP {got.status}")
        return
    try:
        kind, pages, children = parse_listing(got, max_bytes)
    except ValueError as exc:
        found.complete = False
        found.errors[url] = (got.status, str(exc))
        return
    if depth == 0:
        found.kind = kind
        if kind == "page":
            found.page_response = got
    found.pages.extend(pages)
    for child in children:
        if child in seen:
            continue
        if depth + 1 >= MAX_DEPTH or len(seen) >= MAX_SITEMAPS:
            found.complete = False
            found.errors[child] = (0, "sitemap index nested too deep or too large")
            continue
        await _visit(fetcher, child, depth + 1, found, seen, max_bytes)


def parse_listing(got: Fetched, max_bytes: int) -> tuple[str, list[str], list[str]]:
    """(kind, page URLs, child sitemap URLs) of a response; a page lists itself."""
    body = _gunzip(got.body, max_bytes)
    # the body decides, not the Content-Type (feeds are often served as text/html)
    if _first_element(body) not in _XML_ROOTS:
        return "page", [got.url], []
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True,
                             huge_tree=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"unreadable XML: {exc}") from exc
    if root is None:
        raise ValueError("unreadable XML")
    name = etree.QName(root).localname.lower()
    if name not in _XML_ROOTS:
        return "page", [got.url], []
    base = got.url
    if name == "sitemapindex":
        return "sitemap index", [], _locs(root, "sitemap", base)
    if name == "urlset":
        return "sitemap", _locs(root, "url", base), []
    return "feed", _feed_links(root, base), []


def _first_element(body: bytes) -> str:
    """The local name of the first element of a document (comments, processing
    instructions and the doctype skipped), lowercase; "" when there is none."""
    head = _COMMENT.sub(b"", body[:4096])
    m = _ELEMENT.search(head)
    return m.group(1).decode("ascii", "replace").split(":")[-1].lower() if m else ""


def _gunzip(body: bytes, max_bytes: int) -> bytes:
    """The body, decompressed when it is gzip (``.xml.gz``), at most ``max_bytes``."""
    if not body.startswith(b"\x1f\x8b"):
        return body
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as f:
            out = f.read(max_bytes + 1)
    except (OSError, EOFError) as exc:
        raise ValueError(f"unreadable gzip: {exc}") from exc
    if len(out) > max_bytes:
        raise ValueError(f"decompressed sitemap larger than {max_bytes:,} bytes")
    return out


def _children(el: etree._Element, local: str) -> list[etree._Element]:
    return [c for c in el.iter() if isinstance(c.tag, str) and etree.QName(c).localname == local]


def _absolute(base: str, href: str | None) -> str | None:
    href = (href or "").strip()
    if not href:
        return None
    url = urldefrag(urljoin(base, href)).url
    return url if url.startswith(("http://", "https://")) else None


def _locs(root: etree._Element, entry: str, base: str) -> list[str]:
    out = []
    for el in _children(root, entry):
        for loc in _children(el, "loc")[:1]:
            url = _absolute(base, loc.text)
            if url:
                out.append(url)
    return out


def _feed_links(root: etree._Element, base: str) -> list[str]:
    """Item links of RSS 1.0/2.0 (``item/link``, else a permalink ``guid``) and Atom
    (``entry/link`` with rel alternate or none)."""
    out = []
    for item in _children(root, "item") + _children(root, "entry"):
        url = None
        for link in _children(item, "link"):
            if link.get("href") is not None:  # Atom
                if link.get("rel", "alternate") == "alternate":
                    url = _absolute(base, link.get("href"))
            else:
                url = _absolute(base, link.text)
            if url:
                break
        if url is None:
            for guid in _children(item, "guid"):
                if guid.get("isPermaLink", "true") == "true":
                    url = _absolute(base, guid.text)
        if url:
            out.append(url)
    return out
