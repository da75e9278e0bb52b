"""The Messenger channel type at its edges: the webhook handshake and signature, the webhook shapes it reads, the
Send API bodies it writes from the chat engine's payloads, its windows and message tags, its error classes.
The whole chat over the sandbox's Messenger stand-in is in tests/conversations/test_messenger_chat.py."""

import datetime as dt
import json
import time

import pytest

from ketnoi.channels.models import ChannelEvent
from ketnoi.channels.services import messenger_channel_create
from ketnoi.channels.types.base import Button, ErrorKind, EventKind, OutboundPayload, Recipient, SendError
from ketnoi.channels.types.messenger.client import MessengerApiError, MessengerTransportError
from ketnoi.channels.types.messenger.errors import classify
from ketnoi.channels.types.messenger.type import MessengerType, signature
from ketnoi.core.errors import ApplicationError

from .conftest import receive_url

PAGE_ID = "104857600123456"
APP_SECRET = "messenger-app-secret"
VERIFY_TOKEN = "the-verify-token"
PSID = "7000000000000001"


@pytest.fixture
def page(world):
    return messenger_channel_create(
        actor=world.unit_admin_a,
        unit=world.commune_a,
        name="Phường Đông Hòa (Facebook)",
        page_id=PAGE_ID,
        page_access_token="page-token",
        app_secret=APP_SECRET,
        verify_token=VERIFY_TOKEN,
    )


def webhook(*messaging, time_ms: int | None = None) -> bytes:
    now = time_ms or int(time.time() * 1000)
    items = [{"sender": {"id": PSID}, "recipient": {"id": PAGE_ID}, "timestamp": now, **m} for m in messaging]
    return json.dumps({"object": "page", "entry": [{"id": PAGE_ID, "time": now, "messaging": items}]}).encode()


def post(client, channel, body: bytes, *, secret: str = APP_SECRET, header: str | None = None):
    mac = header if header is not None else signature(app_secret=secret, body=body)
    return client.post(
        receive_url(channel), data=body, content_type="application/json", headers={"X-Hub-Signature-256": mac}
    )


def test_secrets_are_stored_encrypted_and_a_page_connects_once(page, world):
    assert "page-token" not in page.secrets_encrypted and APP_SECRET not in page.secrets_encrypted
    assert page.secrets == {"page_access_token": "page-token", "app_secret": APP_SECRET, "verify_token": VERIFY_TOKEN}
    with pytest.raises(ApplicationError):
        messenger_channel_create(
            actor=None, unit=world.commune_a, name="x", page_id=PAGE_ID, page_access_token="t", app_secret="s"
        )


def test_handshake_echoes_the_challenge_only_for_the_verify_token(client, page):
    url = receive_url(page)
    ok = client.get(url, {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"})
    assert (ok.status_code, ok.content) == (200, b"1158201444")
    wrong = client.get(url, {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"})
    assert wrong.status_code == 403 and wrong.content != b"1"
    assert client.get(url, {"hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"}).status_code == 403


def test_signed_events_are_stored_and_forged_ones_refused(client, page):
    body = webhook({"message": {"mid": "m_1", "text": "Xin chào"}})
    assert post(client, page, body, secret="another-secret").status_code == 403
    assert post(client, page, body, header="").status_code == 403
    tampered = body.replace(b'"m_1"', b'"m_2"')
    assert tampered != body
    assert post(client, page, tampered, header=signature(app_secret=APP_SECRET, body=body)).status_code == 403
    assert not ChannelEvent.objects.exists()
    assert post(client, page, body).status_code == 200
    assert post(client, page, body).json() == {"ok": True, "duplicate": True}
    event = ChannelEvent.objects.get()
    assert (event.provider_event, event.user_id, event.dedup_key) == ("message", PSID, "mid:m_1")


def test_a_replayed_old_event_is_refused(client, page):
    old = int((time.time() - 7 * 3600) * 1000)
    assert post(client, page, webhook({"message": {"mid": "m_old", "text": "cũ"}}, time_ms=old)).status_code == 403


def test_webhook_shapes_become_the_engines_events(page):
    kind = MessengerType()
    events = kind.parse_events(
        page,
        webhook(
            {"message": {"mid": "m_1", "text": " Tra cứu "}},
            {"message": {"mid": "m_2", "text": "Hồ sơ", "quick_reply": {"payload": "#lookup.start"}}},
            {"postback": {"mid": "m_3", "title": "Bắt đầu", "payload": "GET_STARTED", "referral": {"ref": "tok"}}},
            {"postback": {"mid": "m_4", "title": "Gửi phản ánh", "payload": "#petition.start"}},
            {"message": {"mid": "m_5", "is_echo": True, "text": "from the page"}},
            {"delivery": {"mids": ["m_out"], "watermark": 1}},
            {"read": {"watermark": 2}},
            {
                "message": {
                    "mid": "m_6",
                    "attachments": [
                        {"type": "image", "payload": {"url": "https://cdn.example/p.jpg"}},
                        {"type": "location", "payload": {"coordinates": {"lat": 21.1, "long": 105.8}}},
                    ],
                }
            },
        ),
    )
    assert [(e.kind, e.text) for e in events[:4]] == [
        (EventKind.MESSAGE, "Tra cứu"),
        (EventKind.MESSAGE, "#lookup.start"),
        (EventKind.FOLLOW, ""),
        (EventKind.MESSAGE, "#petition.start"),
    ]
    assert events[2].source == "tok"
    assert [e.kind for e in events[4:7]] == [EventKind.OTHER, EventKind.DELIVERED, EventKind.OTHER]
    assert events[5].message_ids == ("m_out",)
    image, location = events[7].attachments
    assert (image.type, image.url, location.latitude, location.longitude) == (
        "image",
        "https://cdn.example/p.jpg",
        21.1,
        105.8,
    )
    assert all(e.user_id == PSID for e in events)


def test_the_engines_payloads_become_send_api_bodies():
    kind = MessengerType()
    now = dt.datetime(2026, 12, 6, 8, 0, tzinfo=dt.UTC)
    fresh = Recipient(user_id=PSID, last_interaction_at=now - dt.timedelta(hours=1))
    menu = OutboundPayload(
        kind="buttons",
        text="Chọn một mục",
        buttons=(
            Button("Tra cứu hồ sơ", "query_hide", "#lookup.start"),
            Button("Gửi phản ánh, kiến nghị về đô thị", "query_show", "#petition.start"),
            Button("Cổng dịch vụ công", "url", "https://dichvucong.gov.vn/"),
            Button("Gọi đường dây nóng", "phone", "84912345678"),
        ),
    )
    body = kind.request_body(fresh, menu, now)
    assert body["recipient"] == {"id": PSID} and body["messaging_type"] == "RESPONSE"
    template = body["message"]["attachment"]["payload"]
    assert template["template_type"] == "button" and template["text"] == "Chọn một mục"
    assert template["buttons"] == [
        {"type": "web_url", "title": "Cổng dịch vụ công", "url": "https://dichvucong.gov.vn/"},
        {"type": "phone_number", "title": "Gọi đường dây nóng", "payload": "+84912345678"},
    ]
    replies = body["message"]["quick_replies"]
    assert [r["payload"] for r in replies] == ["#lookup.start", "#petition.start"]
    assert all(len(r["title"]) <= 20 for r in replies) and replies[1]["title"].endswith("…")
    # Text longer than the button template carries: the links become lines of the text, nothing is lost.
    long_text = OutboundPayload(kind="buttons", text="x" * 700, buttons=menu.buttons)
    message = kind.request_body(fresh, long_text, now)["message"]
    assert "attachment" not in message and "Cổng dịch vụ công: https://dichvucong.gov.vn/" in message["text"]
    assert len(message["quick_replies"]) == 2
    with pytest.raises(SendError) as too_long:
        kind.request_body(fresh, OutboundPayload(kind="text", text="x" * 2001), now)
    assert too_long.value.kind == ErrorKind.PERMANENT


def test_the_24_hour_window_and_the_message_tags():
    kind = MessengerType()
    now = dt.datetime(2026, 12, 6, 8, 0, tzinfo=dt.UTC)
    two_days = Recipient(user_id=PSID, last_interaction_at=now - dt.timedelta(days=2))
    ten_days = Recipient(user_id=PSID, last_interaction_at=now - dt.timedelta(days=10))
    text = OutboundPayload(kind="text", text="Xin chào")
    notice = OutboundPayload(kind="text", text="Hồ sơ đã có kết quả", purpose="update")
    answer = OutboundPayload(kind="text", text="Cán bộ trả lời", purpose="human_reply")
    assert kind.window(None, two_days, now) == "closed"
    with pytest.raises(SendError) as closed:
        kind.request_body(two_days, text, now)
    assert closed.value.kind == ErrorKind.UNREACHABLE
    assert kind.request_body(two_days, notice, now)["tag"] == "ACCOUNT_UPDATE"
    assert kind.request_body(two_days, answer, now) | {"message": None} == {
        "recipient": {"id": PSID},
        "messaging_type": "MESSAGE_TAG",
        "tag": "HUMAN_AGENT",
        "message": None,
    }
    assert kind.window(None, ten_days, now, purpose="human_reply") == "closed"
    assert kind.window(None, ten_days, now, purpose="update") == "free"
    within = Recipient(user_id=PSID, last_interaction_at=now - dt.timedelta(hours=23))
    assert kind.request_body(within, notice, now)["messaging_type"] == "UPDATE"


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (MessengerTransportError("ReadTimeout"), ErrorKind.RETRYABLE),
        (MessengerApiError(2, "Temporary"), ErrorKind.RETRYABLE),
        (MessengerApiError(1200, "Temporary send message failure"), ErrorKind.RETRYABLE),
        (MessengerApiError(613, "Rate limit"), ErrorKind.RATE_LIMITED),
        (MessengerApiError(4, "App limit"), ErrorKind.RATE_LIMITED),
        (MessengerApiError(190, "Invalid OAuth access token."), ErrorKind.CREDENTIALS_EXPIRED),
        (MessengerApiError(10, "outside of allowed window", subcode=2018278), ErrorKind.UNREACHABLE),
        (MessengerApiError(551, "This person isn't available right now."), ErrorKind.UNREACHABLE),
        (MessengerApiError(100, "No matching user found", subcode=2018001), ErrorKind.UNREACHABLE),
        (MessengerApiError(100, "Invalid parameter"), ErrorKind.PERMANENT),
        (MessengerApiError(230, "Requires pages_messaging permission"), ErrorKind.PERMANENT),
    ],
)
def test_errors_are_classified_like_zalos(error, expected):
    assert classify(error).kind == expected


def test_a_page_is_connected_from_the_console(world, client):
    from django.urls import reverse

    from ketnoi.channels.models import Channel
    from ketnoi.core.audit import AuditEntry

    client.force_login(world.unit_admin_a)
    assert "Kết nối trang Facebook" in client.get(reverse("console:channel_list")).content.decode()
    answer = client.post(
        reverse("console:channel_create", kwargs={"kind": "messenger"}),
        {
            "unit": world.commune_a.pk,
            "name": "Trang Phường Đông Hòa",
            "page_id": PAGE_ID,
            "page_access_token": "EAAB-page-token",
            "app_secret": APP_SECRET,
            "verify_token": "",
        },
    )
    channel = Channel.objects.get(type_code="messenger", external_id=PAGE_ID)
    assert answer["Location"] == reverse("console:channel_detail", kwargs={"uuid": channel.uuid})
    secrets = channel.secrets
    assert secrets["page_access_token"] == "EAAB-page-token" and len(secrets["verify_token"]) >= 20  # made up
    assert "EAAB-page-token" not in channel.secrets_encrypted and APP_SECRET not in channel.secrets_encrypted
    audit = AuditEntry.objects.get(action="channel.create", unit_path=world.commune_a.path)
    assert "EAAB" not in str(audit.after) and APP_SECRET not in str(audit.after)
    page = client.get(answer["Location"]).content.decode()
    assert receive_url(channel) in page and secrets["verify_token"] in page  # to paste into the Facebook app
    assert "EAAB-page-token" not in page and APP_SECRET not in page
    assert "message_deliveries" in page
