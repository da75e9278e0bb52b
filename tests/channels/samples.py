"""Webhook bodies shaped exactly like the reference's samples (shared/reference/zalo-oa-api.md §2.2, §5.5).

Compact JSON, ids and timestamps as strings, original key order, as Zalo sends them.
"""

import json
import time

APP_ID = "1234567890123456789"
OA_ID = "5790221648713581234"
USER_ID = "8413217452917239801"
USER_BY_APP = "3010295858512340000"


def now_ms(offset_seconds: float = 0) -> str:
    return str(int((time.time() + offset_seconds) * 1000))


def compact(event: dict) -> bytes:
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()


def user_send(kind: str, message: dict, *, ts: str | None = None, user_id: str = USER_ID) -> dict:
    return {
        "app_id": APP_ID,
        "sender": {"id": user_id},
        "recipient": {"id": OA_ID},
        "user_id_by_app": USER_BY_APP,
        "event_name": f"user_send_{kind}",
        "message": message,
        "timestamp": ts or now_ms(),
    }


def text(msg_id: str = "mid-text-1", body: str = "Xin chào", **kw) -> dict:
    return user_send("text", {"msg_id": msg_id, "text": body}, **kw)


def image(msg_id: str = "mid-image-1", **kw) -> dict:
    attachment = {"type": "image", "payload": {"thumbnail": "https://s.zdn.vn/t.jpg", "url": "https://s.zdn.vn/i.jpg"}}
    return user_send("image", {"msg_id": msg_id, "text": "", "attachments": [attachment]}, **kw)


def file(msg_id: str = "mid-file-1", **kw) -> dict:
    attachment = {"type": "file", "payload": {"url": "https://f.zdn.vn/d.pdf", "name": "don.pdf", "size": "2048"}}
    return user_send("file", {"msg_id": msg_id, "attachments": [attachment]}, **kw)


def location(msg_id: str = "mid-loc-1", **kw) -> dict:
    return user_send("location", {"msg_id": msg_id, "location": {"latitude": "10.7769", "longitude": "106.7009"}}, **kw)


def location_as_attachment(msg_id: str = "mid-loc-2", **kw) -> dict:
    attachment = {"type": "location", "payload": {"coordinates": {"latitude": "21.0285", "longitude": "105.8542"}}}
    return user_send("location", {"msg_id": msg_id, "attachments": [attachment]}, **kw)


def sticker(msg_id: str = "mid-sticker-1", **kw) -> dict:
    attachment = {"type": "sticker", "payload": {"id": "abc", "url": "https://s.zdn.vn/s.png"}}
    return user_send("sticker", {"msg_id": msg_id, "attachments": [attachment]}, **kw)


def follow(*, ts: str | None = None, source: str = "oa_profile", name: str = "follow", user_id: str = USER_ID) -> dict:
    return {
        "oa_id": OA_ID,
        "follower": {"id": user_id},
        "user_id_by_app": USER_BY_APP,
        "event_name": name,
        "source": source,
        "app_id": APP_ID,
        "timestamp": ts or now_ms(),
    }


def unfollow(**kw) -> dict:
    return follow(name="unfollow", **kw)


def submit_info(*, ts: str | None = None, phone: str = "84912345678", full_address: bool = False) -> dict:
    info = {"name": "Nguyễn Thị Hoa", "phone": phone}
    if full_address:
        info["full_address"] = {"address": "12 Lê Lợi", "ward": "Phường Đông Hòa", "city": "Bình Sơn"}
    else:
        info.update(address="12 Lê Lợi", district="Đông Hòa", city="Bình Sơn")
    return {
        "sender": {"id": USER_ID},
        "recipient": {"id": OA_ID},
        "event_name": "user_submit_info",
        "app_id": APP_ID,
        "timestamp": ts or now_ms(),
        "info": info,
    }


def received(msg_id: str = "oa-msg-1", *, ts: str | None = None) -> dict:
    return {
        "sender": {"id": OA_ID},
        "recipient": {"id": USER_ID},
        "event_name": "user_received_message",
        "message": {"msg_id": msg_id},
        "app_id": APP_ID,
        "timestamp": ts or now_ms(),
    }


def seen(msg_ids=("oa-msg-1", "oa-msg-2"), *, ts: str | None = None) -> dict:
    return {
        "sender": {"id": USER_ID},
        "recipient": {"id": OA_ID},
        "event_name": "user_seen_message",
        "message": {"msg_ids": list(msg_ids)},
        "app_id": APP_ID,
        "timestamp": ts or now_ms(),
    }


def zbs_delivered(*, ts: str | None = None) -> dict:
    """§5.5, keys in the reference's order."""
    return {
        "sender": {"id": OA_ID},
        "recipient": {"id": "84912345678"},
        "message": {"delivery_time": "1699003881999", "msg_id": "zbs-msg-1", "tracking_id": "dossier-42-done-1"},
        "app_id": APP_ID,
        "timestamp": ts or now_ms(),
        "event_name": "user_received_message",
    }


def tagged(*, ts: str | None = None) -> dict:
    return {
        "app_id": APP_ID,
        "oa_id": OA_ID,
        "user_id_by_app": USER_BY_APP,
        "event_name": "add_user_to_tag",
        "tag": {"user_ids": [USER_ID, "8413217452917239802"], "name": "Phường Đông Hòa"},
        "timestamp": ts or now_ms(),
    }


def chatnow(*, ts: str | None = None) -> dict:
    return {
        "event_name": "user_click_chatnow",
        "app_id": APP_ID,
        "oa_id": OA_ID,
        "user_id": USER_ID,
        "timestamp": ts or now_ms(),
    }


def unknown(*, ts: str | None = None) -> dict:
    return {
        "event_name": "shop_has_order",
        "app_id": APP_ID,
        "oa_id": OA_ID,
        "timestamp": ts or now_ms(),
        "order": {"id": "1"},
    }


def echo(*, ts: str | None = None) -> dict:
    return {
        "app_id": APP_ID,
        "sender": {"id": OA_ID},
        "recipient": {"id": USER_ID},
        "event_name": "oa_send_text",
        "message": {"msg_id": "oa-msg-9", "text": "Chào bạn"},
        "timestamp": ts or now_ms(),
    }
