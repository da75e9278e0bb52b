"""Zalo webhook JSON -> InboundEvents. Pure: no database, no network. Unknown shapes parse defensively.

All ids and timestamps arrive as strings (reference §2.2); timestamps are epoch milliseconds.
"""

import datetime as dt
import json
from typing import Any

from ketnoi.channels.types.base import Attachment, EventKind, InboundEvent

from . import assumptions

MESSAGE_EVENTS = frozenset(
    {
        "user_send_text",
        "user_send_image",
        "user_send_link",
        "user_send_audio",
        "user_send_video",
        "user_send_sticker",
        "user_send_gif",
        "user_send_location",
        "user_send_file",
        "user_send_business_card",
    }
)


class UnparseableEvent(ValueError):
    """The body is not a Zalo event we can read (not JSON, not an object)."""


def _s(value: Any) -> str:
    return "" if value is None else str(value)


def _id(obj: Any) -> str:
    return _s(obj.get("id")) if isinstance(obj, dict) else ""


def from_millis(value: Any) -> dt.datetime | None:
    try:
        millis = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    try:
        return dt.datetime.fromtimestamp(millis / 1000, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None


def load(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise UnparseableEvent(f"Body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise UnparseableEvent("Body is not a JSON object.")
    return data


def _attachments(message: dict[str, Any]) -> tuple[Attachment, ...]:
    found = []
    for item in message.get("attachments") or []:
        if not isinstance(item, dict):
            continue
        payload = item.get("payload") if isinstance(item.get("payload"), dict) else {}
        coordinates = payload.get("coordinates") if isinstance(payload.get("coordinates"), dict) else payload
        latitude, longitude = _float(coordinates.get("latitude")), _float(coordinates.get("longitude"))
        found.append(
            Attachment(
                type=_s(item.get("type")) or "unknown",
                url=_s(payload.get("url")),
                name=_s(payload.get("name")),
                thumbnail=_s(payload.get("thumbnail")),
                latitude=latitude,
                longitude=longitude,
            )
        )
    location = message.get("location")
    if isinstance(location, dict) and not any(a.type == "location" for a in found):
        found.append(
            Attachment(
                type="location", latitude=_float(location.get("latitude")), longitude=_float(location.get("longitude"))
            )
        )
    return tuple(found)


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _address(info: dict[str, Any]) -> str:
    full = info.get("full_address")
    if isinstance(full, str) and full.strip():
        return full.strip()
    source = full if isinstance(full, dict) else info
    parts = [_s(source.get(k)).strip() for k in assumptions.SUBMIT_INFO_ADDRESS_FIELDS]
    return ", ".join(p for p in parts if p)


def _other_party(data: dict[str, Any], oa_id: str) -> str:
    sender, recipient = _id(data.get("sender")), _id(data.get("recipient"))
    if sender and sender != oa_id:
        return sender
    return recipient if recipient != oa_id else ""


def parse(body: bytes, *, oa_id: str) -> list[InboundEvent]:
    data = load(body)
    name = _s(data.get("event_name"))
    timestamp = _s(data.get("timestamp"))
    occurred = from_millis(timestamp) or dt.datetime.now(tz=dt.UTC)
    message = data.get("message") if isinstance(data.get("message"), dict) else {}
    msg_id = _s(message.get("msg_id"))
    app_user_id = _s(data.get("user_id_by_app"))
    common = {"provider_event": name, "occurred_at": occurred, "app_user_id": app_user_id}

    def key(user_id: str) -> str:
        # The event name is part of the key: a receipt and an echo of one message share its msg_id.
        return f"{name}:msg:{msg_id}" if msg_id else f"{name}:{timestamp}:{user_id}"

    group_kind = _group_kind(name)
    if group_kind is not None:
        return [_group_event(data, group_kind, oa_id=oa_id, message=message, common=common, key=key)]
    if name in MESSAGE_EVENTS:
        user_id = _id(data.get("sender"))
        return [
            InboundEvent(
                kind=EventKind.MESSAGE,
                dedup_key=key(user_id),
                user_id=user_id,
                provider_message_id=msg_id,
                text=_s(message.get("text")),
                attachments=_attachments(message),
                **common,
            )
        ]
    if name in ("follow", "unfollow"):
        user_id = _id(data.get("follower"))
        kind = EventKind.FOLLOW if name == "follow" else EventKind.UNFOLLOW
        return [
            InboundEvent(kind=kind, dedup_key=key(user_id), user_id=user_id, source=_s(data.get("source")), **common)
        ]
    if name == "user_submit_info":
        user_id = _id(data.get("sender"))
        info = data.get("info") if isinstance(data.get("info"), dict) else {}
        cleaned = {k: v for k, v in info.items() if isinstance(v, (str, int, float))}
        cleaned["address"] = _address(info)
        return [
            InboundEvent(
                kind=EventKind.SUBMIT_INFO,
                dedup_key=key(user_id),
                user_id=user_id,
                phone=_s(info.get("phone")),
                info=cleaned,
                **common,
            )
        ]
    if name in ("user_received_message", "user_seen_message"):
        receipt = any(message.get(k) for k in assumptions.DELIVERY_RECIPIENT_IS_PHONE_WHEN)
        ids = [_s(i) for i in message.get("msg_ids") or [] if i] or ([msg_id] if msg_id else [])
        by_phone = receipt and name == "user_received_message"
        user_id = "" if by_phone else _other_party(data, oa_id)
        if by_phone:
            occurred = from_millis(message.get("delivery_time")) or occurred
            common["occurred_at"] = occurred
        return [
            InboundEvent(
                kind=EventKind.DELIVERED if name == "user_received_message" else EventKind.SEEN,
                dedup_key=f"{name}:{timestamp}:{','.join(ids)}:{user_id or _id(data.get('recipient'))}",
                user_id=user_id,
                message_ids=tuple(ids),
                tracking_id=_s(message.get("tracking_id")),
                phone=_id(data.get("recipient")) if by_phone else "",
                **common,
            )
        ]
    if name == "add_user_to_tag":
        tag = data.get("tag") if isinstance(data.get("tag"), dict) else {}
        tag_name = _s(tag.get("name"))
        return [
            InboundEvent(kind=EventKind.TAGGED, dedup_key=key(_s(uid)), user_id=_s(uid), tags=(tag_name,), **common)
            for uid in tag.get("user_ids") or []
            if uid
        ]
    if name in assumptions.INTERACTION_EVENTS:
        user_id = _s(data.get("user_id")) or _other_party(data, oa_id)
        return [InboundEvent(kind=EventKind.CHAT_OPENED, dedup_key=key(user_id), user_id=user_id, **common)]
    user_id = _other_party(data, oa_id) or _id(data.get("follower")) or _s(data.get("user_id"))
    return [InboundEvent(kind=EventKind.OTHER, dedup_key=key(user_id), user_id=user_id, **common)]


def _group_kind(name: str) -> EventKind | None:
    """Which group event this is, by the literals in assumptions.gmf (None: not a group event)."""
    if name in assumptions.gmf("join_events"):
        return EventKind.GROUP_JOINED
    if name in assumptions.gmf("leave_events"):
        return EventKind.GROUP_LEFT
    if name in assumptions.gmf("dispersed_events"):
        return EventKind.GROUP_DISPERSED
    if name.startswith(assumptions.gmf("user_message_prefix")):
        return EventKind.GROUP_MESSAGE
    if name.startswith(assumptions.gmf("oa_message_prefix")) or name in assumptions.gmf("change_events"):
        return EventKind.OTHER
    return None


def _path(data: dict[str, Any], dotted: str) -> Any:
    value: Any = data
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _first(data: dict[str, Any], paths, *, not_: str = "") -> str:
    for dotted in paths:
        value = _path(data, dotted)
        if value not in (None, "") and not isinstance(value, (dict, list)) and _s(value) != not_:
            return _s(value)
    return ""


def _group_event(data: dict[str, Any], kind: EventKind, *, oa_id: str, message, common, key) -> InboundEvent:
    """A GMF event: the group's id and the member(s) it is about, wherever the payload keeps them."""
    group_id = _first(data, assumptions.gmf("group_id_paths"), not_=oa_id)
    members: list[str] = []
    for dotted in assumptions.gmf("members_list_paths"):
        listed = _path(data, dotted)
        if isinstance(listed, list):
            for item in listed:
                member = _s(item.get("user_id") or item.get("id")) if isinstance(item, dict) else _s(item)
                if member and member != oa_id and member not in members:
                    members.append(member)
    single = _first(data, assumptions.gmf("member_paths"))
    if single and single != oa_id and single != group_id and single not in members:
        members.insert(0, single)
    user_id = members[0] if members else ""
    dedup = key(user_id)
    if not _s(message.get("msg_id")):
        dedup = f"{common['provider_event']}:{group_id}:{_s(data.get('timestamp'))}:{','.join(members)}"
    return InboundEvent(
        kind=kind,
        dedup_key=dedup[:255],
        user_id=user_id,
        provider_message_id=_s(message.get("msg_id")),
        text=_s(message.get("text")) if kind == EventKind.GROUP_MESSAGE else "",
        attachments=_attachments(message) if kind == EventKind.GROUP_MESSAGE else (),
        group_id=group_id,
        member_ids=tuple(members),
        **common,
    )


def signed_timestamp(body: bytes, header_value: str | None) -> str:
    """The timestamp that enters the signature: the body's (verified), else the header's (unconfirmed); "" when
    there is none anywhere, which the caller refuses (no timestamp, no replay window)."""
    try:
        in_body = _s(load(body).get("timestamp"))
    except UnparseableEvent:
        in_body = ""
    return in_body or (header_value or "").strip()
