"""What a Zalo user does on their phone, and what happens on the phone after an OA message is accepted.

Every action that Zalo counts as an interaction (follow, message, chat-now, oa.query tap, info form) moves the
follower's last_interaction_at, which opens the 48-hour window. Used by the control API and the phone page.
"""

import base64
import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from ketnoi.core.phones import normalize_phone

from . import events
from .conf import sandbox_setting
from .models import Follower, Message, SandboxOA, Upload, ZaloUser
from .webhooks import emit, later

# A 1x1 PNG, for images "sent" through the control API without content.
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def zalo_phone(raw: str) -> str:
    """Any Vietnamese form -> 84xxxxxxxxx (as Zalo reports phones). Raises InvalidPhoneNumber."""
    return normalize_phone(raw).lstrip("+")


@transaction.atomic
def create_user(*, name: str, phone: str = "", address: str = "") -> ZaloUser:
    return ZaloUser.objects.create(name=name, phone=zalo_phone(phone) if phone else "", address=address)


def follower_of(person: ZaloUser, oa: SandboxOA) -> Follower:
    f, _ = Follower.objects.select_related("oa__app").get_or_create(oa=oa, person=person)
    f.oa = oa
    return f


def _touch(f: Follower, now: dt.datetime | None = None) -> None:
    f.last_interaction_at = now or timezone.now()
    f.save(update_fields=["last_interaction_at"])


@transaction.atomic
def follow(*, person: ZaloUser, oa: SandboxOA, source: str = "", token: str = "") -> Follower:
    f = follower_of(person, oa)
    if not source:
        source = sandbox_setting("FOLLOW_SOURCE_QR" if token else "FOLLOW_SOURCE_PROFILE")
    now = timezone.now()
    f.is_follower, f.followed_at, f.last_interaction_at = True, now, now
    f.source, f.dynamic_param = source, token or f.dynamic_param
    f.save()
    emit(oa, events.follow(f, "follow", source=source, token=token))
    return f


@transaction.atomic
def unfollow(*, person: ZaloUser, oa: SandboxOA) -> Follower:
    f = follower_of(person, oa)
    f.is_follower = False
    f.save(update_fields=["is_follower"])
    emit(oa, events.follow(f, "unfollow", source=f.source or sandbox_setting("FOLLOW_SOURCE_PROFILE")))
    return f


@transaction.atomic
def send(
    *,
    person: ZaloUser,
    oa: SandboxOA,
    kind: str,
    text: str = "",
    url: str = "",
    filename: str = "",
    content: bytes | None = None,
    content_type: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    sticker_id: str = "",
    hidden: bool = False,
) -> Message:
    """kind: text, image, file, location, sticker, query (a tapped oa.query button: arrives as user_send_text)."""
    f = follower_of(person, oa)
    body: dict[str, Any] = {}
    stored: dict[str, Any] = {"kind": kind}
    if kind in ("text", "query"):
        if not text:
            raise ValueError("text is required")
        event_name = "user_send_text"
        stored["hidden"] = hidden
    elif kind in ("image", "file"):
        if not url:
            upload = Upload.objects.create(
                oa=oa,
                kind=kind,
                filename=filename or ("image.png" if kind == "image" else "file.pdf"),
                content_type=content_type or ("image/png" if kind == "image" else "application/pdf"),
                content=content if content is not None else (TINY_PNG if kind == "image" else b"%PDF-1.4\n%%EOF\n"),
            )
            url = events.media_url(upload)
            filename = upload.filename
        payload = {"url": url, "thumbnail": url} if kind == "image" else {"url": url, "name": filename or "file"}
        if kind == "file":
            payload.update(size=str(len(content or b"")), type=(filename.rsplit(".", 1)[-1] if "." in filename else ""))
        body["attachments"] = [{"type": kind, "payload": payload}]
        stored["attachment"] = payload
        event_name = f"user_send_{kind}"
    elif kind == "location":
        if latitude is None or longitude is None:
            raise ValueError("latitude and longitude are required")
        coordinates = {"latitude": str(latitude), "longitude": str(longitude)}
        # Both shapes seen in the sources (reference §2.2: unconfirmed): an attachment and message.location.
        body["attachments"] = [{"type": "location", "payload": {"coordinates": coordinates}}]
        body["location"] = coordinates
        stored["location"] = coordinates
        event_name = "user_send_location"
    elif kind == "sticker":
        sticker_id = sticker_id or "bfe458bf64fa8da4d4eb"
        payload = {"id": sticker_id, "url": f"https://zalo-api.zadn.vn/api/emoticon/sticker/webpc?eid={sticker_id}"}
        body["attachments"] = [{"type": "sticker", "payload": payload}]
        stored["attachment"] = payload
        event_name = "user_send_sticker"
    else:
        raise ValueError(f"unknown kind {kind!r}")
    message = Message.objects.create(
        oa=oa, follower=f, direction=Message.IN, endpoint=event_name, text=text, payload=stored
    )
    message_body = {"msg_id": message.msg_id}
    if text:
        message_body["text"] = text
    message_body.update(body)
    _touch(f, message.created_at)
    emit(oa, events.user_message(f, event_name, message_body))
    return message


@transaction.atomic
def submit_info(*, person: ZaloUser, oa: SandboxOA, name: str, phone: str, address: str = "") -> Follower:
    f = follower_of(person, oa)
    info = {"name": name, "phone": zalo_phone(phone) if phone else "", "address": address}
    f.shared_info = info
    f.last_interaction_at = timezone.now()
    f.save(update_fields=["shared_info", "last_interaction_at"])
    emit(oa, events.submit_info(f, info))
    return f


@transaction.atomic
def click_chatnow(*, person: ZaloUser, oa: SandboxOA) -> Follower:
    f = follower_of(person, oa)
    _touch(f)
    emit(oa, events.click_chatnow(f))
    return f


@transaction.atomic
def mark_seen(*, person: ZaloUser, oa: SandboxOA, msg_ids: list[str] | None = None) -> list[str]:
    """The user looked at the chat: every unseen OA message (or those named) becomes seen, one event."""
    f = follower_of(person, oa)
    unseen = Message.objects.filter(oa=oa, follower=f, direction=Message.OUT, seen_at__isnull=True)
    if msg_ids:
        unseen = unseen.filter(msg_id__in=msg_ids)
    ids = list(unseen.values_list("msg_id", flat=True))
    if ids:
        now = timezone.now()
        unseen.update(seen_at=now)
        Message.objects.filter(msg_id__in=ids, delivered_at__isnull=True).update(delivered_at=now)
        emit(oa, events.seen(f, ids))
    return ids


def after_oa_message(message: Message) -> None:
    """An OA message was accepted: echo it (oa_send_*) and let the phone receive it shortly after."""
    if message.follower is not None and sandbox_setting("ECHO_OA_MESSAGES"):
        emit(message.oa, events.oa_echo(message))
    if sandbox_setting("RECEIVED_EVENTS") and (message.follower is not None or _phone_has_zalo(message.phone)):
        later(sandbox_setting("RECEIVED_DELAY"), _receive, message.pk)


def phone_has_zalo(phone: str) -> bool:
    return bool(phone) and ZaloUser.objects.filter(phone=phone).exists()


def _phone_has_zalo(phone: str) -> bool:
    if not phone:
        return False
    return sandbox_setting("ZBS_RECEIPT_FOR_UNKNOWN_PHONES") or ZaloUser.objects.filter(phone=phone).exists()


@transaction.atomic
def _receive(message_pk: int) -> None:
    message = Message.objects.select_related("oa__app", "follower").filter(pk=message_pk).first()
    if message is None or message.delivered_at is not None:
        return
    message.delivered_at = timezone.now()
    message.save(update_fields=["delivered_at"])
    emit(message.oa, events.received(message))
