"""``assistant serve`` as a real process: starts, answers, holds the lock, stops cleanly."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from assistant.stores.lock import IndexLock
from tests.api.conftest import KEYS
from tests.support import free_port

ASSISTANT = Path(sys.executable).parent / "assistant"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env["ASSISTANT_API_KEYS"] = json.dumps(KEYS)
    return env


def _wait_ready(url: str, proc: subprocess.Popen[bytes], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited: {proc.stderr.read().decode()[-2000:]}"
                                 if proc.stderr else "serve exited")
        try:
            if httpx.get(f"{url}/readyz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError("service not ready in time")


def test_serve_starts_answers_and_holds_the_index(tmp_path: Path, api_base: Path) -> None:
    shutil.copytree(api_base / "index", tmp_path / "index")
    shutil.copytree(api_base / "corpus", tmp_path / "corpus")
    port = free_port()
    args = [str(ASSISTANT), "serve", "--no-ui", "--index", str(tmp_path / "index"),
            "--corpus", str(tmp_path / "corpus")]
    proc = subprocess.Popen([*args, "--port", str(port)], env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, proc)
        assert httpx.get(f"{url}/docs").status_code == 200
        r = httpx.post(f"{url}/v1/chat", timeout=30, json={"messages": [
            {"role": "user", "content": "Quanto vale il bando Ponti di Innovazione?"}]})
        assert r.status_code == 200 and "1,2 milioni" in r.json()["answer"]
        r = httpx.get(f"{url}/v1/documents", headers={"Authorization": "Bearer k-staff"})
        assert r.status_code == 200  # keys come from ASSISTANT_API_KEYS

        second = subprocess.run([*args, "--port", str(free_port())], env=_env(),
                                capture_output=True, timeout=60)
        assert second.returncode == 3
        assert "in use by another process" in " ".join(second.stderr.decode().split())
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
    assert proc.returncode == 0
    IndexLock(tmp_path / "index").acquire().release()  # released: IndexLocked otherwise
