"""Answers given and the feedback on them, in one SQLite file.

Each answer is recorded with its id when it is produced, so feedback always refers
to a known answer (and to the question and text it judged), and bad answers can be
reviewed later without server logs.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

from assistant.models import Answer, Caller

SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
  answer_id TEXT PRIMARY KEY, created REAL NOT NULL, key_id TEXT NOT NULL,
  role TEXT NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL, grounded INTEGER NOT NULL,
  mode TEXT NOT NULL, degraded INTEGER NOT NULL, citations TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS feedback (
  feedback_id INTEGER PRIMARY KEY AUTOINCREMENT, answer_id TEXT NOT NULL
  REFERENCES answers(answer_id), created REAL NOT NULL, key_id TEXT NOT NULL,
  rating TEXT NOT NULL CHECK (rating IN ('up', 'down')), comment TEXT);
CREATE INDEX IF NOT EXISTS feedback_answer ON feedback(answer_id);
"""


class FeedbackStore:
    """Thread-safe (one connection behind a lock); writes are small and few per request."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self.db = sqlite3.connect(path, check_same_thread=False, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")  # losing the last answers on power loss is ok
        self.db.executescript(SCHEMA)

    def record_answer(self, answer_id: str, caller: Caller, question: str, ans: Answer) -> None:
        cites = json.dumps([{"n": c.n, "doc_id": c.doc_id, "chunk_id": c.chunk_id}
                            for c in ans.citations])
        with self._lock, self.db:
            self.db.execute("INSERT INTO answers VALUES (?,?,?,?,?,?,?,?,?,?)",
                            (answer_id, time.time(), caller.key_id, caller.role, question,
                             ans.text, int(ans.grounded), ans.mode, int(ans.degraded), cites))

    def add_feedback(self, answer_id: str, rating: str, comment: str | None,
                     caller: Caller) -> int | None:
        """The new feedback id, or None when ``answer_id`` is not a recorded answer."""
        with self._lock, self.db:
            known = self.db.execute("SELECT 1 FROM answers WHERE answer_id=?",
                                    (answer_id,)).fetchone()
            if known is None:
                return None
            cur = self.db.execute(
                "INSERT INTO feedback (answer_id, created, key_id, rating, comment) "
                "VALUES (?,?,?,?,?)", (answer_id, time.time(), caller.key_id, rating, comment))
            return int(cur.lastrowid or 0)

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self.db.execute("SELECT rating, COUNT(*) FROM feedback GROUP BY rating")
            return {r: n for r, n in rows}

    def close(self) -> None:
        with self._lock:
            self.db.close()
