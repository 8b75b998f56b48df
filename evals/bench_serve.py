"""Service figures: time from ``make run`` to the first answer, and peak RSS.

``make run`` is ``assistant ingest`` (incremental) followed by ``assistant serve``.
Both are run as subprocesses on a copy of an already-built index (so the venv and
pip cache are warm and nothing needs embedding); ``POST /v1/chat`` is polled until
the first 200. Peak RSS is the service process's ``VmHWM`` after it has answered
every distinct golden question once.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from evals.answers import load_questions
from evals.bench_ingest import IngestBench, Row

FIRST_ANSWER_TIMEOUT_S = 180.0
QUESTION = "Quanti pazienti arruolerà lo studio CondroRegen?"


def _script() -> Path | None:
    """The ``assistant`` console script of this venv, when it has a serve command."""
    exe = Path(sys.executable).with_name("assistant")
    if not exe.exists():
        return None
    try:
        from assistant.cli import app

        names = {c.name or (c.callback.__name__ if c.callback else "")
                 for c in app.registered_commands}
    except Exception:  # the CLI itself may be mid-change: then there is no serve to bench
        return None
    return exe if "serve" in names else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _chat(url: str, question: str, timeout: float = 30.0) -> int:
    body = json.dumps({"messages": [{"role": "user", "content": question}]}).encode()
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            resp.read()
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def peak_rss_mb(pid: int | str = "self") -> float | None:
    """A process's peak RSS (``VmHWM``), None where /proc does not say.

    Not ``ru_maxrss``: Linux carries a parent's peak over ``exec`` into it, so a
    child of a big benchmark process would report its parent.
    """
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _env(ing: IngestBench, index: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ASSISTANT_") and k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    return env | {"ASSISTANT_CORPUS_DIR": str(ing.corpus), "ASSISTANT_INDEX_DIR": str(index),
                  "ASSISTANT_PORT": str(port), "GRADIO_ANALYTICS_ENABLED": "False",
                  "ANONYMIZED_TELEMETRY": "False", "HF_HUB_OFFLINE": "1"}


def _wait_first_answer(proc: subprocess.Popen[bytes], url: str) -> bool:
    deadline = time.monotonic() + FIRST_ANSWER_TIMEOUT_S
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if _chat(url, QUESTION) == 200:
                return True
        except (OSError, urllib.error.URLError):
            pass  # not listening yet
        time.sleep(0.1)
    return False


def bench_serve(ing: IngestBench, workdir: Path) -> list[Row]:
    """Rows for time-to-first-answer and peak RSS (``n/a`` rows when not possible)."""
    exe = _script()
    if exe is None:
        return [("time from make run to first answer (s)", "n/a (no serve command)",
                 "`assistant serve` is not available in this build"),
                ("peak RSS of the service (MB)", "n/a (no serve command)", "")]
    index, port = workdir / "index", _free_port()
    shutil.rmtree(workdir, ignore_errors=True)
    shutil.copytree(ing.index, index, ignore=shutil.ignore_patterns(".lock"))
    env, url = _env(ing, index, port), f"http://127.0.0.1:{port}/v1/chat"
    log = (workdir / "serve.log").open("wb")
    t0 = time.perf_counter()
    subprocess.run([str(exe), "ingest"], env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    t_ingest = time.perf_counter() - t0
    proc = subprocess.Popen([str(exe), "serve", "--port", str(port)], env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        ok = _wait_first_answer(proc, url)
        first = time.perf_counter() - t0
        if not ok:
            tail = (workdir / "serve.log").read_text(errors="replace")[-300:]
            return [("time from make run to first answer (s)", "failed",
                     f"no 200 from POST /v1/chat within {FIRST_ANSWER_TIMEOUT_S:.0f} s: {tail}")]
        asked = {q.question for q in load_questions(split="all")}
        codes = [_chat(url, q, timeout=60) for q in sorted(asked)]
        rss = peak_rss_mb(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
    return [
        ("time from make run to first answer (s)", f"{first:.1f}",
         f"`assistant ingest` on the unchanged demo corpus ({t_ingest:.1f} s, warm venv/pip "
         "cache, index already built) then `assistant serve`, polling POST /v1/chat every "
         "0.1 s until the first 200"),
        ("peak RSS of the service (MB)", f"{rss:.0f}" if rss is not None else "n/a",
         f"VmHWM of the `assistant serve` process after {len(codes)} POST /v1/chat "
         f"({sum(c == 200 for c in codes)} answered 200), one worker"),
    ]
