"""A webhook receiver for tests: a real HTTP server on 127.0.0.1 (in a thread) that records
what it gets, answers what the test tells it, and verifies signatures the way the README
tells receivers to."""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The README's receiver code: HMAC-SHA256 of `{id}.{timestamp}.{body}` with the bytes
    of the secret after `whsec_`, compared in constant time with each `v1,` signature."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        hmac.compare_digest(expected, part.split(",", 1)[1])
        for part in headers["webhook-signature"].split(" ")
        if part.startswith("v1,")
    )


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    port: int = 0  # 0: any free port
    delay: float = 0.0  # seconds before answering
    received: list[Received] = field(default_factory=list)
    # Status codes to answer, in turn; the last one is kept (200 when empty).
    answers: list[int] = field(default_factory=list)
    extra_headers: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def ids(self) -> list[str]:
        with self.lock:
            return [r.headers["webhook-id"] for r in self.received]

    def _answer(self) -> int:
        with self.lock:
            if len(self.answers) > 1:
                return self.answers.pop(0)
            return self.answers[0] if self.answers else 200


@contextmanager
def running_receiver(receiver: Receiver | None = None) -> Iterator[Receiver]:
    state = receiver or Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            if state.delay:
                time.sleep(state.delay)
            with state.lock:
                state.received.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
            status = state._answer()
            self.send_response(status)
            for name, value in state.extra_headers.items():
                self.send_header(name, value)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", state.port), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
