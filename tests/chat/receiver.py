"""A real HTTP server standing in for a Slack or Teams webhook URL: ``http.server`` in a thread on
127.0.0.1. It records every body (parsed JSON), and answers from a script: a status code, or
``TIMEOUT`` to hold the request longer than the sender waits. When the script runs out it answers
``default`` with ``body`` (Slack's ``ok``)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TIMEOUT = -1


@dataclass
class Channel:
    url: str = ""
    script: list[int] = field(default_factory=list)
    default: int = 200
    body: bytes = b"ok"
    hold_seconds: float = 1.5
    bodies: list[Any] = field(default_factory=list)
    content_types: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self) -> int:
        with self.lock:
            return self.script.pop(0) if self.script else self.default

    def fail(self, *codes: int) -> None:
        with self.lock:
            self.script.extend(codes)


def _handler(channel: Channel) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("content-length") or 0))
            code = channel.answer()
            with channel.lock:
                channel.bodies.append(json.loads(raw))
                channel.content_types.append(self.headers.get("content-type") or "")
            if code == TIMEOUT:
                time.sleep(channel.hold_seconds)
                code = 200
            answer = channel.body if 200 <= code < 300 else b"invalid_payload"
            try:
                self.send_response(code)
                self.send_header("content-type", "text/plain")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except OSError:  # the sender gave up waiting and closed the connection
                pass

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def running_channel(**options: Any) -> Iterator[Channel]:
    channel = Channel(**options)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(channel))
    server.daemon_threads = True
    channel.url = f"http://127.0.0.1:{server.server_address[1]}/services/T000/B000/secretXYZ9"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield channel
    finally:
        server.shutdown()
        server.server_close()
