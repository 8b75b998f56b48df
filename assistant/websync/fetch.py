"""A polite HTTP fetcher: robots.txt, per-host concurrency and delay, retries, validators.

Every request to a host waits for one of ``per_host`` slots and for the politeness
delay since the previous request to that host started (or the site's
``Crawl-delay``, when larger, up to 30 s). Timeouts, connection errors, 429 and
5xx are retried with exponential backoff (``Retry-After`` honoured up to 30 s);
anything else is final. A page that ``robots.txt`` disallows for our User-Agent
is never requested. Bodies are read up to ``max_bytes``. The transport is
injectable (an ``httpx`` transport), so tests can serve pages without a network.
"""

from __future__ import annotations

import asyncio
import time
import urllib.robotparser
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from assistant import __version__

USER_AGENT = (f"AssistantSiteSync/{__version__} (cited-answers assistant indexing its "
              "cluster's public articles; honours robots.txt)")
ROBOTS_AGENT = "AssistantSiteSync"
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_WAIT_S = 30.0


@dataclass
class FetchOptions:
    """How hard and how politely to fetch (see :class:`Fetcher`)."""

    timeout_s: float = 15.0
    retries: int = 2
    backoff_s: float = 1.0
    per_host: int = 2
    delay_s: float = 0.5
    max_bytes: int = 20 * 1024 * 1024
    user_agent: str = USER_AGENT


@dataclass
class Fetched:
    """One response, or why there is none (``status`` 0: no HTTP answer at all)."""

    url: str
    status: int = 0
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    content_type: str = ""
    reason: str = ""
    disallowed: bool = False

    @property
    def ok(self) -> bool:
        return self.status == 200 and not self.reason

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass
class _Host:
    slots: asyncio.Semaphore
    gate: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_start: float = 0.0
    robots: urllib.robotparser.RobotFileParser | None = None
    robots_error: str = ""
    robots_lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class Fetcher:
    """``async with Fetcher(opts) as f: await f.get(url)``; one per sync run."""

    def __init__(self, opts: FetchOptions | None = None,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.opts = opts or FetchOptions()
        self._transport = transport
        self._hosts: dict[str, _Host] = {}
        self.requests = 0  # HTTP requests actually sent (robots.txt and retries included)
        self.client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> Fetcher:
        self.client = httpx.AsyncClient(
            transport=self._transport, follow_redirects=True, max_redirects=5,
            timeout=httpx.Timeout(self.opts.timeout_s),
            headers={"User-Agent": self.opts.user_agent})
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.client is not None:
            await self.client.aclose()

    def _host(self, url: str) -> _Host:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        if key not in self._hosts:
            self._hosts[key] = _Host(asyncio.Semaphore(max(1, self.opts.per_host)))
        return self._hosts[key]

    async def get(self, url: str, etag: str | None = None,
                  last_modified: str | None = None) -> Fetched:
        """GET ``url`` (conditionally when validators are given), after robots.txt."""
        if urlsplit(url).scheme not in ("http", "https"):
            return Fetched(url, reason="only http and https URLs can be synced")
        host = self._host(url)
        refusal = await self._robots_refusal(host, url)
        if refusal:
            return Fetched(url, reason=refusal, disallowed=True)
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return await self._with_retries(host, url, headers)

    async def _robots_refusal(self, host: _Host, url: str) -> str:
        """Why robots.txt forbids ``url`` ("" when allowed). Per RFC 9309, a missing
        robots.txt (4xx) allows everything, an unreachable one (5xx, network) nothing."""
        async with host.robots_lock:
            if host.robots is None and not host.robots_error:
                p = urlsplit(url)
                got = await self._with_retries(host, f"{p.scheme}://{p.netloc}/robots.txt", {})
                rp = urllib.robotparser.RobotFileParser()
                if got.ok:
                    rp.parse(got.body.decode("utf-8", "replace").splitlines())
                    host.robots = rp
                elif 400 <= got.status < 500:
                    rp.parse([])
                    host.robots = rp
                else:
                    host.robots_error = f"robots.txt unavailable ({got.reason})"
        if host.robots_error:
            return host.robots_error
        assert host.robots is not None
        if not host.robots.can_fetch(ROBOTS_AGENT, url):
            return "disallowed by robots.txt"
        return ""

    def _delay(self, host: _Host) -> float:
        crawl = host.robots.crawl_delay(ROBOTS_AGENT) if host.robots is not None else None
        return max(self.opts.delay_s, min(float(crawl or 0), MAX_WAIT_S))

    async def _with_retries(self, host: _Host, url: str, headers: dict[str, str]) -> Fetched:
        got = Fetched(url)
        for attempt in range(self.opts.retries + 1):
            retry_after = 0.0
            async with host.slots:
                await self._wait_turn(host)
                got, retry_after = await self._once(url, headers)
            if got.status and got.status not in RETRY_STATUS:
                return got
            if attempt < self.opts.retries:
                await asyncio.sleep(max(retry_after, self.opts.backoff_s * 2 ** attempt))
        return got

    async def _wait_turn(self, host: _Host) -> None:
        async with host.gate:
            now = time.monotonic()
            start = max(now, host.next_start)
            host.next_start = start + self._delay(host)
        if start > now:
            await asyncio.sleep(start - now)

    async def _once(self, url: str, headers: dict[str, str]) -> tuple[Fetched, float]:
        """One request; (result, seconds the server asked us to wait)."""
        assert self.client is not None, "use Fetcher as an async context manager"
        self.requests += 1
        try:
            async with self.client.stream("GET", url, headers=headers) as r:
                body = bytearray()
                async for part in r.aiter_bytes():
                    body += part
                    if len(body) > self.opts.max_bytes:
                        return Fetched(url, r.status_code, reason=(
                            f"larger than {self.opts.max_bytes:,} bytes")), 0.0
        except httpx.TimeoutException:
            return Fetched(url, reason=f"timed out after {self.opts.timeout_s:g} s"), 0.0
        except httpx.HTTPError as exc:
            return Fetched(url, reason=f"{type(exc).__name__}: {exc}"[:300]), 0.0
        got = Fetched(str(r.url), r.status_code, bytes(body), r.headers.get("etag"),
                      r.headers.get("last-modified"), r.headers.get("content-type", ""))
        if r.status_code not in (200, 304):
            got.reason = f"HTTP {r.status_code} {r.reason_phrase}".strip()
        return got, _retry_after(r.headers.get("retry-after"))


def _retry_after(value: str | None) -> float:
    try:
        return min(float(value), MAX_WAIT_S) if value else 0.0
    except ValueError:  # an HTTP date: wait the normal backoff
        return 0.0
