"""The fetcher and the listing parser, with an injected httpx transport (no sockets)."""

from __future__ import annotations

import asyncio
import gzip

import httpx

from assistant.websync.discover import discover, parse_listing
from assistant.websync.fetch import USER_AGENT, Fetched, Fetcher, FetchOptions

FAST = FetchOptions(timeout_s=1.0, retries=2, backoff_s=0.01, per_host=2, delay_s=0.0)


def fetch(handler: object, url: str, opts: FetchOptions = FAST, **kw: str) -> tuple[Fetched, int]:
    async def go() -> tuple[Fetched, int]:
        async with Fetcher(opts, httpx.MockTransport(handler)) as f:  # type: ignore[arg-type]
            return await f.get(url, **kw), f.requests
    return asyncio.run(go())


def test_retries_with_backoff_then_succeeds() -> None:
    calls: list[str] = []

    def handler(req: httpx.Request) -> httpx.Response:
        calls.append(req.url.path)
        if req.url.path == "/robots.txt":
            return httpx.Response(404)
        n = calls.count("/a")
        return httpx.Response(503 if n < 3 else 200, text="ok")

    got, requests = fetch(handler, "https://site.test/a")
    assert got.ok and got.body == b"ok"
    assert calls.count("/a") == 3 and requests == 4


def test_gives_up_after_the_retries_with_status_and_reason() -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        return httpx.Response(404 if req.url.path == "/robots.txt" else 502)

    got, _ = fetch(handler, "https://site.test/a")
    assert got.status == 502 and got.reason.startswith("HTTP 502")


def test_user_agent_and_conditional_headers_are_sent() -> None:
    seen: list[httpx.Headers] = []

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(req.headers)
        return httpx.Response(404 if req.url.path == "/robots.txt" else 304)

    got, _ = fetch(handler, "https://site.test/a", etag='"x1"',
                   last_modified="Wed, 01 Jan 2025 00:00:00 GMT")
    assert got.not_modified
    assert seen[-1]["if-none-match"] == '"x1"'
    assert seen[-1]["if-modified-since"].startswith("Wed, 01 Jan 2025")
    assert all(h["user-agent"] == USER_AGENT for h in seen)


def test_robots_txt_unreachable_refuses_the_site() -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        return httpx.Response(500 if req.url.path == "/robots.txt" else 200, text="page")

    got, _ = fetch(handler, "https://site.test/a")
    assert got.disallowed and "robots.txt unavailable" in got.reason


def test_robots_txt_rules_for_our_agent() -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        if req.url.path == "/robots.txt":
            return httpx.Response(200, text="User-agent: AssistantSiteSync\nDisallow: /soci/\n")
        return httpx.Response(200, text="page")

    assert fetch(handler, "https://site.test/soci/x")[0].disallowed
    assert fetch(handler, "https://site.test/news/x")[0].ok


def test_at_most_per_host_requests_at_once() -> None:
    active, peak = 0, 0

    async def handler(req: httpx.Request) -> httpx.Response:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.02)
        active -= 1
        return httpx.Response(404 if req.url.path == "/robots.txt" else 200, text="x")

    async def go() -> None:
        async with Fetcher(FAST, httpx.MockTransport(handler)) as f:
            await asyncio.gather(*(f.get(f"https://site.test/p{i}") for i in range(8)))

    asyncio.run(go())
    assert peak == 2


def test_body_size_limit() -> None:
    opts = FetchOptions(timeout_s=1.0, retries=0, delay_s=0.0, max_bytes=1000)

    def handler(req: httpx.Request) -> httpx.Response:
        return httpx.Response(404 if req.url.path == "/robots.txt" else 200, text="x" * 5000)

    got, _ = fetch(handler, "https://site.test/big", opts)
    assert not got.ok and "larger than" in got.reason


ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>News</title>
<entry><title>A</title><link rel="alternate" href="/news/a"/><id>1</id></entry>
<entry><title>B</title><link rel="enclosure" href="/b.mp3"/><link href="https://x.test/b"/>
</entry></feed>"""
RDF = b"""<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
xmlns="http://purl.org/rss/1.0/"><item><title>C</title><link>https://x.test/c</link></item>
</rdf:RDF>"""
ENTITY = b"""<?xml version="1.0"?><!DOCTYPE u [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&e;</loc></url>
<url><loc>https://x.test/ok</loc></url></urlset>"""


def test_parse_listing_kinds() -> None:
    base = "https://x.test/feed"
    assert parse_listing(Fetched(base, 200, ATOM), 10**6) == (
        "feed", ["https://x.test/news/a", "https://x.test/b"], [])
    assert parse_listing(Fetched(base, 200, RDF), 10**6)[1] == ["https://x.test/c"]
    gz = gzip.compress(b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                       b"<sitemap><loc>https://x.test/s1.xml</loc></sitemap></sitemapindex>")
    assert parse_listing(Fetched(base, 200, gz), 10**6) == (
        "sitemap index", [], ["https://x.test/s1.xml"])
    page = Fetched("https://x.test/p", 200, b"<!DOCTYPE html><html></html>", content_type="")
    assert parse_listing(page, 10**6) == ("page", ["https://x.test/p"], [])
    # external entities are never resolved
    assert parse_listing(Fetched(base, 200, ENTITY), 10**6)[1] == ["https://x.test/ok"]


def test_discover_follows_a_sitemap_index_and_notes_failures() -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        p = req.url.path
        if p == "/index.xml":
            return httpx.Response(200, content=b'<sitemapindex><sitemap><loc>/s1.xml</loc>'
                                  b"</sitemap><sitemap><loc>/s2.xml</loc></sitemap>"
                                  b"</sitemapindex>")
        if p == "/s1.xml":
            return httpx.Response(200, content=b"<urlset><url><loc>/a</loc></url></urlset>")
        return httpx.Response(404)

    async def go() -> object:
        async with Fetcher(FAST, httpx.MockTransport(handler)) as f:
            return await discover(f, "https://x.test/index.xml", 10**6)

    found = asyncio.run(go())
    assert found.pages == ["https://x.test/a"]  # type: ignore[attr-defined]
    assert not found.complete  # type: ignore[attr-defined]
    assert "https://x.test/s2.xml" in found.errors  # type: ignore[attr-defined]


def test_the_body_decides_the_kind_not_the_content_type() -> None:
    rss = Fetched("https://x.test/feed", 200, b'<?xml version="1.0"?><rss><channel><item>'
                  b"<link>https://x.test/n1</link></item></channel></rss>",
                  content_type="text/html; charset=utf-8")
    assert parse_listing(rss, 10**6) == ("feed", ["https://x.test/n1"], [])
    xhtml = Fetched("https://x.test/p", 200, b'<?xml version="1.0"?><html><body/></html>')
    assert parse_listing(xhtml, 10**6)[0] == "page"


def test_only_html_pages_are_extracted() -> None:
    from assistant.websync.extract import not_html

    assert not_html(Fetched("u", 200, content_type="text/html; charset=utf-8")) == ""
    assert not_html(Fetched("u", 200, content_type="")) == ""
    assert not_html(Fetched("u", 200, content_type="application/pdf")) == (
        "not an HTML page (application/pdf)")
