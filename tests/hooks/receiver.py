"""A real HTTP receiver for webhook tests: ``http.server`` in a thread on 127.0.0.1.

It verifies every request's Standard Webhooks signature with the ``standardwebhooks`` package (as
a receiver would), records what came, and answers from a script: a status code, or ``TIMEOUT`` to
hold the request longer than the sender waits. When the script runs out it repeats ``default``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

TIMEOUT = -1


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    payload: Any  # what Webhook.verify returned (the parsed JSON), None when it failed
    verified: bool
    answered: int

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


@dataclass
class Receiver:
    url: str = ""
    secret: str = ""
    script: list[int] = field(default_factory=list)
    default: int = 200
    hold_seconds: float = 2.0
    body: bytes = b'{"ok": true}'
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self) -> int:
        with self.lock:
            return self.script.pop(0) if self.script else self.default

    def verify(self, body: bytes, headers: dict[str, str]) -> tuple[bool, Any]:
        if not self.secret:
            return False, None
        try:
            return True, Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError:
            return False, None

    @property
    def ids(self) -> list[str]:
        return [r.webhook_id for r in self.received]

    @property
    def types(self) -> list[str]:
        return [json.loads(r.body)["type"] for r in self.received]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            verified, payload = receiver.verify(body, headers)
            code = receiver.answer()
            with receiver.lock:
                receiver.received.append(Received(headers, body, payload, verified, code))
            if code == TIMEOUT:
                time.sleep(receiver.hold_seconds)
                code = 200
            try:
                self.send_response(code)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(receiver.body)))
                self.end_headers()
                self.wfile.write(receiver.body)
            except OSError:  # the sender gave up waiting and closed the connection
                pass

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def running_receiver(**options: Any) -> Iterator[Receiver]:
    receiver = Receiver(**options)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
