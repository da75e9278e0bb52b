"""The Facebook Messenger channel type: a province's or ward's Facebook page as a channel (issue 22).

A page is connected with its id, a page access token, the app's secret (it signs the webhooks) and a verify token
of our choosing (Facebook's GET handshake echoes hub.challenge only when it matches). The chat engine's payloads are
mapped here: a reply's query buttons become quick replies, its link and phone buttons a button template (or lines
of the text where the template cannot carry them), so every flow runs unchanged. The facts about Facebook live in
assumptions.py, the error codes in errors.py, the webhook shapes in parse.py.
"""

import datetime as dt
import hashlib
import hmac
import json
import time
import unicodedata
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from ketnoi.channels.types.base import (
    ChannelType,
    ErrorKind,
    InboundEvent,
    InvalidRequest,
    OutboundPayload,
    Recipient,
    SendError,
    SendResult,
    WindowState,
)

from . import assumptions, client, parse
from .errors import classify

if TYPE_CHECKING:
    import httpx

    from django.http import HttpRequest

    from ketnoi.channels.models import Channel

BUTTON_TYPES = {"url": "web_url", "phone": "phone_number"}
QUERY_ACTIONS = ("query_show", "query_hide")


def signature(*, app_secret: str, body: bytes) -> str:
    """The X-Hub-Signature-256 value: "sha256=" + HMAC-SHA256 of the raw body keyed with the app secret."""
    return assumptions.SIGNATURE_PREFIX + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def _title(text: str) -> str:
    text = unicodedata.normalize("NFC", text).strip()
    return text if len(text) <= assumptions.MAX_TITLE else text[: assumptions.MAX_TITLE - 1] + "…"


def _messaging_type(last: dt.datetime | None, now: dt.datetime, purpose: str) -> tuple[str, str] | None:
    """(messaging_type, tag) for a message of `purpose` now, or None when Messenger would refuse it. Within 24 hours
    of the person's last message: RESPONSE (a reply) or UPDATE (a notice); after it, MESSAGE_TAG with the purpose's
    tag while the tag allows (assumptions.message_tags)."""
    if last is None:
        return None
    if now - last < assumptions.STANDARD_WINDOW:
        return ("UPDATE" if purpose else "RESPONSE"), ""
    tag = assumptions.message_tags().get(purpose, "")
    limit = assumptions.tag_window(tag) if tag else None
    if tag and (limit is None or now - last < limit):
        return "MESSAGE_TAG", tag
    return None


class MessengerType(ChannelType):
    code = "messenger"
    name = "Facebook Messenger"
    secret_fields = ("page_access_token", "app_secret", "verify_token")
    redact_keys = frozenset({"page_access_token", "access_token", "app_secret", "verify_token"})
    supports_buttons = True
    supports_images = True
    max_text_length = assumptions.MAX_TEXT
    default_quota_per_minute = 6000
    webhook_events = assumptions.WEBHOOK_FIELDS
    # read by broadcasts' estimate: only people who wrote in the last 24 hours can be sent a broadcast
    window_edges = ((assumptions.STANDARD_WINDOW, WindowState.FREE),)

    # -- inbound -----------------------------------------------------------------------------------------------

    def handshake(self, channel: "Channel", request: "HttpRequest") -> tuple[int, str] | None:
        """Facebook's subscription check (GET ?hub.mode=subscribe&hub.verify_token=..&hub.challenge=..): the
        challenge back only when the verify token is this channel's."""
        mode = request.GET.get("hub.mode", "")
        given = request.GET.get("hub.verify_token", "")
        expected = str(channel.secrets.get("verify_token", ""))
        if mode != "subscribe" or not expected or not hmac.compare_digest(given.encode(), expected.encode()):
            return 403, "The verify token does not match."
        return 200, request.GET.get("hub.challenge", "")

    def verify_request(self, channel: "Channel", request: "HttpRequest") -> None:
        header = (request.headers.get(assumptions.SIGNATURE_HEADER) or "").strip()
        if not header:
            raise InvalidRequest("No signature.")
        expected = signature(app_secret=str(channel.secrets.get("app_secret", "")), body=request.body)
        if not hmac.compare_digest(expected, header.lower()):
            raise InvalidRequest("Bad signature.")
        try:
            times = parse.entry_times(request.body)
        except ValueError:
            return  # signed but unreadable: stored as unparseable, for someone to look at
        now = timezone.now()
        if not times or any(t is None for t in times):
            raise InvalidRequest("No entry time.")  # no replay window without it
        if any(now - t > assumptions.webhook_max_age() for t in times):
            raise InvalidRequest("Stale event (possible replay).")
        if any(t - now > assumptions.webhook_max_future() for t in times):
            raise InvalidRequest("Event time is in the future.")

    def parse_events(self, channel: "Channel", body: bytes) -> list[InboundEvent]:
        return parse.parse(body, page_id=channel.external_id)

    def test_event(self, channel: "Channel", *, test_id: str) -> tuple[bytes, dict[str, str]]:
        now = int(time.time() * 1000)
        page = channel.external_id
        event = {"sender": {"id": "ketnoi"}, "recipient": {"id": page}, "timestamp": now}
        event["ketnoi_webhook_test"] = {"id": test_id}
        body = json.dumps({"object": "page", "entry": [{"id": page, "time": now, "messaging": [event]}]}).encode()
        mac = signature(app_secret=str(channel.secrets.get("app_secret", "")), body=body)
        return body, {assumptions.SIGNATURE_HEADER: mac, "Content-Type": "application/json"}

    # -- outbound ----------------------------------------------------------------------------------------------

    def window(self, channel: "Channel", recipient: Recipient, now: dt.datetime, *, purpose: str = "") -> WindowState:
        """Free within 24 hours of the person's last message; after it, only a message whose purpose has a tag
        (a personal update; an official's answer within 7 days); else closed (the outbox falls back to SMS)."""
        return WindowState.FREE if _messaging_type(recipient.last_interaction_at, now, purpose) else WindowState.CLOSED

    def request_body(self, recipient: Recipient, payload: OutboundPayload, now: dt.datetime) -> dict[str, Any]:
        """The Send API body: who, under which messaging type (RESPONSE / UPDATE within the window, MESSAGE_TAG
        with the purpose's tag after it), and the message."""
        if payload.kind == "template":
            raise SendError(ErrorKind.PERMANENT, "Messenger has no template messages by phone.")
        if not recipient.user_id:
            raise SendError(ErrorKind.UNREACHABLE, "This person has no Messenger id for this page.")
        allowed = _messaging_type(recipient.last_interaction_at, now, payload.purpose)
        if allowed is None:
            raise SendError(ErrorKind.UNREACHABLE, "Outside Messenger's 24-hour window.", provider_code="window")
        messaging_type, tag = allowed
        body: dict[str, Any] = {"recipient": {"id": recipient.user_id}, "messaging_type": messaging_type}
        if tag:
            body["tag"] = tag
        body["message"] = self.message_body(payload)
        return body

    def message_body(self, payload: OutboundPayload) -> dict[str, Any]:
        text = unicodedata.normalize("NFC", payload.text or "").strip()
        if payload.kind in ("text", "request_info"):
            text = text or unicodedata.normalize("NFC", payload.title or "").strip()
            if not text:
                raise SendError(ErrorKind.PERMANENT, "Empty text message.")
            return {"text": self._checked(text)}
        if payload.kind == "image":
            if not payload.media_url:
                raise SendError(ErrorKind.PERMANENT, "An image message needs a URL.")
            if text:  # Messenger sends an attachment without a caption: the caption goes with the link
                return {"text": self._checked(f"{text}\n{payload.media_url}")}
            return {"attachment": {"type": "image", "payload": {"url": payload.media_url, "is_reusable": False}}}
        if payload.kind == "buttons":
            return self._buttons(text, payload)
        raise SendError(ErrorKind.PERMANENT, f"Messenger cannot send a {payload.kind!r} message.")

    def _buttons(self, text: str, payload: OutboundPayload) -> dict[str, Any]:
        """Query buttons -> quick replies (up to 13); link and phone buttons -> a button template (up to 3, text up
        to 640), or, where the template cannot carry them, a line each under the text."""
        unknown = [b.action for b in payload.buttons if b.action not in (*QUERY_ACTIONS, *BUTTON_TYPES)]
        if unknown:
            raise SendError(ErrorKind.PERMANENT, f"Unknown button action {unknown[0]!r}.")
        links = [b for b in payload.buttons if b.action in BUTTON_TYPES]
        replies = [b for b in payload.buttons if b.action in QUERY_ACTIONS]
        if len(replies) > assumptions.MAX_QUICK_REPLIES:
            raise SendError(ErrorKind.PERMANENT, f"At most {assumptions.MAX_QUICK_REPLIES} quick replies.")
        if any(len(b.value) > assumptions.MAX_PAYLOAD for b in replies):
            raise SendError(ErrorKind.PERMANENT, "A button's payload is longer than Messenger carries.")
        message: dict[str, Any]
        if (
            links
            and text
            and len(links) <= assumptions.MAX_TEMPLATE_BUTTONS
            and len(text) <= assumptions.MAX_TEMPLATE_TEXT
        ):
            buttons = []
            for b in links:
                button = {"type": BUTTON_TYPES[b.action], "title": _title(b.title)}
                if b.action == "url":
                    button["url"] = b.value
                else:
                    button["payload"] = "+" + b.value.lstrip("+")
                buttons.append(button)
            message = {
                "attachment": {
                    "type": "template",
                    "payload": {"template_type": "button", "text": text, "buttons": buttons},
                }
            }
        else:
            lines = [text] if text else []
            lines += [f"{unicodedata.normalize('NFC', b.title)}: {b.value}" for b in links]
            if not lines:
                lines = [" / ".join(unicodedata.normalize("NFC", b.title) for b in replies)]
            message = {"text": self._checked("\n".join(lines).strip())}
        if replies:
            message["quick_replies"] = [
                {"content_type": "text", "title": _title(b.title), "payload": b.value} for b in replies
            ]
        return message

    def _checked(self, text: str) -> str:
        if len(text) > self.max_text_length:
            raise SendError(
                ErrorKind.PERMANENT, f"Text is {len(text)} characters; Messenger accepts {self.max_text_length}."
            )
        return text

    def send(
        self, channel: "Channel", recipient: Recipient, payload: OutboundPayload, *, idempotency_key: str
    ) -> SendResult:
        body = self.request_body(recipient, payload, timezone.now())
        secrets = channel.secrets
        try:
            data = client.send_message(
                page_id=channel.external_id, access_token=str(secrets.get("page_access_token", "")), body=body
            )
        except Exception as exc:
            raise classify(exc) from exc
        return SendResult(str(data.get("message_id") or ""), raw={"message_id": data.get("message_id")})

    async def send_async(
        self,
        channel: "Channel",
        recipient: Recipient,
        payload: OutboundPayload,
        *,
        idempotency_key: str,
        http: "httpx.AsyncClient",
    ) -> SendResult:
        body = self.request_body(recipient, payload, timezone.now())
        secrets = channel.secrets
        try:
            data = await client.send_message_async(
                http, page_id=channel.external_id, access_token=str(secrets.get("page_access_token", "")), body=body
            )
        except Exception as exc:
            raise classify(exc) from exc
        return SendResult(str(data.get("message_id") or ""), raw={"message_id": data.get("message_id")})

    # find_sent: the Send API takes no key of ours and Facebook offers no lookup by one, so after an attempt whose
    # outcome is unknown the message is sent again (ChannelType.find_sent returns None): a visible duplicate
    # rather than a silent loss.
