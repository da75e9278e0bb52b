"""Webhook payloads in Zalo's shapes (reference §2.2, §5.5), keys in the documented order."""

from typing import Any

from django.conf import settings
from django.urls import reverse

from .conf import sandbox_setting
from .models import Follower, Message, SandboxOA, Upload
from .webhooks import now_ms


def media_url(upload: Upload) -> str:
    return settings.PUBLIC_BASE_URL + reverse("sandbox:media", args=[upload.key])


def user_message(f: Follower, event_name: str, message: dict[str, Any]) -> dict[str, Any]:
    return {
        "app_id": f.oa.app.app_id,
        "sender": {"id": f.user_id},
        "recipient": {"id": f.oa.oa_id},
        "user_id_by_app": f.user_id_by_app,
        "event_name": event_name,
        "message": message,
        "timestamp": now_ms(),
    }


def follow(f: Follower, event_name: str, *, source: str, token: str = "") -> dict[str, Any]:
    event = {
        "oa_id": f.oa.oa_id,
        "follower": {"id": f.user_id},
        "user_id_by_app": f.user_id_by_app,
        "event_name": event_name,
        "source": source,
        "app_id": f.oa.app.app_id,
        "timestamp": now_ms(),
    }
    if token and event_name == "follow":
        event[sandbox_setting("FOLLOW_TOKEN_FIELD")] = token
    return event


def submit_info(f: Follower, info: dict[str, str]) -> dict[str, Any]:
    return {
        "app_id": f.oa.app.app_id,
        "sender": {"id": f.user_id},
        "recipient": {"id": f.oa.oa_id},
        "user_id_by_app": f.user_id_by_app,
        "event_name": "user_submit_info",
        "info": info,
        "timestamp": now_ms(),
    }


def click_chatnow(f: Follower) -> dict[str, Any]:
    return {
        "app_id": f.oa.app.app_id,
        "oa_id": f.oa.oa_id,
        "user_id": f.user_id,
        "user_id_by_app": f.user_id_by_app,
        "event_name": "user_click_chatnow",
        "timestamp": now_ms(),
    }


def oa_echo(message: Message) -> dict[str, Any]:
    """oa_send_*: the OA's own message, sender and recipient swapped."""
    f = message.follower
    kind = message.payload.get("kind", "text")
    body: dict[str, Any] = {"msg_id": message.msg_id}
    if message.text:
        body["text"] = message.text
    if kind in ("image", "file"):
        body["attachments"] = [{"type": kind, "payload": message.payload.get("attachment", {})}]
    name = {"image": "oa_send_image", "file": "oa_send_file", "template": "oa_send_template"}.get(kind, "oa_send_text")
    return {
        "app_id": message.oa.app.app_id,
        "sender": {"id": message.oa.oa_id},
        "recipient": {"id": f.user_id},
        "user_id_by_app": f.user_id_by_app,
        "event_name": name,
        "message": body,
        "timestamp": now_ms(),
    }


def received(message: Message) -> dict[str, Any]:
    if message.follower is None:  # a template by phone (ZBS / ZNS), §5.5
        return {
            "sender": {"id": message.oa.oa_id},
            "recipient": {"id": message.phone},
            "message": {
                "delivery_time": str(int(message.delivered_at.timestamp() * 1000)),
                "msg_id": message.msg_id,
                "tracking_id": message.tracking_id,
            },
            "app_id": message.oa.app.app_id,
            "timestamp": now_ms(),
            "event_name": "user_received_message",
        }
    return {
        "app_id": message.oa.app.app_id,
        "sender": {"id": message.oa.oa_id},
        "recipient": {"id": message.follower.user_id},
        "user_id_by_app": message.follower.user_id_by_app,
        "event_name": "user_received_message",
        "message": {"msg_id": message.msg_id},
        "timestamp": now_ms(),
    }


def seen(f: Follower, msg_ids: list[str]) -> dict[str, Any]:
    return {
        "app_id": f.oa.app.app_id,
        "sender": {"id": f.oa.oa_id},
        "recipient": {"id": f.user_id},
        "user_id_by_app": f.user_id_by_app,
        "event_name": "user_seen_message",
        "message": {"msg_ids": msg_ids},
        "timestamp": now_ms(),
    }


def user_to_tag(oa: SandboxOA, f: Follower, tag_name: str) -> dict[str, Any]:
    return {
        "app_id": oa.app.app_id,
        "oa_id": oa.oa_id,
        "user_id_by_app": f.user_id_by_app,
        "event_name": "add_user_to_tag",
        "tag": {"user_ids": [f.user_id], "name": tag_name},
        "timestamp": now_ms(),
    }
