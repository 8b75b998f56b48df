"""Helpers shared by the test packages: a corpus on disk, an index built once, a live server,
attack payloads."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from assistant.embed import Embedder
from assistant.ingest.index import Index
from assistant.settings import Settings
from tests.ingest.helpers import write


def write_corpus(root: Path, docs: Mapping[str, str]) -> Path:
    """Write ``{relative path: text}`` under ``root``; returns ``root``."""
    for rel, text in docs.items():
        write(root / rel, text)
    return root


def build_index(settings: Settings, embedder: Embedder) -> None:
    """Ingest ``settings.corpus_dir`` into ``settings.index_dir`` and close the index
    (``Index.close`` leaves the caller's shared embedder open)."""
    idx = Index(settings, embedder=embedder)
    try:
        report = idx.ingest()
    finally:
        idx.close()
    assert report.ok, report.failed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(app: FastAPI, port: int | None = None,
                start_timeout_s: float = 30, **options: Any) -> Iterator[str]:
    """Run ``app`` under a real uvicorn on 127.0.0.1 in a thread; yields its base URL.
    ``options``: more ``uvicorn.Config`` settings (``assistant serve`` passes
    :func:`assistant.api.server.uvicorn_options`)."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)


def alias_bomb() -> str:
    """"Billion laughs": 9 levels of 9 aliases, ~360 bytes, 9^9 strings once expanded."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    prev = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [{','.join(['*' + prev] * 9)}]")
        prev = name
    return "\n".join([*lines, "name: Bomba S.r.l.", "kind: company", "founded: *i"]) + "\n"
