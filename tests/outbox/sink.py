"""A real HTTP provider stand-in for outbox tests, and the channel types that talk to it.

The sink records every message it accepts with the time it arrived, answers like a provider would (ids,
5xx, timeouts, "rate limited", "not a follower"), dedupes template sends by tracking id as Zalo ZBS does, and
lets a channel type look a message up by key (find_sent). Channel types here are registered only in tests.
"""

import datetime as dt
import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import httpx

from ketnoi.channels.types.base import ChannelType, ErrorKind, SendError, SendResult, WindowState


class Sink:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.accepted: list[dict] = []  # every message the provider took, with "at" (epoch seconds)
        self.requests = 0
        self.fail_5xx = 0  # answer the next N sends with 503
        self.hang = 0  # let the next N sends time out (the client gives up, nothing is recorded)
        self.accept_then_hang = 0  # take the next N sends, then time out: the sender cannot know it worked
        self.rate_limited = 0  # answer the next N sends with "rate limited"
        self.token_refused = 0  # answer the next N sends with "access token invalid" (after the adapter's refresh)
        self.limit_per_minute = 0  # like Zalo's quota: refuse beyond N accepted in the last 60 s
        self.not_followers: set[str] = set()
        self.unknown_phones: set[str] = set()
        self.delay = 0.0
        server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        server.daemon_threads = True
        self.server = server
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        self.thread = threading.Thread(target=server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def counts(self) -> Counter:
        with self.lock:
            return Counter(m["key"] for m in self.accepted)

    def max_in_window(self, seconds: float = 60.0) -> int:
        times = sorted(m["at"] for m in self.accepted)
        best, start = 0, 0
        for end, t in enumerate(times):
            while t - times[start] >= seconds:
                start += 1
            best = max(best, end - start + 1)
        return best

    def _answer(self, body: dict) -> tuple[int, dict, dict]:
        with self.lock:
            self.requests += 1
            if self.hang:
                self.hang -= 1
                return -1, {}, {}
            if self.accept_then_hang and body.get("kind") != "template":
                self.accept_then_hang -= 1
                self.accepted.append({**body, "at": time.time(), "id": f"m{len(self.accepted) + 1}"})
                return -1, {}, {}
            if self.fail_5xx:
                self.fail_5xx -= 1
                return 503, {"error": "unavailable"}, {}
            if self.token_refused:
                self.token_refused -= 1
                return 200, {"error": -216, "message": "Access token is invalid"}, {}
            if self.rate_limited:
                self.rate_limited -= 1
                return 200, {"error": -32, "message": "Your application reached limit call api"}, {}
            now = time.time()
            if self.limit_per_minute and sum(1 for m in self.accepted if now - m["at"] < 60) >= self.limit_per_minute:
                return 200, {"error": -32, "message": "Your application reached limit call api"}, {}
            if body.get("kind") == "template":
                if body.get("phone") in self.unknown_phones:
                    return 200, {"error": -108, "message": "Phone number is invalid"}, {}
                for m in self.accepted:
                    if m["key"] == body["key"]:  # tracking_id: the provider keeps one copy
                        return 200, {"error": 0, "id": m["id"]}, {}
            elif body.get("user_id") in self.not_followers:
                return 200, {"error": -213, "message": "User has not followed OA"}, {}
            message = {**body, "at": now, "id": f"m{len(self.accepted) + 1}"}
            self.accepted.append(message)
            return 200, {"error": 0, "id": message["id"], "cost": body.get("cost", 0)}, {}

    def _handler(self):
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                return

            def _reply(self, status: int, data: dict) -> None:
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_POST(self):
                length = int(self.headers["Content-Length"])
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw) if len(raw) == length else {}
                except ValueError:
                    body = {}
                if "key" not in body:  # a request cut off mid-way (a sender killed while writing): refused
                    self._reply(400, {"error": -201, "message": "incomplete request"})
                    return
                if sink.delay:
                    time.sleep(sink.delay)
                status, data, _ = sink._answer(body)
                if status == -1:
                    time.sleep(3)  # longer than the client's timeout
                    return
                self._reply(status, data)

            def do_GET(self):
                key = parse_qs(urlparse(self.path).query).get("key", [""])[0]
                with sink.lock:
                    found = [m for m in sink.accepted if m.get("key") == key]
                self._reply(200 if found else 404, {"id": found[0]["id"]} if found else {})

        return Handler


ERRORS = {
    -32: ErrorKind.RATE_LIMITED,
    -213: ErrorKind.UNREACHABLE,
    -108: ErrorKind.PERMANENT,
    -216: ErrorKind.CREDENTIALS_EXPIRED,
}


class SinkType(ChannelType):
    """A channel whose provider is the Sink (URL in channel.config["url"])."""

    code = "testsink"
    name = "Test sink"
    supports_templates = True
    timeout = 1.0

    def verify_request(self, channel, request):
        return None

    def parse_events(self, channel, body):
        return []

    def window(self, channel, recipient, now, *, purpose=""):
        if recipient.last_interaction_at and now - recipient.last_interaction_at > dt.timedelta(days=7):
            return WindowState.CLOSED
        return WindowState.FREE

    def _body(self, recipient, payload, key):
        if payload.kind == "template":
            return {"key": key, "kind": "template", "phone": recipient.phone, "template_id": payload.template_id}
        return {"key": key, "kind": payload.kind, "user_id": recipient.user_id, "text": payload.text}

    def send(self, channel, recipient, payload, *, idempotency_key):
        try:
            response = httpx.post(
                channel.config["url"] + "/send",
                json=self._body(recipient, payload, idempotency_key),
                timeout=self.timeout,
            )
        except httpx.TimeoutException as exc:
            raise SendError(ErrorKind.RETRYABLE, "The provider did not answer in time.") from exc
        except httpx.HTTPError as exc:
            raise SendError(ErrorKind.RETRYABLE, f"Network error: {exc}") from exc
        if response.status_code >= 500:
            raise SendError(ErrorKind.RETRYABLE, f"Provider error {response.status_code}.")
        data = response.json()
        if data.get("error"):
            kind = ERRORS.get(data["error"], ErrorKind.PERMANENT)
            raise SendError(kind, data.get("message", ""), provider_code=str(data["error"]), retry_after=None)
        return SendResult(provider_message_id=data["id"], cost=channel.config.get("cost", 0))

    def find_sent(self, channel, recipient, payload, *, idempotency_key, since, is_taken=None):
        response = httpx.get(channel.config["url"] + "/find", params={"key": idempotency_key}, timeout=self.timeout)
        return response.json()["id"] if response.status_code == 200 else None


class SinkSmsType(SinkType):
    """An SMS gateway on the same sink, registered under the code the fallback chain looks for."""

    code = "sms"
    name = "Test SMS gateway"
    supports_templates = False

    def _body(self, recipient, payload, key):
        return {"key": key, "kind": "sms", "phone": recipient.phone, "text": payload.text}


SINK_TYPES = ["tests.outbox.sink.SinkType", "tests.outbox.sink.SinkSmsType"]
