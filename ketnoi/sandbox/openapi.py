"""OA OpenAPI messages (reference §3): consultation (CS) messages with the interaction windows, template by UID,
the quota check and conversation history.

Windows (§3.3): free within FREE_WINDOW_HOURS of the user's last interaction, billable (PAID_CS_COST đồng, recorded
at the sink) up to PAID_WINDOW_DAYS, refused with -230 after. Non-followers get -213 first.
"""

import datetime as dt
import unicodedata
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from . import actions, events
from .conf import sandbox_setting
from .gateway import ZaloError, params, zalo_endpoint, zalo_json
from .models import Follower, Message, SandboxOA, Upload

BUTTON_TYPES = ("oa.open.url", "oa.query.show", "oa.query.hide", "oa.open.phone", "oa.open.sms")


def ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def follower(oa: SandboxOA, user_id: Any) -> Follower:
    if not user_id:
        raise ZaloError(-201, "user_id is invalid")
    f = Follower.objects.filter(oa=oa, user_id=str(user_id)).select_related("person").first()
    if f is None:
        raise ZaloError(-201, "user_id is invalid")
    f.oa = oa
    return f


def window_of(f: Follower, now: dt.datetime) -> str:
    """free, paid or closed."""
    last = f.last_interaction_at
    if last is None or now - last > dt.timedelta(days=sandbox_setting("PAID_WINDOW_DAYS")):
        return "closed"
    if now - last > dt.timedelta(hours=sandbox_setting("FREE_WINDOW_HOURS")):
        return "paid"
    return "free"


def validate_buttons(buttons: Any) -> list[dict[str, Any]]:
    if not isinstance(buttons, list) or not buttons or len(buttons) > sandbox_setting("MAX_BUTTONS"):
        raise ZaloError(-201, "buttons is invalid")
    for button in buttons:
        if not isinstance(button, dict) or not button.get("title") or button.get("type") not in BUTTON_TYPES:
            raise ZaloError(-201, "button is invalid")
        payload = button.get("payload")
        kind = button["type"]
        if kind == "oa.open.url" and not (isinstance(payload, dict) and payload.get("url")):
            raise ZaloError(-201, "payload.url is invalid")
        if kind.startswith("oa.query.") and not (isinstance(payload, str) and payload):
            raise ZaloError(-201, "payload is invalid")
        if kind in ("oa.open.phone", "oa.open.sms") and not (isinstance(payload, dict) and payload.get("phone_code")):
            raise ZaloError(-201, "payload.phone_code is invalid")
    return buttons


def parse_cs(oa: SandboxOA, message: Any) -> tuple[str, dict[str, Any]]:
    """The message's text (NFC) and what the phone needs to show it: {"kind", "attachment"?, "buttons"?, ...}."""
    if not isinstance(message, dict):
        raise ZaloError(-201, "message is invalid")
    text = unicodedata.normalize("NFC", message.get("text") or "")
    if len(text) > sandbox_setting("MAX_TEXT_LENGTH"):
        raise ZaloError(-201, "text is invalid: too long")
    attachment = message.get("attachment")
    if not attachment:
        if not text:
            raise ZaloError(-201, "message is invalid")
        return text, {"kind": "text"}
    if not isinstance(attachment, dict) or not isinstance(attachment.get("payload"), dict):
        raise ZaloError(-201, "attachment is invalid")
    payload = attachment["payload"]
    if attachment.get("type") == "file":
        upload = Upload.objects.filter(oa=oa, kind=Upload.FILE, key=payload.get("token") or "-").first()
        if upload is None:
            raise ZaloError(-201, "token is invalid")
        return text, {"kind": "file", "attachment": {"url": events.media_url(upload), "name": upload.filename}}
    if attachment.get("type") != "template":
        raise ZaloError(-201, "attachment.type is invalid")
    template_type = payload.get("template_type")
    if template_type == "media":
        return text, {"kind": "image", "attachment": _media(oa, payload.get("elements"))}
    if template_type == "request_user_info":
        elements = payload.get("elements")
        if not isinstance(elements, list) or len(elements) != 1 or not elements[0].get("title"):
            raise ZaloError(-201, "elements is invalid")
        return text, {"kind": "request_user_info", "form": elements[0]}
    if "buttons" in payload and template_type in (None, "", "button", "buttons"):
        if not text:
            raise ZaloError(-201, "text is invalid")
        return text, {"kind": "buttons", "buttons": validate_buttons(payload["buttons"])}
    raise ZaloError(-201, "template_type is invalid")


def _media(oa: SandboxOA, elements: Any) -> dict[str, Any]:
    if not isinstance(elements, list) or len(elements) != 1 or not isinstance(elements[0], dict):
        raise ZaloError(-201, "elements is invalid")
    element = elements[0]
    if element.get("media_type") not in ("image", "gif"):
        raise ZaloError(-201, "media_type is invalid")
    if element.get("attachment_id"):
        kind = Upload.GIF if element["media_type"] == "gif" else Upload.IMAGE
        upload = Upload.objects.filter(oa=oa, kind=kind, key=element["attachment_id"]).first()
        if upload is None:
            raise ZaloError(-100, "attachment_id was expired")
        return {"url": events.media_url(upload), "attachment_id": upload.key}
    if element.get("url"):
        return {"url": element["url"]}
    raise ZaloError(-201, "url is invalid")


@zalo_endpoint(methods=("POST",))
def message_cs(request, oa: SandboxOA):
    body = params(request)
    recipient = body.get("recipient") if isinstance(body.get("recipient"), dict) else {}
    f = follower(oa, recipient.get("user_id"))
    text, shown = parse_cs(oa, body.get("message"))
    if not f.is_follower:
        raise ZaloError(-213, "User has not followed OA")
    now = timezone.now()
    window = window_of(f, now)
    if window == "closed":
        raise ZaloError(-230, "User has not interacted with the OA in the past 7 days")
    cost = sandbox_setting("PAID_CS_COST") if window == "paid" else 0
    with transaction.atomic():
        m = Message.objects.create(
            oa=oa, follower=f, endpoint="cs", text=text, payload={**shown, "request": body}, cost=cost, window=window
        )
        actions.after_oa_message(m)
    quota = {"quota_type": "reply" if window == "free" else "sub_quota", "cost": str(cost)}
    return zalo_json({"message_id": m.msg_id, "user_id": f.user_id, "sent_time": str(ms(m.created_at)), "quota": quota})


@zalo_endpoint(methods=("POST",))
def message_template(request, oa: SandboxOA):
    """ZBS template by UID (§5.3). Both body shapes are accepted: {"user_id"} and {"recipient":{"user_id"}}."""
    body = params(request)
    recipient = body.get("recipient") if isinstance(body.get("recipient"), dict) else {}
    f = follower(oa, body.get("user_id") or recipient.get("user_id"))
    if not body.get("template_id"):
        raise ZaloError(-201, "template_id is invalid")
    data = body.get("template_data") or {}
    if not isinstance(data, dict):
        raise ZaloError(-201, "template_data is invalid")
    text = " · ".join(f"{key}: {value}" for key, value in data.items())
    with transaction.atomic():
        m = Message.objects.create(
            oa=oa,
            follower=f,
            endpoint="template",
            text=text,
            payload={"kind": "template", "template_id": str(body["template_id"]), "template_data": data},
            cost=sandbox_setting("TEMPLATE_UID_COST"),
        )
        actions.after_oa_message(m)
    return zalo_json({"message_id": m.msg_id, "user_id": f.user_id, "sent_time": str(ms(m.created_at))})


@zalo_endpoint()
def quota_message(request, oa: SandboxOA):
    """{"user_id"} -> last_interaction (epoch ms) and what a CS message would cost now. Shape unconfirmed (§3.3)."""
    f = follower(oa, params(request).get("user_id"))
    window = window_of(f, timezone.now()) if f.is_follower else "closed"
    return zalo_json(
        {
            "user_id": f.user_id,
            "is_follower": f.is_follower,
            "last_interaction": ms(f.last_interaction_at) if f.last_interaction_at else None,
            "cs_reply": {"window": window, "cost": sandbox_setting("PAID_CS_COST") if window == "paid" else 0},
            "promotion": {"remain": 0},
        }
    )


@zalo_endpoint(methods=("GET",))
def conversation(request, oa: SandboxOA):
    """Newest first, at most CONVERSATION_MAX_COUNT per page. src 0: sent by the OA, 1: by the user."""
    data = params(request)
    f = follower(oa, data.get("user_id"))
    try:
        offset, count = int(data.get("offset", 0)), int(data.get("count", 10))
    except (TypeError, ValueError) as exc:
        raise ZaloError(-201, "offset or count is invalid") from exc
    if offset < 0 or not 0 < count <= sandbox_setting("CONVERSATION_MAX_COUNT"):
        raise ZaloError(-201, "count is invalid")
    rows = Message.objects.filter(oa=oa, follower=f).order_by("-created_at", "-id")[offset : offset + count]
    return zalo_json([_history_row(oa, f, m) for m in rows])


def _history_row(oa: SandboxOA, f: Follower, m: Message) -> dict[str, Any]:
    from_oa = m.direction == Message.OUT
    oa_side = {"id": oa.oa_id, "display_name": oa.name, "avatar": ""}
    user_side = {"id": f.user_id, "display_name": f.person.name, "avatar": ""}
    sender, receiver = (oa_side, user_side) if from_oa else (user_side, oa_side)
    kind = m.payload.get("kind", "text")
    row = {
        "src": 0 if from_oa else 1,
        "time": ms(m.created_at),
        "sent_time": m.created_at.astimezone(dt.UTC).strftime("%H:%M:%S %d/%m/%Y"),
        "from_id": sender["id"],
        "from_display_name": sender["display_name"],
        "from_avatar": sender["avatar"],
        "to_id": receiver["id"],
        "to_display_name": receiver["display_name"],
        "to_avatar": receiver["avatar"],
        "message_id": m.msg_id,
        "type": {"query": "text", "buttons": "text", "request_user_info": "template"}.get(kind, kind),
        "message": m.text,
    }
    if m.payload.get("attachment", {}).get("url"):
        row["url"] = m.payload["attachment"]["url"]
    return row


@zalo_endpoint(methods=("GET",))
def recent_chats(request, oa: SandboxOA):
    """GET /v2.0/oa/listrecentchat?data={"offset","count"} (§4): the latest message of each conversation, newest
    first, at most CONVERSATION_MAX_COUNT per page; rows shaped like /conversation's."""
    data = params(request)
    try:
        offset, count = int(data.get("offset", 0)), int(data.get("count", 10))
    except (TypeError, ValueError) as exc:
        raise ZaloError(-201, "offset or count is invalid") from exc
    if offset < 0 or not 0 < count <= sandbox_setting("CONVERSATION_MAX_COUNT"):
        raise ZaloError(-201, "count is invalid")
    latest = (
        Message.objects.filter(oa=oa, follower__isnull=False)
        .values("follower")
        .annotate(last=Max("id"))
        .order_by("-last")[offset : offset + count]
    )
    rows = Message.objects.filter(pk__in=[row["last"] for row in latest]).select_related("follower__person")
    return zalo_json([_history_row(oa, m.follower, m) for m in sorted(rows, key=lambda m: -m.pk)])
