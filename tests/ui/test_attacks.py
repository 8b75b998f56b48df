"""Attacks on the UI mounted in the API's server, replayed against a real uvicorn on
127.0.0.1 through the real Gradio endpoints (``/config``, ``/gradio_api/queue/join``,
``/gradio_api/upload``, ``/gradio_api/heartbeat``) with the payloads that worked
before they were closed. See docs/security.md, "Threat model and tests"."""

from __future__ import annotations

import shutil
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio.utils import get_upload_folder

from assistant.api import create_app
from assistant.api.limits import BAD_KEYS_PER_MINUTE
from assistant.api.server import uvicorn_options
from assistant.embed import Embedder
from assistant.facade import Assistant
from assistant.ingest.index import Index
from assistant.settings import Settings
from assistant.ui.i18n import t
from assistant.ui.staff import save_markdown
from tests.support import free_port, live_server
from tests.ui.conftest import KEYS, LiveUI
from tests.ui.gradio_events import call_event, file_data, find_event

pytestmark = pytest.mark.slow  # starts uvicorn with the UI over an indexed corpus


def _upload_event(base: str) -> int:
    return int(find_event(base, "docs-upload", "upload")["id"])


def _log_text(result: dict[str, Any]) -> str:
    """What the event answered: its output data or error, or the join's refusal."""
    output = result.get("output") or {}
    return str([result.get("success"), output.get("data"), output.get("error"),
                result.get("join_body")])


def test_ui_upload_of_a_server_path_is_refused(ui_server: LiveUI, tmp_path: Path) -> None:
    """A staff key cannot make the UI read a file outside Gradio's upload folder, so a
    server file (or a member-only corpus file) cannot be indexed and published."""
    canary = f"Canarino{uuid.uuid4().hex[:8]}"
    outside = tmp_path / f"segreto-{uuid.uuid4().hex[:6]}.md"
    outside.write_text(f"# Segreto\n\nIl codice del server è {canary}.\n", encoding="utf-8")
    member_only = ui_server.settings.corpus_dir / "articles" / f"riservato-{outside.stem}.md"
    member_only.write_text(f"---\ntitle: Riservato\nvisibility: members\n---\n"
                           f"Il verbale riservato cita {canary}.\n", encoding="utf-8")
    fn = _upload_event(ui_server.url)
    try:
        for path in (outside, member_only):
            out = call_event(ui_server.url, fn, [[file_data(str(path), path.name)], "public",
                                                 "k-staff", "it"])
            assert canary not in _log_text(out)
            doc = httpx.get(f"{ui_server.url}/v1/documents/uploads/{path.name}", timeout=30)
            assert doc.status_code == 404, doc.text
            hits = httpx.post(f"{ui_server.url}/v1/search", json={"query": canary},
                              timeout=30)
            assert hits.status_code == 200 and canary not in str(hits.json()["results"])
            served = httpx.get(f"{ui_server.url}/gradio_api/file={path}", timeout=30)
            assert served.status_code >= 400 and canary not in served.text
    finally:
        member_only.unlink()


def test_ui_upload_without_a_key_is_no_existence_oracle_and_copies_nothing(
        ui_server: LiveUI, tmp_path: Path) -> None:
    """Without a key, an existing and a missing server path give the same answer, and
    the existing file is never copied into Gradio's cache."""
    name = f"esiste-{uuid.uuid4().hex[:8]}.md"
    real = tmp_path / name
    real.write_text("# Esiste\n\ntesto\n", encoding="utf-8")
    fn = _upload_event(ui_server.url)
    outs = [call_event(ui_server.url, fn, [[file_data(str(p), "x.md")], "public", "", "it"])
            for p in (real, tmp_path / "manca" / name)]
    texts = [_log_text(o).replace(str(real), "P").replace(str(tmp_path / "manca" / name), "P")
             for o in outs]
    assert texts[0] == texts[1]
    assert "No such file" not in texts[1] and "Errno" not in texts[1]
    cache = Path(get_upload_folder())
    assert not list(cache.rglob(name))


# -- a server with small limits, started as `assistant serve` starts it ------------------
RATE = 6  # requests a minute per caller


@dataclass
class Hardened:
    url: str
    settings: Settings


@pytest.fixture(scope="module")
def hardened(tmp_path_factory: pytest.TempPathFactory, ui_base: Path,
             embedder: Embedder) -> Iterator[Hardened]:
    """API + UI with 2 places in flight, 1 s for a body, a small rate limit, 3 uploads a
    minute and a 1 s upload cache, under uvicorn with ``assistant serve``'s options."""
    work = tmp_path_factory.mktemp("ui-hardened")
    shutil.copytree(ui_base / "corpus", work / "corpus")
    shutil.copytree(ui_base / "index", work / "index")
    port = free_port()
    s = Settings(corpus_dir=work / "corpus", index_dir=work / "index", api_keys=KEYS,
                 port=port, max_inflight=2, body_timeout_s=1, rate_limit_per_minute=RATE,
                 ui_uploads_per_minute=3, ui_cache_ttl_s=1)
    assistant = Assistant(s, Index(s, embedder=embedder), None)
    try:
        with live_server(create_app(s, assistant=assistant, ui=True), port,
                         start_timeout_s=60, **uvicorn_options(s)) as url:
            yield Hardened(url, s)
    finally:
        assistant.index.close()


def _hold(url: str, request: bytes) -> socket.socket:
    """A socket that sends ``request`` and then stays open, idle."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    sock.sendall(request)
    return sock


def test_idle_heartbeats_and_slow_bodies_do_not_lock_anyone_out(hardened: Hardened) -> None:
    """With 2 places in flight, 4 open UI heartbeats and 4 trickled request bodies leave
    the API, the page and its config answering; the slow bodies are cut off with 408."""
    src = httpx.HTTPTransport(local_address="127.0.0.21")
    beats = [_hold(hardened.url, f"GET /gradio_api/heartbeat/{uuid.uuid4().hex[:11]} "
                                 "HTTP/1.1\r\nHost: x\r\n\r\n".encode()) for _ in range(4)]
    slow = [_hold(hardened.url, b"POST /v1/chat HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                b"application/json\r\nContent-Length: 500\r\n\r\n{\"mess")
            for _ in range(4)]
    try:
        time.sleep(0.3)
        with httpx.Client(base_url=hardened.url, timeout=30, transport=src) as c:
            assert c.get("/v1/me").status_code == 200
            assert c.get("/").status_code == 200
            assert c.get("/config").status_code == 200
            answer = c.post("/v1/chat", json={"messages": [
                {"role": "user", "content": "Quanto vale il bando Ponti di Innovazione?"}]})
            assert answer.status_code == 200, answer.text
        for sock in slow:
            sock.settimeout(10)
            assert sock.recv(200).startswith(b"HTTP/1.1 408")
    finally:
        for sock in beats + slow:
            sock.close()


def test_anonymous_gradio_uploads_are_rate_limited_and_expire(hardened: Hardened) -> None:
    """One address cannot fill the disk through /gradio_api/upload: past 3 a minute it
    gets 429, and what was uploaded is deleted from Gradio's cache after the TTL."""
    src = httpx.HTTPTransport(local_address="127.0.0.22")
    codes, saved = [], []
    with httpx.Client(base_url=hardened.url, timeout=30, transport=src) as c:
        for i in range(8):
            r = c.post("/gradio_api/upload",
                       files={"files": (f"f{i}-{uuid.uuid4().hex[:6]}.md", b"x" * 50_000)})
            codes.append(r.status_code)
            if r.status_code == 200:
                saved.extend(r.json())
    # 3 at once, then 429 (a slow machine may see one token refill meanwhile)
    assert codes[:3] == [200] * 3 and codes.count(200) <= 4 and 429 in codes[3:], codes
    deadline = time.monotonic() + 20
    while any(Path(p).exists() for p in saved) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert saved and not any(Path(p).exists() for p in saved)


def _access(url: str, source: str) -> str:
    """The UI's "apply key" event (it calls /v1/me) from one loopback address."""
    fn = int(find_event(url, "key-apply", "click")["id"])
    return _log_text(call_event(url, fn, ["", "it"], source=source))


def test_ui_users_have_their_own_rate_limit_and_cannot_forge_it(hardened: Hardened) -> None:
    """UI users are limited one by one (the UI signs each one's address for the API): one
    user past the limit does not lock out another. A client cannot pick its bucket
    with X-Forwarded-For or a forged end-user header."""
    anonymous, invalid = t("role_anonymous", "it"), t("role_invalid", "it")
    greedy = [_access(hardened.url, "127.0.0.31") for _ in range(RATE + 4)]
    assert anonymous in greedy[0] and invalid in greedy[-1]  # the greedy one is limited
    assert anonymous in _access(hardened.url, "127.0.0.32")  # the other one is not
    src = httpx.HTTPTransport(local_address="127.0.0.33")
    with httpx.Client(base_url=hardened.url, timeout=30, transport=src) as c:
        codes = [c.get("/v1/me", headers={
            "X-Forwarded-For": f"10.0.0.{i}",
            "X-Assistant-End-User": f"10.1.0.{i};{'0' * 64}"}).status_code
            for i in range(RATE + 2)]
    assert codes[:RATE] == [200] * RATE and codes[-1] == 429, codes


def test_wrong_keys_are_rate_limited(hardened: Hardened) -> None:
    src = httpx.HTTPTransport(local_address="127.0.0.34")
    with httpx.Client(base_url=hardened.url, timeout=30, transport=src) as c:
        codes = [c.get("/v1/me", headers={"Authorization": f"Bearer guess-{i}"}).status_code
                 for i in range(BAD_KEYS_PER_MINUTE + 5)]
    assert set(codes[:BAD_KEYS_PER_MINUTE]) == {401} and codes[-1] == 429, codes


def test_unknown_fn_index_is_a_json_error(ui_server: LiveUI) -> None:
    out = call_event(ui_server.url, 9999, [])
    assert out["join_status"] == 500 and out["join_type"].startswith("application/json")
    assert "Traceback" not in out["join_body"] and "request_id" in out["join_body"]


def test_draft_download_files_are_removed(tmp_path: Path) -> None:
    """The draft's own temporary copy does not pile up (Gradio's cached copy expires
    with the UI cache TTL)."""
    first = Path(save_markdown({"topic": "missioni", "markdown": "# Bozza"}, keep_s=0))
    assert first.exists()
    time.sleep(0.05)
    second = Path(save_markdown({"topic": "bandi", "markdown": "# Bozza"}, keep_s=0))
    assert second.exists() and not first.exists() and not first.parent.exists()
