"""Messenger webhook bodies -> InboundEvents. Pure: no database, no HTTP.

`{"object": "page", "entry": [{"id": <page id>, "time": <ms>, "messaging": [<event>, ...]}]}`; each event has
`sender.id` (the person's page-scoped id, PSID), `recipient.id`, `timestamp` and one of: `message` (text,
`quick_reply.payload`, `attachments`; `is_echo` for the page's own messages), `postback` (a button's payload; the
"Get started" button's is GET_STARTED), `referral` (an m.me link with `?ref=` opened in an existing thread),
`delivery` (`mids`), `read` (a watermark only). A tapped quick reply or postback button arrives as the button's
payload in `text`, as a Zalo query button does, so the chat engine reads it the same way.
"""

import datetime as dt
import json
from typing import Any

from ketnoi.channels.types.base import Attachment, EventKind, InboundEvent

from . import assumptions


def from_millis(value: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(int(value) / 1000, tz=dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def entry_times(body: bytes) -> list[dt.datetime | None]:
    """The signed `time` of every entry (for the replay check)."""
    data = json.loads(body)
    entries = data.get("entry") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return []
    return [from_millis(entry.get("time")) if isinstance(entry, dict) else None for entry in entries]


def _attachments(items: Any) -> tuple[Attachment, ...]:
    found = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        kind = str(item.get("type") or "file")
        payload = item.get("payload") if isinstance(item.get("payload"), dict) else {}
        if kind == "location":
            coordinates = payload.get("coordinates") if isinstance(payload.get("coordinates"), dict) else {}
            try:
                latitude, longitude = float(coordinates.get("lat")), float(coordinates.get("long"))
            except (TypeError, ValueError):
                continue
            found.append(Attachment(type="location", latitude=latitude, longitude=longitude))
        else:
            found.append(Attachment(type=kind, url=str(payload.get("url") or ""), name=str(item.get("title") or "")))
    return tuple(found)


def _event(page_id: str, item: dict[str, Any]) -> InboundEvent:
    sender = item.get("sender") if isinstance(item.get("sender"), dict) else {}
    psid = str(sender.get("id") or "")
    at = from_millis(item.get("timestamp")) or dt.datetime.now(tz=dt.UTC)
    millis = str(item.get("timestamp") or "")
    common = {"occurred_at": at, "user_id": psid}
    message = item.get("message")
    if isinstance(message, dict):
        mid = str(message.get("mid") or f"{psid}:{millis}")
        if message.get("is_echo"):
            return InboundEvent(kind=EventKind.OTHER, provider_event="message_echo", dedup_key=f"echo:{mid}", **common)
        quick_reply = message.get("quick_reply") if isinstance(message.get("quick_reply"), dict) else None
        text = str(quick_reply.get("payload") or "") if quick_reply else str(message.get("text") or "")
        return InboundEvent(
            kind=EventKind.MESSAGE,
            provider_event="quick_reply" if quick_reply else ("attachments" if not text else "message"),
            dedup_key=f"mid:{mid}",
            provider_message_id=mid,
            text=text.strip(),
            attachments=_attachments(message.get("attachments")),
            **common,
        )
    postback = item.get("postback")
    if isinstance(postback, dict):
        payload = str(postback.get("payload") or "")
        referral = postback.get("referral") if isinstance(postback.get("referral"), dict) else {}
        mid = str(postback.get("mid") or f"{psid}:{millis}")
        if payload == assumptions.GET_STARTED_PAYLOAD:
            return InboundEvent(
                kind=EventKind.FOLLOW,
                provider_event="get_started",
                dedup_key=f"postback:{mid}",
                source=str(referral.get("ref") or ""),
                **common,
            )
        return InboundEvent(
            kind=EventKind.MESSAGE,
            provider_event="postback",
            dedup_key=f"postback:{mid}",
            provider_message_id=f"postback:{mid}",
            text=payload.strip(),
            **common,
        )
    referral = item.get("referral")
    if isinstance(referral, dict):
        # An m.me link (a receipt's QR) opened in a thread the person already has: as a follow through that QR.
        return InboundEvent(
            kind=EventKind.FOLLOW,
            provider_event="referral",
            dedup_key=f"referral:{psid}:{millis}",
            source=str(referral.get("ref") or ""),
            **common,
        )
    delivery = item.get("delivery")
    if isinstance(delivery, dict):
        mids = tuple(str(m) for m in delivery.get("mids") or [] if m)
        return InboundEvent(
            kind=EventKind.DELIVERED if mids else EventKind.OTHER,
            provider_event="delivery",
            dedup_key=f"delivery:{psid}:{delivery.get('watermark') or millis}:{','.join(mids)}"[:255],
            message_ids=mids,
            **common,
        )
    if isinstance(item.get("read"), dict):
        # Only a watermark: which of our messages it covers is not said, so it is kept and not processed.
        watermark = item["read"].get("watermark") or millis
        return InboundEvent(kind=EventKind.OTHER, provider_event="read", dedup_key=f"read:{psid}:{watermark}", **common)
    kinds = sorted(k for k in item if k not in ("sender", "recipient", "timestamp"))
    name = kinds[0] if kinds else "unknown"
    return InboundEvent(kind=EventKind.OTHER, provider_event=name[:80], dedup_key=f"{name}:{psid}:{millis}", **common)


def parse(body: bytes, *, page_id: str) -> list[InboundEvent]:
    """Every messaging event of every entry for this page; entries of another page are left out."""
    data = json.loads(body)
    if not isinstance(data, dict) or data.get("object") != "page" or not isinstance(data.get("entry"), list):
        raise ValueError("Not a Messenger page webhook.")
    events = []
    for entry in data["entry"]:
        if not isinstance(entry, dict) or str(entry.get("id") or "") != page_id:
            continue
        for item in entry.get("messaging") or []:
            if isinstance(item, dict):
                events.append(_event(page_id, item))
    return events
