"""A fast stand-in for Zalo's servers, for throughput benchmarks: one asyncio process, no Django, no database.

The Django sandbox (ketnoi/sandbox) is the faithful stand-in for tests and the demo: it checks followers, windows,
buttons and quotas and stores every message in the database, so it takes a few hundred calls a second. A benchmark
of ketnoi's own sending must not measure that. This stub answers the endpoints ketnoi's Zalo channel type calls
with the shapes Zalo uses, does no checking beyond what a benchmark needs, and records every arrival in memory so
the benchmark can count lost and duplicated messages at the provider:

- POST {oauth}/v4/oa/access_token          refresh (and code) grants: a new token pair
- POST {openapi}/v3.0/oa/message/cs        consultation message by user id (text, buttons, media...)
- POST {openapi}/v3.0/oa/message/template  template message by user id
- POST {openapi}/v3.0/oa/group/message     a post into a group chat the OA owns (GMF), by group id
- POST {business}/message/template         ZBS template message by phone (tracking_id)
- GET  {openapi}/v2.0/oa/conversation      the OA's messages to a person, newest first (find_sent reconciliation)
- GET  {openapi}/v2.0/oa/getoa             OA info; anything else answers HTTP 200 {"error": -201} like Zalo

Tokens: the stub keeps no accounts. The text of an access token up to its first "." names the OA (bench channels
use "<oa_id>.<anything>"; a token without a dot is its own OA id); a refresh grant answers "<oa>.a<n>" /
"<oa>.r<n>" for the OA named by the refresh token. POST /_stub/expire revokes every token seen so far, so the next
call with one answers -216 (access token invalid) and the dispatcher's refresh path runs.

Control (same port): GET /_stub/stats (arrivals, distinct, duplicated, by kind), GET /_stub/arrivals?offset=N
(JSON lines: [epoch s, kind, oa, recipient, key, message id]), POST /_stub/reset.
An arrival's key is what makes one logical message: the ZBS tracking_id, else oa + recipient + text (+ template).

Run: `python -m bench.stub_zalo --port 8141 [--latency-ms 40]` (latency: each answer is held that long, as a
distant provider would, without blocking other connections). From a benchmark: `with StubZalo() as stub:` and
`stub.env()` for the dispatcher processes' ZALO_*_BASE settings.
"""

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, unquote_plus, urlsplit

ROOT = Path(__file__).resolve().parent.parent

OK_REASON = {200: b"OK", 400: b"Bad Request", 404: b"Not Found", 413: b"Payload Too Large"}
MAX_BODY = 1 << 20


class Recorder:
    """Every message the stub accepted, in arrival order, and the keys seen (duplicates counted as they come)."""

    def __init__(self) -> None:
        # Message ids stay unique across resets, as the provider's are: a benchmark's later phase must never be
        # given an id an earlier phase's outbox row holds (find_sent would take the copy for another row's).
        self.ids = itertools.count(1)
        self.reset()

    def reset(self) -> None:
        self.rows: list[tuple[float, str, str, str, str, str]] = []
        self.seen: Counter[str] = Counter()
        self.history: dict[tuple[str, str], list[tuple[int, str, str]]] = {}  # (oa, user) -> [(ms, id, text)]
        self.revoked: set[str] = set()
        self.tokens_seen: set[str] = set()
        self.refreshes = 0

    def add(self, *, kind: str, oa: str, recipient: str, key: str, text: str = "") -> str:
        message_id = f"stub{next(self.ids):010d}"
        now = time.time()
        self.rows.append((now, kind, oa, recipient, key, message_id))
        self.seen[key] += 1
        if kind != "zbs":
            self.history.setdefault((oa, recipient), []).append((int(now * 1000), message_id, text))
        return message_id

    def stats(self) -> dict:
        kinds = Counter(row[1] for row in self.rows)
        return {
            "arrivals": len(self.rows),
            "distinct": len(self.seen),
            "duplicated": sum(n - 1 for n in self.seen.values() if n > 1),
            "by_kind": dict(kinds),
            "refreshes": self.refreshes,
            "first": self.rows[0][0] if self.rows else None,
            "last": self.rows[-1][0] if self.rows else None,
        }


def _zalo(data=None, error: int = 0, message: str = "Success") -> dict:
    body: dict = {"error": error, "message": message}
    if data is not None:
        body["data"] = data
    return body


def _oa_of(token: str) -> str:
    return token.split(".", 1)[0]


class Stub:
    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency
        self.recorder = Recorder()

    # -- one request -> (status, body dict or bytes) ------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, object]:
        parts = urlsplit(target)
        path = parts.path
        if path.startswith("/_stub/"):
            return self.control(method, path, parts.query)
        if path.endswith("/v4/oa/access_token"):
            return 200, self.grant(body)
        token = headers.get("access_token", "")
        if not token:
            return 200, _zalo(error=-124, message="Access token is empty")
        if token in self.recorder.revoked:
            return 200, _zalo(error=-216, message="Access token is invalid")
        self.recorder.tokens_seen.add(token)
        oa = _oa_of(token)
        try:
            if method == "POST":
                payload = json.loads(body or b"{}")
                if path.endswith("/v3.0/oa/message/cs"):
                    return 200, self.message_cs(oa, payload)
                if path.endswith("/v3.0/oa/message/template"):
                    return 200, self.template_by_uid(oa, payload)
                if path.endswith("/v3.0/oa/group/message"):
                    return 200, self.group_message(oa, payload)
                if path.endswith("/message/template"):
                    return 200, self.template_by_phone(oa, payload)
            elif method == "GET":
                query = json.loads(parse_qs(parts.query).get("data", ["{}"])[0] or "{}")
                if path.endswith("/v2.0/oa/conversation"):
                    return 200, self.conversation(oa, query)
                if path.endswith("/v2.0/oa/getoa"):
                    return 200, _zalo({"oa_id": oa, "name": f"Stub OA {oa}", "is_verified": True})
        except (ValueError, TypeError, AttributeError):
            return 200, _zalo(error=-201, message="Parameters are invalid")
        return 200, _zalo(error=-201, message=f"Unknown endpoint {path}")

    def grant(self, body: bytes) -> dict:
        form = {k: v[0] for k, v in parse_qs(body.decode("latin-1")).items()}
        seed = form.get("refresh_token") or form.get("code") or ""
        if not seed:
            return _zalo(error=-14014, message="Invalid refresh token")
        self.recorder.refreshes += 1
        oa, n = _oa_of(unquote_plus(seed)), self.recorder.refreshes
        return {"access_token": f"{oa}.a{n}", "refresh_token": f"{oa}.r{n}", "expires_in": "90000"}

    def message_cs(self, oa: str, payload: dict) -> dict:
        user_id = str((payload.get("recipient") or {}).get("user_id") or "")
        message = payload.get("message") or {}
        if not user_id or not isinstance(message, dict) or not (message.get("text") or message.get("attachment")):
            return _zalo(error=-201, message="Parameters are invalid")
        text = str(message.get("text") or "")
        key = f"{oa}|{user_id}|{text or json.dumps(message.get('attachment'), sort_keys=True)}"
        message_id = self.recorder.add(kind="cs", oa=oa, recipient=user_id, key=key, text=text)
        return _zalo({"message_id": message_id, "user_id": user_id, "quota": {"quota_type": "reply"}})

    def group_message(self, oa: str, payload: dict) -> dict:
        """A post into a group: recorded with recipient "g:<group id>" (key: oa + that + text)."""
        group_id = str((payload.get("recipient") or {}).get("group_id") or "")
        message = payload.get("message") or {}
        if not group_id or not isinstance(message, dict) or not (message.get("text") or message.get("attachment")):
            return _zalo(error=-201, message="Parameters are invalid")
        text = str(message.get("text") or "")
        recipient = f"g:{group_id}"
        key = f"{oa}|{recipient}|{text or json.dumps(message.get('attachment'), sort_keys=True)}"
        message_id = self.recorder.add(kind="group", oa=oa, recipient=recipient, key=key, text=text)
        return _zalo({"message_id": message_id, "group_id": group_id})

    def template_by_uid(self, oa: str, payload: dict) -> dict:
        user_id = str(payload.get("user_id") or "")
        template_id = str(payload.get("template_id") or "")
        if not user_id or not template_id:
            return _zalo(error=-201, message="Parameters are invalid")
        key = f"{oa}|{user_id}|{template_id}|{json.dumps(payload.get('template_data'), sort_keys=True)}"
        message_id = self.recorder.add(kind="template", oa=oa, recipient=user_id, key=key)
        return _zalo({"msg_id": message_id, "user_id": user_id})

    def template_by_phone(self, oa: str, payload: dict) -> dict:
        phone = str(payload.get("phone") or "")
        template_id = str(payload.get("template_id") or "")
        if not phone or not template_id:
            return _zalo(error=-108, message="Phone number is invalid")
        tracking = str(payload.get("tracking_id") or "")
        key = f"zbs|{tracking}" if tracking else f"{oa}|{phone}|{template_id}|{payload.get('template_data')}"
        message_id = self.recorder.add(kind="zbs", oa=oa, recipient=phone, key=key)
        return _zalo({"msg_id": message_id, "sent_time": str(int(time.time() * 1000)), "quota": {"remainingQuota": 1}})

    def conversation(self, oa: str, query: dict) -> dict:
        user_id = str(query.get("user_id") or "")
        offset, count = int(query.get("offset", 0)), int(query.get("count", 10))
        rows = self.recorder.history.get((oa, user_id), [])
        page = list(reversed(rows))[offset : offset + count]
        items = [
            {"src": 0, "time": at, "from_id": oa, "to_id": user_id, "message_id": mid, "type": "text", "message": text}
            for at, mid, text in page
        ]
        return _zalo(items)

    def control(self, method: str, path: str, query: str) -> tuple[int, object]:
        recorder = self.recorder
        if path == "/_stub/stats":
            return 200, recorder.stats()
        if path == "/_stub/arrivals":
            offset = int(parse_qs(query).get("offset", ["0"])[0])
            lines = b"".join(json.dumps(row).encode() + b"\n" for row in recorder.rows[offset:])
            return 200, lines
        if path == "/_stub/reset" and method == "POST":
            recorder.reset()
            return 200, {"ok": True}
        if path == "/_stub/expire" and method == "POST":
            recorder.revoked |= recorder.tokens_seen
            return 200, {"revoked": len(recorder.revoked)}
        if path == "/_stub/ping":
            return 200, {"ok": True}
        return 404, {"error": "no such control"}


class Connection(asyncio.Protocol):
    """HTTP/1.1 with keep-alive, Content-Length bodies, one request at a time per connection (what httpx does)."""

    def __init__(self, stub: Stub) -> None:
        self.stub = stub
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.busy = False  # an answer is being held (latency): parse nothing more until it is written

    def connection_made(self, transport) -> None:
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self.drain()

    def drain(self) -> None:
        while not self.busy and self.transport is not None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
            method, target, _version = [*head[0].split(" "), "", ""][:3]
            headers = {}
            for line in head[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length") or 0)
            if length > MAX_BODY or "chunked" in headers.get("transfer-encoding", ""):
                self.respond(413 if length > MAX_BODY else 400, {"error": "unsupported body"}, close=True)
                return
            if len(self.buffer) < end + 4 + length:
                return
            body = bytes(self.buffer[end + 4 : end + 4 + length])
            del self.buffer[: end + 4 + length]
            try:
                status, answer = self.stub.handle(method, target, headers, body)
            except Exception as exc:  # a bug in the stub must show, not hang the client
                status, answer = 500, {"error": repr(exc)}
            close = headers.get("connection", "").lower() == "close"
            if self.stub.latency > 0:
                self.busy = True
                asyncio.get_running_loop().call_later(self.stub.latency, self.respond_later, status, answer, close)
                return
            self.respond(status, answer, close=close)

    def respond_later(self, status: int, answer: object, close: bool) -> None:
        self.busy = False
        self.respond(status, answer, close=close)
        self.drain()

    def respond(self, status: int, answer: object, *, close: bool = False) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        if isinstance(answer, bytes):
            body, kind = answer, b"application/x-ndjson"
        else:
            body, kind = json.dumps(answer, ensure_ascii=False).encode(), b"application/json"
        head = b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n" % (
            status,
            OK_REASON.get(status, b"Error"),
            kind,
            len(body),
        )
        head += b"Connection: close\r\n\r\n" if close else b"\r\n"
        self.transport.write(head + body)
        if close:
            self.transport.close()

    def connection_lost(self, exc) -> None:
        self.transport = None


async def serve(host: str, port: int, latency: float, ready=None) -> None:
    stub = Stub(latency=latency)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Connection(stub), host, port, backlog=1024, reuse_address=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"stub_zalo listening on http://{host}:{port} latency {latency * 1000:.0f} ms", flush=True)
    if ready is not None:
        ready()
    async with server:
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8141)
    parser.add_argument("--latency-ms", type=float, default=0.0, help="hold each answer this long")
    args = parser.parse_args(argv)
    asyncio.run(serve(args.host, args.port, args.latency_ms / 1000))
    return 0


# -- from a benchmark ---------------------------------------------------------------------------------------------


def _free_port() -> int:
    from .harness import free_port  # BENCH_PORTS honoured

    return free_port()


class StubZalo:
    """The stub in its own process (so its CPU is its own and measurable), with the reads a benchmark needs."""

    def __init__(self, *, port: int | None = None, latency_ms: float = 0.0) -> None:
        self.port = port or int(os.environ.get("BENCH_STUB_PORT", "0")) or _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.latency_ms = latency_ms
        self.process: subprocess.Popen | None = None

    def env(self) -> dict[str, str]:
        """ZALO_* base URLs for processes that should send here (dispatchers, the web server)."""
        return {
            "ZALO_OAUTH_BASE": f"{self.url}/oauth",
            "ZALO_OPENAPI_BASE": f"{self.url}/openapi",
            "ZALO_BUSINESS_BASE": f"{self.url}/business",
        }

    def __enter__(self) -> "StubZalo":
        command = [sys.executable, "-m", "bench.stub_zalo", "--port", str(self.port)]
        command += ["--latency-ms", str(self.latency_ms)]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline() if self.process.stdout else ""
        if "listening" not in line:
            self.process.kill()
            raise RuntimeError(f"stub_zalo did not start: {line!r}")
        return self

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def _call(self, method: str, path: str) -> bytes:
        import http.client

        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=b"" if method == "POST" else None)
            return connection.getresponse().read()
        finally:
            connection.close()

    def stats(self) -> dict:
        return json.loads(self._call("GET", "/_stub/stats"))

    def arrivals(self, offset: int = 0) -> list[list]:
        """[epoch s, kind, oa, recipient, key, message id] per message accepted, in arrival order."""
        return [json.loads(line) for line in self._call("GET", f"/_stub/arrivals?offset={offset}").splitlines()]

    def reset(self) -> None:
        self._call("POST", "/_stub/reset")

    def expire_tokens(self) -> int:
        return json.loads(self._call("POST", "/_stub/expire"))["revoked"]

    def wait_for(self, count: int, *, timeout: float, poll: float = 0.2) -> dict:
        """Until `count` messages have arrived (or the time is up); the stats then."""
        deadline = time.monotonic() + timeout
        stats = self.stats()
        while stats["arrivals"] < count and time.monotonic() < deadline:
            time.sleep(poll)
            stats = self.stats()
        return stats


def lost_and_duplicated(arrivals: list[list], expected_keys: set[str]) -> dict[str, int]:
    """Counted at the provider: expected messages that never arrived, arrivals beyond the first of a key, and
    arrivals nobody expected."""
    seen = Counter(row[4] for row in arrivals)
    return {
        "expected": len(expected_keys),
        "arrived": sum(seen[k] > 0 for k in expected_keys),
        "lost": sum(1 for k in expected_keys if seen[k] == 0),
        "duplicated": sum(n - 1 for n in seen.values() if n > 1),
        "unexpected": sum(n for k, n in seen.items() if k not in expected_keys),
    }


def cs_key(oa: str, user_id: str, text: str) -> str:
    """The key the stub gives a consultation message with text: what a benchmark expects per notice."""
    return f"{oa}|{user_id}|{text}"


if __name__ == "__main__":
    sys.exit(main())
