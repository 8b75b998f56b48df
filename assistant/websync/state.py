"""The sync state: what each page looked like last time, which source lists it, the runs.

A small SQLite file beside the manifest (``index_dir/websync.sqlite``). It is a
cache and a ledger, never the index's source of truth: losing it costs one full
re-fetch (pages are then recognised as unchanged by their content hash in the
manifest, so nothing is embedded again).

* ``pages``: per page URL, the document id it became, the validators of the last
  good response (``ETag``/``Last-Modified``), the hash of the body and of the
  extracted document, and the visibility it was indexed with;
* ``listed``: which source (sitemap, feed, page) listed which page URL; ``--prune``
  removes the pages no source lists any more;
* ``runs``: one JSON report per sync run (``GET /v1/sync`` shows the last one).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
  url TEXT PRIMARY KEY, doc_id TEXT NOT NULL, etag TEXT, last_modified TEXT,
  body_hash TEXT NOT NULL DEFAULT '', doc_hash TEXT NOT NULL DEFAULT '',
  visibility TEXT NOT NULL DEFAULT 'public');
CREATE TABLE IF NOT EXISTS listed (
  source TEXT NOT NULL, url TEXT NOT NULL, PRIMARY KEY (source, url));
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT, report TEXT NOT NULL);
"""
STATE_FILE = "websync.sqlite"


@dataclass
class PageState:
    """What the last successful sync of a page URL recorded."""

    url: str
    doc_id: str
    etag: str | None
    last_modified: str | None
    body_hash: str
    doc_hash: str
    visibility: str


class SyncState:
    """The sync-state file of one index directory; thread-safe."""

    def __init__(self, index_dir: Path) -> None:
        index_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self.db = sqlite3.connect(index_dir / STATE_FILE, check_same_thread=False, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(SCHEMA)

    def page(self, url: str) -> PageState | None:
        with self._lock:
            row = self.db.execute("SELECT url, doc_id, etag, last_modified, body_hash, doc_hash,"
                                  " visibility FROM pages WHERE url=?", (url,)).fetchone()
        return PageState(*row) if row else None

    def save_page(self, page: PageState) -> None:
        with self._lock, self.db:
            self.db.execute("REPLACE INTO pages VALUES (?,?,?,?,?,?,?)",
                            (page.url, page.doc_id, page.etag, page.last_modified,
                             page.body_hash, page.doc_hash, page.visibility))

    def forget_page(self, url: str) -> None:
        with self._lock, self.db:
            self.db.execute("DELETE FROM pages WHERE url=?", (url,))

    def doc_shared(self, doc_id: str, url: str) -> bool:
        """True if a page URL other than ``url`` maps to ``doc_id`` (one canonical URL)."""
        with self._lock:
            row = self.db.execute("SELECT 1 FROM pages WHERE doc_id=? AND url<>?",
                                  (doc_id, url)).fetchone()
        return row is not None

    # -- which source lists which page ---------------------------------------------------
    def add_listed(self, source: str, urls: Iterable[str]) -> None:
        """Record that ``source`` lists ``urls`` (before any page is written, so a crash
        after a write still knows where the page came from)."""
        with self._lock, self.db:
            self.db.executemany("INSERT OR IGNORE INTO listed VALUES (?,?)",
                                [(source, u) for u in urls])

    def gone(self, source: str, urls: set[str]) -> list[str]:
        """Page URLs ``source`` listed before and lists no more."""
        with self._lock:
            rows = self.db.execute("SELECT url FROM listed WHERE source=?", (source,)).fetchall()
        return sorted(r[0] for r in rows if r[0] not in urls)

    def only_source(self, source: str, url: str) -> bool:
        """True if no source other than ``source`` lists ``url``."""
        with self._lock:
            row = self.db.execute("SELECT 1 FROM listed WHERE url=? AND source<>?",
                                  (url, source)).fetchone()
        return row is None

    def unlist(self, source: str, url: str) -> None:
        with self._lock, self.db:
            self.db.execute("DELETE FROM listed WHERE source=? AND url=?", (source, url))

    # -- runs ------------------------------------------------------------------------------
    def save_run(self, report: dict[str, Any]) -> None:
        with self._lock, self.db:
            self.db.execute("INSERT INTO runs (report) VALUES (?)",
                            (json.dumps(report, ensure_ascii=False),))
            self.db.execute("DELETE FROM runs WHERE id <= (SELECT MAX(id) FROM runs) - 50")

    def last_run(self) -> dict[str, Any] | None:
        with self._lock:
            row = self.db.execute("SELECT report FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        return json.loads(row[0]) if row else None

    def close(self) -> None:
        self.db.close()
