"""Single-writer lock on the index directory.

Two writers on one embedded Chroma folder corrupt it, and a second process reading
it sees stale vectors; so exactly one process (an ingest, or the service) owns it.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class IndexLocked(RuntimeError):
    """Another process owns the index directory."""


class IndexLock:
    """An exclusive, non-blocking ``flock`` on ``<index>/.lock``; released on exit or crash."""

    def __init__(self, index_dir: Path) -> None:
        self.path = index_dir / ".lock"
        self._fd: int | None = None

    def acquire(self) -> IndexLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise IndexLocked(
                f"the index at {self.path.parent} is in use by another process ({holder}); "
                "stop it first, or use the running service's /v1/documents API") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}".encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> IndexLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
