"""One sync run: discover the sources' pages, fetch what changed, index it, prune.

The cost of a run follows what changed on the site: a page is asked for with its
last ``ETag``/``Last-Modified`` (a 304 costs no body), a body identical to the
last one is not parsed, and a page whose extracted article has the content hash
already in the manifest is not embedded. Writes go through
:meth:`Index.upsert_document` / :meth:`Index.remove_document` (pending -> vectors
-> done), each under ``write_lock``, so a crash leaves nothing half-written and
the next run redoes the pending document. The sync state is written after each
document's commit, so it never claims a page the index does not have.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from assistant.ingest.index import DOC_BATCH, Index
from assistant.ingest.load import LoadError
from assistant.ingest.written import split_by_document
from assistant.models import Document
from assistant.settings import Settings
from assistant.stores.manifest import DocRow
from assistant.websync.discover import Discovery, discover
from assistant.websync.extract import not_html, page_document
from assistant.websync.fetch import Fetched, Fetcher, FetchOptions
from assistant.websync.state import PageState, SyncState

Progress = Callable[[str, int, int], None]
IN_FLIGHT = 16  # pages being fetched or parsed at once, all hosts together


@dataclass
class SyncOptions:
    """What to sync and how (``assistant sync`` options, or the configured sources)."""

    sources: list[str]
    max_pages: int | None = None
    prune: bool = False
    visibility: str = "public"
    fetch: FetchOptions = field(default_factory=FetchOptions)


def options_from_settings(settings: Settings, sources: list[str], *,
                          max_pages: int | None = None, prune: bool = False,
                          visibility: str | None = None) -> SyncOptions:
    """The options for ``sources`` under ``settings`` (the CLI and the API share them)."""
    fetch = FetchOptions(timeout_s=settings.sync_timeout_s, retries=settings.sync_retries,
                         per_host=settings.sync_per_host, delay_s=settings.sync_delay_s,
                         max_bytes=settings.max_file_bytes)
    return SyncOptions(sources=sources, max_pages=max_pages, prune=prune,
                       visibility=visibility or settings.sync_visibility, fetch=fetch)


@dataclass
class SyncReport:
    """What a run did, by page URL; ``failed`` maps a URL to its status and reason."""

    started: str = ""
    finished: str = ""
    sources: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, dict[str, Any]] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # robots.txt, not an error
    not_fetched: int = 0  # listed but beyond --max-pages
    requests: int = 0
    embed_calls: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed

    def fail(self, url: str, status: int, reason: str) -> None:
        self.failed[url] = {"status": status, "reason": reason}

    def to_dict(self) -> dict[str, Any]:
        """The run as JSON: counts first, then the URLs behind them."""
        return {"started": self.started, "finished": self.finished, "sources": self.sources,
                "pages": {"new": len(self.new), "updated": len(self.updated),
                          "unchanged": len(self.unchanged), "failed": len(self.failed),
                          "removed": len(self.removed), "skipped": len(self.skipped),
                          "not_fetched": self.not_fetched},
                "new": self.new, "updated": self.updated, "removed": self.removed,
                "failed": self.failed, "skipped": self.skipped, "requests": self.requests,
                "embed_calls": self.embed_calls, "seconds": round(self.seconds, 3),
                "ok": self.ok}


@dataclass
class _Changed:
    doc: Document
    page: PageState


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def sync_sites(index: Index, opts: SyncOptions, *, progress: Progress | None = None,
               write_lock: contextlib.AbstractContextManager[Any] | None = None,
               transport: httpx.AsyncBaseTransport | None = None,
               stop: threading.Event | None = None) -> SyncReport:
    """Bring the index in step with ``opts.sources``; blocking (runs its own event loop).

    ``write_lock`` serialises the writes with other writers (the API's facade lock);
    ``stop``, once set, ends the run after the document being written (service shutdown).
    """
    lock = write_lock if write_lock is not None else contextlib.nullcontext()
    report = SyncReport(started=_now(), sources=list(opts.sources))
    t0, calls0 = time.perf_counter(), index.embedder.calls
    state = SyncState(index.dir)
    try:
        discoveries, changed = asyncio.run(_fetch_all(index, state, opts, report, progress,
                                                      transport, stop))
        _write(index, state, changed, report, lock, progress, stop)
        if opts.prune and not (stop and stop.is_set()):
            _prune(index, state, discoveries, report, lock)
        with lock:
            index.lexical.refresh()
            for vis in (("public",), ("public", "members")):
                index.lexical.tier(vis)  # rebuilt now, not in the next user's query
        report.embed_calls = index.embedder.calls - calls0
        report.seconds = time.perf_counter() - t0
        report.finished = _now()
        state.save_run(report.to_dict())
    finally:
        state.close()
    return report


async def _fetch_all(index: Index, state: SyncState, opts: SyncOptions, report: SyncReport,
                     progress: Progress | None, transport: httpx.AsyncBaseTransport | None,
                     stop: threading.Event | None) -> tuple[list[Discovery], list[_Changed]]:
    """Discover every source, then fetch and extract the pages (up to ``max_pages``)."""
    async with Fetcher(opts.fetch, transport) as fetcher:
        discoveries = [await discover(fetcher, s, opts.fetch.max_bytes) for s in opts.sources]
        pages: dict[str, Fetched | None] = {}
        for d in discoveries:
            for url, (status, reason) in d.errors.items():
                report.fail(url, status, reason)
            state.add_listed(d.source, d.pages)
            for url in d.pages:
                pages.setdefault(url, d.page_response if url == d.source else None)
        urls = list(pages)
        if opts.max_pages is not None and len(urls) > opts.max_pages:
            report.not_fetched = len(urls) - opts.max_pages
            urls = urls[:opts.max_pages]
        gate, done = asyncio.Semaphore(IN_FLIGHT), 0
        rows = index.manifest.docs()
        results: dict[str, _Changed | None] = {}

        async def one(url: str) -> None:
            nonlocal done
            async with gate:
                if stop is not None and stop.is_set():
                    return
                results[url] = await _page(index, state, rows, fetcher, url, pages[url], opts,
                                           report)
            done += 1
            if progress:
                progress("fetch", done, len(urls))

        if progress:
            progress("fetch", 0, len(urls))
        await asyncio.gather(*(one(u) for u in urls))
        changed: dict[str, _Changed] = {}
        for url in urls:  # in listing order: the first address of an article wins
            item = results.get(url)
            if item is not None and item.doc.doc_id not in changed:
                changed[item.doc.doc_id] = item
            elif item is not None:  # another address of the same canonical article: it
                item.page.doc_hash = changed[item.doc.doc_id].page.doc_hash  # is not rewritten
                state.save_page(item.page)
                report.unchanged.append(url)
        report.requests = fetcher.requests
    return discoveries, list(changed.values())


async def _page(index: Index, state: SyncState, rows: dict[str, DocRow], fetcher: Fetcher,
                url: str, got: Fetched | None, opts: SyncOptions, report: SyncReport
                ) -> _Changed | None:
    """Fetch one page; None when it is unchanged, skipped or failed (all reported)."""
    prior = state.page(url)
    row = rows.get(prior.doc_id) if prior else None
    trusted = (prior is not None and row is not None and row.status == "done"
               and row.content_hash == prior.doc_hash and prior.visibility == opts.visibility)
    if got is None:
        got = await (fetcher.get(url, prior.etag, prior.last_modified) if trusted and prior
                     else fetcher.get(url))
    if got.disallowed:
        report.skipped[url] = got.reason
        return None
    if got.not_modified and trusted:
        report.unchanged.append(url)
        return None
    if not got.ok:
        report.fail(url, got.status, got.reason or f"HTTP {got.status}")
        return None
    if not_html(got):  # a PDF or an image listed in a sitemap: not an article page
        report.skipped[url] = not_html(got)
        return None
    body_hash = hashlib.sha256(got.body).hexdigest()
    if trusted and prior and prior.body_hash == body_hash:
        _remember(state, prior, got, body_hash)
        report.unchanged.append(url)
        return None
    try:
        doc = await asyncio.to_thread(page_document, got, opts.visibility,
                                      index.settings.repair_scraped_text)
    except LoadError as exc:
        report.fail(url, got.status, str(exc))
        return None
    doc.content_hash = index.versioned(doc.content_hash)
    page = PageState(url, doc.doc_id, got.etag, got.last_modified, body_hash,
                     doc.content_hash, opts.visibility)
    current = rows.get(doc.doc_id)
    if current is not None and current.status == "done" and current.content_hash == (
            doc.content_hash):
        state.save_page(page)
        report.unchanged.append(url)
        return None
    return _Changed(doc, page)


def _remember(state: SyncState, prior: PageState, got: Fetched, body_hash: str) -> None:
    """Keep the newest validators of an unchanged page."""
    state.save_page(PageState(prior.url, prior.doc_id, got.etag or prior.etag,
                              got.last_modified or prior.last_modified, body_hash,
                              prior.doc_hash, prior.visibility))


def _write(index: Index, state: SyncState, changed: list[_Changed], report: SyncReport,
           lock: contextlib.AbstractContextManager[Any], progress: Progress | None,
           stop: threading.Event | None = None) -> None:
    """Embed the changed pages by batches (outside the lock) and commit them one by one."""
    chunks = {c.doc.doc_id: index.chunk(c.doc) for c in changed}
    total, done = sum(len(v) for v in chunks.values()), 0
    if progress:
        progress("embed", 0, total)
    for b in range(0, len(changed), DOC_BATCH):
        if stop is not None and stop.is_set():
            return
        batch = changed[b:b + DOC_BATCH]
        # chunk and sentence vectors of the whole batch in one go, outside the lock
        vecs, sents = index.embed_chunks([ch for c in batch for ch in chunks[c.doc.doc_id]])
        docs = [c.doc for c in batch]
        for c, item in zip(batch, split_by_document(docs, chunks, vecs, sents), strict=True):
            with lock:
                existed = index.manifest.has_doc(c.doc.doc_id)
                index.upsert_documents([item])
            state.save_page(c.page)
            (report.updated if existed else report.new).append(c.page.url)
            done += len(item[1])
            if progress:
                progress("embed", done, total)


def _prune(index: Index, state: SyncState, discoveries: list[Discovery], report: SyncReport,
           lock: contextlib.AbstractContextManager[Any]) -> None:
    """Remove the pages no source lists any more; a source read only in part prunes
    nothing (a sitemap that failed to load must not empty the index)."""
    for d in discoveries:
        if not d.complete:
            continue
        for url in state.gone(d.source, set(d.pages)):
            for page in _unlisted(state, d.source, url):
                with lock:
                    index.remove_document(page.doc_id)
                state.forget_page(page.url)
                report.removed.append(page.url)
            state.unlist(d.source, url)


def _unlisted(state: SyncState, source: str, url: str) -> Iterator[PageState]:
    """The page of ``url`` when ``source`` was the last to list it and no other page
    address still maps to its document."""
    if not state.only_source(source, url):
        return
    page = state.page(url)
    if page is not None and not state.doc_shared(page.doc_id, url):
        yield page
