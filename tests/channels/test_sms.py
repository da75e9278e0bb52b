"""The generic HTTP SMS gateway adapter against a real local HTTP server."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ketnoi.channels.services import sms_channel_create
from ketnoi.channels.types import get_channel_type
from ketnoi.channels.types.base import ErrorKind, OutboundPayload, Recipient, SendError


class Gateway:
    def __init__(self):
        self.received: list[dict] = []
        self.answers: list[tuple[int, dict]] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                gateway.received.append({"body": body, "auth": self.headers.get("Authorization")})
                status, answer = (
                    gateway.answers.pop(0) if gateway.answers else (200, {"id": f"sms-{len(gateway.received)}"})
                )
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if status == 429:
                    self.send_header("Retry-After", "7")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def gateway():
    server = Gateway()
    yield server
    server.server.shutdown()


@pytest.fixture
def sms(world, gateway):
    return sms_channel_create(
        actor=None,
        unit=world.commune_a,
        name="SMS Bình Sơn",
        url=gateway.url,
        api_key="sms-key-1",
        cost_per_message=450,
    )


def send(channel, phone="+84912345678", text="Hồ sơ H90.1 đã có kết quả", key="ref-1"):
    return get_channel_type("sms").send(
        channel, Recipient(phone=phone), OutboundPayload(kind="text", text=text), idempotency_key=key
    )


def test_posts_json_with_bearer_key_and_reference(sms, gateway):
    result = send(sms)
    assert (result.provider_message_id, result.cost) == ("sms-1", 450)
    assert gateway.received == [
        {
            "body": {"to": "+84912345678", "text": "Hồ sơ H90.1 đã có kết quả", "reference": "ref-1"},
            "auth": "Bearer sms-key-1",
        }
    ]


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (503, ErrorKind.RETRYABLE),
        (429, ErrorKind.RATE_LIMITED),
        (400, ErrorKind.PERMANENT),
        (401, ErrorKind.CREDENTIALS_EXPIRED),
        (422, ErrorKind.UNREACHABLE),
    ],
)
def test_errors_are_classified(sms, gateway, status, kind):
    gateway.answers.append((status, {"error": "nope"}))
    with pytest.raises(SendError) as caught:
        send(sms)
    assert caught.value.kind == kind
    assert caught.value.provider_code == str(status)
    if kind == ErrorKind.RATE_LIMITED:
        assert caught.value.retry_after == 7


def test_unreachable_gateway_is_retryable(sms, gateway):
    gateway.server.shutdown()
    gateway.server.server_close()
    with pytest.raises(SendError) as caught:
        send(sms)
    assert caught.value.kind == ErrorKind.RETRYABLE


def test_no_phone_is_unreachable_and_long_text_permanent(sms, gateway):
    with pytest.raises(SendError) as no_phone:
        send(sms, phone="")
    with pytest.raises(SendError) as too_long:
        send(sms, text="x" * 500)
    assert (no_phone.value.kind, too_long.value.kind) == (ErrorKind.UNREACHABLE, ErrorKind.PERMANENT)
    assert gateway.received == []
