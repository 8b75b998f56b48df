"""Call the UI's Gradio events the way an attacker does: ``/config`` to find the event,
``POST /gradio_api/queue/join`` with a chosen payload, then the SSE stream of
``/gradio_api/queue/data`` until the event completes."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx


def find_event(base: str, elem_id: str, trigger: str) -> dict[str, Any]:
    """The dependency fired by ``trigger`` on the component with ``elem_id``."""
    config = httpx.get(f"{base}/config", timeout=30).json()
    ids = {c["id"]: c.get("props", {}).get("elem_id") for c in config["components"]}
    for dep in config["dependencies"]:
        if any(ids.get(t[0]) == elem_id and t[1] == trigger for t in dep["targets"]):
            return dict(dep)
    raise LookupError(f"no {trigger} event on #{elem_id}")


def call_event(base: str, fn_index: int, data: list[Any], timeout: float = 60.0,
               trigger_id: int | None = None, source: str = "127.0.0.1") -> dict[str, Any]:
    """Join the queue with ``data`` and return the final ``process_completed`` message
    (or the join response's error, as ``{"join_status": ..., "join_body": ...}``).
    ``source``: the loopback address to connect from (another "user" of the UI)."""
    session = uuid.uuid4().hex[:11]
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(base_url=base, timeout=timeout, transport=transport) as c:
        joined = c.post("/gradio_api/queue/join", json={
            "data": data, "fn_index": fn_index, "session_hash": session,
            "event_data": None, "trigger_id": trigger_id})
        if joined.status_code != 200:
            return {"join_status": joined.status_code, "join_body": joined.text,
                    "join_type": joined.headers.get("content-type", "")}
        with c.stream("GET", "/gradio_api/queue/data",
                      params={"session_hash": session}) as resp:
            for line in resp.iter_lines():
                if not line.startswith("data:"):
                    continue
                msg = json.loads(line[5:])
                if msg.get("msg") == "process_completed":
                    return dict(msg)
    raise AssertionError("the event never completed")


def file_data(path: str, name: str = "x.md") -> dict[str, Any]:
    """A ``FileData`` payload pointing at ``path`` (what the browser sends after an upload)."""
    return {"path": path, "orig_name": name, "meta": {"_type": "gradio.FileData"}}
