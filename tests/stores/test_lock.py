"""The single-writer lock on the index directory: refused while held, gone with its holder."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.embed import Embedder
from assistant.ingest.index import Index
from assistant.settings import Settings
from assistant.stores.lock import IndexLock, IndexLocked
from assistant.stores.manifest import Manifest
from tests.ingest.helpers import cli_env, md, run_cli, write

HOLDER = """
import sys, time
from pathlib import Path
from assistant.stores.lock import IndexLock
IndexLock(Path(sys.argv[1])).acquire()
print("locked", flush=True)
time.sleep(120)
"""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    write(tmp_path / "corpus/a.md", md("Il cluster apre le iscrizioni al forum.", title="Forum"))
    return Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")


def test_second_index_in_process_is_refused(settings: Settings, embedder: Embedder) -> None:
    first = Index(settings, embedder=embedder)
    try:
        with pytest.raises(IndexLocked) as exc:
            Index(settings, embedder=embedder)
        msg = str(exc.value)
        assert str(settings.index_dir) in msg
        assert f"pid {os.getpid()}" in msg
        assert "in use by another process" in msg
        first.ingest()  # the holder is unaffected by the refused attempt
    finally:
        first.close()
    second = Index(settings, embedder=embedder)  # released on close
    try:
        assert second.ingest().unchanged == 1
    finally:
        second.close()


def test_lock_object_semantics(tmp_path: Path) -> None:
    lock = IndexLock(tmp_path / "idx")
    with lock:
        assert (tmp_path / "idx/.lock").read_text() == f"pid {os.getpid()}"
        with pytest.raises(IndexLocked):
            IndexLock(tmp_path / "idx").acquire()
    lock.release()  # idempotent
    IndexLock(tmp_path / "idx").acquire().release()


def test_server_mode_takes_no_local_lock(tmp_path: Path) -> None:
    # with a Chroma server the folder holds no Chroma data; the server serialises writers
    s = Settings(corpus_dir=tmp_path, index_dir=tmp_path / "idx", chroma_host="127.0.0.1",
                 chroma_port=1)
    with IndexLock(s.index_dir), pytest.raises(Exception) as exc:
        Index(s, embedder=Embedder(None))
    assert not isinstance(exc.value, IndexLocked)  # it got past the lock, to the server


def test_failed_open_releases_the_lock(settings: Settings, embedder: Embedder) -> None:
    settings.index_dir.mkdir(parents=True)
    (settings.index_dir / "manifest.sqlite").write_bytes(b"this is not a database" * 100)
    with pytest.raises(sqlite3.DatabaseError):
        Index(settings, embedder=embedder)
    IndexLock(settings.index_dir).acquire().release()


def test_lock_held_by_another_process_then_killed(settings: Settings,
                                                  embedder: Embedder) -> None:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(settings.index_dir)],
                            stdout=subprocess.PIPE, text=True, env=cli_env())
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        with pytest.raises(IndexLocked, match=f"pid {proc.pid}"):
            Index(settings, embedder=embedder)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    idx = Index(settings, embedder=embedder)  # the kernel dropped the dead holder's lock
    try:
        assert idx.ingest().added == ["a.md"]
    finally:
        idx.close()


def test_cli_refuses_a_locked_index_with_exit_3(settings: Settings, tmp_path: Path) -> None:
    with IndexLock(settings.index_dir):
        res = run_cli("ingest", "--corpus", settings.corpus_dir, "--index", settings.index_dir,
                      cwd=tmp_path)
    assert res.returncode == 3, res.stderr
    err = " ".join(res.stderr.split())
    assert "error:" in err and "in use by another process" in err
    assert f"pid {os.getpid()}" in err
    assert not (settings.index_dir / "manifest.sqlite").exists()  # refused before any write


def test_cli_stats_on_a_locked_index_exits_3(settings: Settings) -> None:
    from typer.testing import CliRunner

    from assistant.cli import app

    Manifest(settings.index_dir / "manifest.sqlite").close()  # an index exists
    with IndexLock(settings.index_dir):
        res = CliRunner().invoke(app, ["stats", "--index", str(settings.index_dir)])
    assert res.exit_code == 3
    assert "in use by another process" in " ".join(res.output.split())
