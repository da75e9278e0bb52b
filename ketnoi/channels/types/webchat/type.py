"""Web chat for citizens without Zalo: a widget on the portal, a visitor identified by a signed cookie.

The widget POSTs to the same /c/webchat/<uuid>/receive path as provider webhooks, so its messages take the same
ChannelEvent -> inbound queue (run_inbound) -> contacts path. Outbound messages are stored as WebChatMessage rows that
the widget polls.
"""

import datetime as dt
import json
import secrets
import time
import unicodedata
from typing import TYPE_CHECKING

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from ketnoi.channels.types.base import (
    Attachment,
    ChannelType,
    ErrorKind,
    EventKind,
    InboundEvent,
    InvalidRequest,
    OutboundPayload,
    Recipient,
    SendError,
    SendResult,
    WindowState,
)
from ketnoi.core.errors import ApplicationError
from ketnoi.core.uploads import check_upload

from .models import WebChatMessage

if TYPE_CHECKING:
    from django.http import HttpRequest

    from ketnoi.channels.models import Channel

COOKIE = "kn_webchat"
SALT = "ketnoi.webchat.visitor"
COOKIE_MAX_AGE = 60 * 60 * 24 * 30
MAX_TEXT = 2000
MAX_LABEL = 100
# What a visitor may upload (documents for a dossier's supplement), stored under STORAGE_PREFIX; the event carries
# "storage:<path>", which the conversation engine reads back without HTTP.
UPLOAD_KINDS = {"image/jpeg": "image", "image/png": "image", "image/webp": "image", "application/pdf": "file"}
UPLOAD_MAX_BYTES = 10 * 1024 * 1024
STORAGE_PREFIX = "webchat/"


def _store_upload(channel: "Channel", visitor: str, upload) -> dict[str, str]:
    """Judged by its bytes (core.uploads), never by the browser's Content-Type; a photo is stored re-encoded."""
    name = "".join(ch for ch in (upload.name or "file") if ch.isalnum() or ch in "._-")[-80:] or "file"
    if upload.size > UPLOAD_MAX_BYTES:  # the engine says so in words (conversations.engine)
        return {"type": "too_large", "url": "", "name": name, "size": str(upload.size)}
    try:
        checked = check_upload(upload, max_bytes=UPLOAD_MAX_BYTES, name=name)
    except ApplicationError:
        return {"type": "unsupported", "url": "", "name": name}
    kind = UPLOAD_KINDS[checked.content_type]
    path = f"{STORAGE_PREFIX}{channel.uuid.hex}/{visitor}/{secrets.token_hex(8)}-{checked.name}"
    path = default_storage.save(path, checked.as_file())
    return {"type": kind, "url": f"storage:{path}", "name": checked.name}


EVENT_NAME = "visitor_message"


def visitor_of(request: "HttpRequest") -> str:
    """The visitor id from the signed cookie, or "" when it is missing or forged."""
    return request.get_signed_cookie(COOKIE, default="", salt=SALT, max_age=COOKIE_MAX_AGE)


def new_visitor_id() -> str:
    return "v" + secrets.token_hex(12)


class WebChatType(ChannelType):
    code = "webchat"
    name = "Web chat"
    supports_buttons = True
    supports_images = True
    max_text_length = MAX_TEXT
    default_quota_per_minute = 60000

    def verify_request(self, channel: "Channel", request: "HttpRequest") -> None:
        if not visitor_of(request):
            raise InvalidRequest("No signed web chat session.")

    def inbound_body(self, channel: "Channel", request: "HttpRequest") -> bytes:
        """The event we store: the verified visitor, the text, and the widget's message id (so a resubmitted form
        is stored once)."""
        client_id = "".join(ch for ch in request.POST.get("client_id", "") if ch.isalnum() or ch == "-")[:64]
        event = {
            "event_name": EVENT_NAME,
            "visitor": visitor_of(request),
            # all of it: a text longer than the chat reads is kept and answered in words (conversations.engine)
            "text": unicodedata.normalize("NFC", request.POST.get("text", "")),
            "client_id": client_id or secrets.token_hex(16),
            "timestamp": str(int(time.time() * 1000)),
        }
        upload = request.FILES.get("file")
        if upload is not None:
            event["attachment"] = _store_upload(channel, event["visitor"], upload)
        label = unicodedata.normalize("NFC", request.POST.get("label", "")).strip()[:MAX_LABEL]
        if label:  # a tapped button: the transcript shows its title, the engine reads its payload
            event["label"] = label
        return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()

    def parse_events(self, channel: "Channel", body: bytes) -> list[InboundEvent]:
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("Web chat event is not an object.")
        occurred = dt.datetime.fromtimestamp(int(data.get("timestamp", 0)) / 1000, tz=dt.UTC)
        name, visitor, client_id = (
            str(data.get("event_name", "")),
            str(data.get("visitor", "")),
            str(data.get("client_id", "")),
        )
        if name != EVENT_NAME or not visitor:
            return [
                InboundEvent(
                    kind=EventKind.OTHER, provider_event=name, dedup_key=f"{name}:{client_id}", occurred_at=occurred
                )
            ]
        text = str(data.get("text", "")).strip()
        attachment = data.get("attachment") if isinstance(data.get("attachment"), dict) else None
        attachments = ()
        if attachment:
            attachments = (
                Attachment(
                    type=str(attachment.get("type", "file")),
                    url=str(attachment.get("url", "")),
                    name=str(attachment.get("name", "")),
                ),
            )
        return [
            InboundEvent(
                kind=EventKind.MESSAGE if text or attachments else EventKind.OTHER,
                provider_event=name,
                dedup_key=f"{name}:{visitor}:{client_id}",
                occurred_at=occurred,
                user_id=visitor,
                provider_message_id=f"{visitor}:{client_id}",
                text=text,
                attachments=attachments,
            )
        ]

    def send(
        self, channel: "Channel", recipient: Recipient, payload: OutboundPayload, *, idempotency_key: str
    ) -> SendResult:
        if not recipient.user_id:
            raise SendError(ErrorKind.UNREACHABLE, "No web chat visitor to write to.")
        if payload.kind not in ("text", "buttons", "image", "request_info"):
            raise SendError(ErrorKind.PERMANENT, f"Web chat cannot show a {payload.kind!r} message.")
        text = unicodedata.normalize("NFC", payload.text or payload.title or "")
        if len(text) > MAX_TEXT:
            raise SendError(ErrorKind.PERMANENT, f"Text is {len(text)} characters; at most {MAX_TEXT}.")
        buttons = [{"title": b.title, "action": b.action, "value": b.value} for b in payload.buttons]
        try:
            with transaction.atomic():
                message, _ = WebChatMessage.objects.get_or_create(
                    channel=channel,
                    idempotency_key=idempotency_key[:100],
                    defaults={
                        "visitor_id": recipient.user_id,
                        "text": text,
                        "buttons": buttons,
                        "media_url": payload.media_url,
                    },
                )
        except IntegrityError:
            message = WebChatMessage.objects.get(channel=channel, idempotency_key=idempotency_key[:100])
        return SendResult(str(message.uuid))

    def window(self, channel: "Channel", recipient: Recipient, now: dt.datetime, *, purpose: str = "") -> WindowState:
        return WindowState.FREE if recipient.user_id else WindowState.CLOSED

    def find_sent(
        self, channel, recipient, payload, *, idempotency_key: str, since: dt.datetime, is_taken=None
    ) -> str | None:
        found = WebChatMessage.objects.filter(channel=channel, idempotency_key=idempotency_key[:100]).first()
        return str(found.uuid) if found else None
