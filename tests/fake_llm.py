"""A small OpenAI-compatible chat server on 127.0.0.1 for tests.

It speaks enough of the API for the official ``openai`` client: ``GET /v1/models``,
``POST /v1/chat/completions`` with and without ``stream``. Behaviour is set per
test: a fixed reply or a function of the request, ``hang`` (sleep past the
client's timeout) or ``fail`` (HTTP 500). Every request body is recorded.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = str | Callable[[dict[str, Any]], str]


class FakeLLM:
    def __init__(self) -> None:
        self.reply: Reply = "Risposta di prova [1]."
        self.mode = "ok"  # ok | hang | fail | fail_midstream
        self.hang_s = 5.0
        self.requests: list[dict[str, Any]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> FakeLLM:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def text_for(self, body: dict[str, Any]) -> str:
        return self.reply(body) if callable(self.reply) else self.reply

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, code: int, obj: Any) -> None:
                data = json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                if fake.mode == "fail":
                    return self._json(500, {"error": {"message": "boom"}})
                self._json(200, {"object": "list", "data": [
                    {"id": "fake-model", "object": "model", "created": 0, "owned_by": "t"}]})

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append(body)
                if fake.mode == "hang":
                    time.sleep(fake.hang_s)
                if fake.mode == "fail":
                    return self._json(500, {"error": {"message": "internal error"}})
                text = fake.text_for(body)
                if body.get("stream"):
                    return self._stream(text)
                self._json(200, {
                    "id": "chatcmpl-1", "object": "chat.completion", "created": 0,
                    "model": body.get("model", "fake"),
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": text}}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})

            def _stream(self, text: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                pieces = [text[i:i + 4] for i in range(0, len(text), 4)]
                for i, piece in enumerate(pieces):
                    if fake.mode == "fail_midstream" and i == len(pieces) // 2:
                        self.wfile.flush()
                        self.connection.close()
                        return
                    chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 0,
                             "model": "fake", "choices": [{"index": 0, "finish_reason": None,
                                                           "delta": {"content": piece}}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                end = {"id": "c1", "object": "chat.completion.chunk", "created": 0,
                       "model": "fake", "choices": [{"index": 0, "finish_reason": "stop",
                                                     "delta": {}}]}
                self.wfile.write(f"data: {json.dumps(end)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

        return Handler
