"""A webhook receiver for the sandbox's tests: a small HTTP server that records what it gets and answers with the
statuses it is told to (then 200)."""

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Received:
    body: bytes
    headers: dict[str, str]


@dataclass
class WebhookReceiver:
    url: str = ""
    received: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # answered in order before falling back to 200
    hold: Callable[[dict], None] | None = None  # called with each event after it is recorded, before answering

    def events(self, event_name: str | None = None) -> list[dict]:
        import json

        found = [json.loads(r.body) for r in self.received]
        return [e for e in found if event_name is None or e.get("event_name") == event_name]


@pytest.fixture
def webhook_receiver():
    receiver = WebhookReceiver()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with lock:
                receiver.received.append(Received(body, {k.lower(): v for k, v in self.headers.items()}))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
            if receiver.hold is not None:
                import json

                receiver.hold(json.loads(body))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_port}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()
