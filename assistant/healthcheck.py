"""Start-up integrity check of the index, and the classification of storage failures.

``assistant check`` (and ``assistant serve`` before it starts, in a subprocess so a
crash inside a native library on a damaged file cannot take the service with it)
verifies that the manifest, the Chroma store and the BM25 tiers agree:

* exit 0: healthy (a damaged BM25 tier is derived data: it is rebuilt from the
  manifest and reported);
* exit 4 (:data:`EXIT_DAMAGED`): the manifest or the Chroma store is damaged or
  out of step; restarting cannot help (use ``RestartPreventExitStatus=4``);
* exit 1: the Chroma server cannot be reached (transient: a restart may help);
* exit 3: another process holds the index.
"""

from __future__ import annotations

import errno
import json
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.models import VISIBILITIES
from assistant.settings import Settings

EXIT_LOCKED = 3
EXIT_DAMAGED = 4
EXIT_WRITE_FAILED = 5
TIERS: tuple[tuple[str, ...], ...] = (("public",), ("public", "members"))
_WRITE_ERRNOS = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EIO, errno.EROFS}
_WRITE_WORDS = ("disk i/o error", "database or disk is full", "no space left",
                "file too large", "readonly database", "disk quota")
ADVICE = ("restore the index folder from a backup, or rebuild it from the corpus with "
          "`assistant ingest --rebuild` (the embedding cache is kept)")


class IndexDamaged(RuntimeError):
    """The index cannot be trusted; the message says which part and why."""


def _chain(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in out and len(out) < 10:
        out.append(cur)
        cur = cur.__cause__ or cur.__context__
    return out


def store_unavailable(exc: BaseException) -> str | None:
    """A user-facing reason if ``exc`` means the Chroma server is unreachable, else None."""
    import httpx

    for e in _chain(exc):
        if isinstance(e, httpx.TimeoutException):
            return "the vector store (Chroma server) did not answer in time; retry shortly"
        if isinstance(e, httpx.TransportError | ConnectionError):
            return "the vector store (Chroma server) is not reachable; retry shortly"
    return None


def write_failure(exc: BaseException) -> str | None:
    """A clear message if ``exc`` is a failed write to the index (disk full, file size
    limit, I/O error, read-only file system), else None.

    Chroma's embedded engine reports such failures as an ``InternalError`` whose text
    does not always say why (e.g. "Failed to apply logs to the metadata segment"):
    during an ingest any such error is a storage failure.
    """
    from chromadb.errors import InternalError

    for e in _chain(exc):
        if isinstance(e, OSError) and e.errno in _WRITE_ERRNOS:
            return f"writing the index failed: {e.strerror or e}"
        text = " ".join(str(e).split())[:200]
        if any(w in text.lower() for w in _WRITE_WORDS):
            return f"writing the index failed: {text}"
        if isinstance(e, InternalError):
            return (f"writing the index failed in the vector store ({text}); "
                    "is the disk full or the index folder not writable?")
    return None


@dataclass
class CheckReport:
    """What the check found: ``notes`` are things repaired or harmless."""

    notes: list[str] = field(default_factory=list)
    chunks: int = 0


def _check_sqlite(path: Path, what: str) -> None:
    if not path.is_file():
        return
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        try:
            row = db.execute("PRAGMA quick_check").fetchone()
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        raise IndexDamaged(f"{what} ({path}) is damaged: {exc}") from exc
    if row is None or row[0] != "ok":
        raise IndexDamaged(f"{what} ({path}) failed its integrity check: {row}")


def _saved_tier_ok(path: Path) -> bool:
    """True if a persisted BM25 tier is missing (nothing to repair) or loads."""
    import bm25s

    if not path.exists():
        return True
    try:
        json.loads((path / "assistant.json").read_text())
        bm25s.BM25.load(str(path), show_progress=False)
    except Exception:  # any failure to load means damaged; the tier is rebuilt
        return False
    return True


def _compare(index: Any) -> int:
    """Every chunk of a finished document has its vector, in the right partition."""
    docs = index.manifest.docs()
    done = {d for d, r in docs.items() if r.status == "done"}
    rows = [r for r in index.manifest.iter_chunks() if r.doc_id in done]
    for vis in VISIBILITIES:
        want = {r.chunk_id for r in rows if r.visibility == vis}
        have = index.vectors.ids(vis)
        missing = want - have
        if missing:
            raise IndexDamaged(f"the vector store lacks {len(missing)} of the {len(want)} "
                               f"'{vis}' chunks the manifest lists (e.g. {min(missing)!r})")
        if want:  # touch the vector index itself, not only the metadata
            probe = [0.0] * 383 + [1.0]
            index.vectors.collections[vis].query(query_embeddings=[probe], n_results=1)
    return len(rows)


def check_index(settings: Settings) -> CheckReport:
    """Open the index like the service does and verify it; raises :class:`IndexDamaged`."""
    from assistant.ingest.index import Index

    report = CheckReport()
    embedded = not settings.chroma_host
    if embedded and not (settings.index_dir / "manifest.sqlite").exists():
        report.notes.append(f"no index yet at {settings.index_dir}: nothing to check")
        return report
    if embedded:
        _check_sqlite(settings.index_dir / "manifest.sqlite", "the manifest")
        _check_sqlite(settings.index_dir / "chroma" / "chroma.sqlite3", "the Chroma database")
    bad_tiers = [vis for vis in TIERS if embedded and not _saved_tier_ok(
        settings.index_dir / ("bm25_" + "+".join(vis)))]
    try:
        index = Index(settings)
    except sqlite3.DatabaseError as exc:
        raise IndexDamaged(f"the index cannot be opened: {exc}") from exc
    try:
        report.chunks = _compare(index)
        for vis in TIERS:
            tier = index.lexical.tier(vis)  # a damaged saved tier is rebuilt here
            if tier.ids and (tier.bm25 is None or tier.bm25.scores["num_docs"] != len(tier.ids)):
                raise IndexDamaged(f"the BM25 tier {'+'.join(vis)} could not be rebuilt")
        report.notes += [f"BM25 tier {'+'.join(v)} was damaged: rebuilt from the manifest"
                         for v in bad_tiers]
    finally:
        index.close()
    return report


def check_in_subprocess(settings: Settings, timeout_s: float = 300) -> tuple[int, str]:
    """Run ``assistant check`` on ``settings.index_dir`` in a child process.

    Returns (exit code, last lines of its output); a child killed by a signal (a
    native crash on a damaged file) counts as a damaged index.
    """
    cmd = [sys.executable, "-m", "assistant.healthcheck", "--index", str(settings.index_dir)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s,
                              check=False)
    except subprocess.TimeoutExpired:
        return EXIT_DAMAGED, f"the index check did not finish within {timeout_s:g} s"
    text = " ".join((proc.stderr or proc.stdout).split())[-600:]
    if proc.returncode < 0:
        return EXIT_DAMAGED, (f"the index check crashed (signal {-proc.returncode}): the "
                              f"index at {settings.index_dir} is damaged; {ADVICE}")
    return proc.returncode, text


def run_check(settings: Settings) -> tuple[int, str, CheckReport]:
    """:func:`check_index` classified: (exit code, one-line message, report)."""
    from assistant.stores.lock import IndexLocked

    code, message, report = 0, "index ok", CheckReport()
    try:
        report = check_index(settings)
        message = f"index ok: {report.chunks} chunks"
    except IndexLocked as exc:
        code, message = EXIT_LOCKED, str(exc)
    except IndexDamaged as exc:
        code, message = EXIT_DAMAGED, f"index damaged: {exc}; {ADVICE}"
    except Exception as exc:  # classify what we can, report the rest as damage
        reason = store_unavailable(exc)
        code = 1 if reason else EXIT_DAMAGED
        message = reason or f"index damaged: {type(exc).__name__}: {exc}; {ADVICE}"
    return code, message, report


def main() -> None:  # pragma: no cover - ``python -m assistant.healthcheck --index DIR``
    """The child process of :func:`check_in_subprocess`: message on stderr, exit code."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m assistant.healthcheck")
    parser.add_argument("--index", type=Path, required=True)
    args = parser.parse_args()
    settings = Settings().model_copy(update={"index_dir": args.index})  # type: ignore[call-arg]
    code, message, report = run_check(settings)
    for note in report.notes:
        print(f"repaired {note}", file=sys.stderr)
    print(message if code == 0 else f"error: {message}", file=sys.stderr)
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
