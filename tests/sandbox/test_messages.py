import unicodedata

import httpx

from .helpers import cs_text, followed_user, openapi


def test_windows_free_paid_and_closed(zalo_sandbox):
    oa = zalo_sandbox.create_oa("OA")
    token = oa["access_token"]
    user = followed_user(zalo_sandbox, oa)
    assert cs_text(token, user["user_id"], "free")["error"] == 0
    zalo_sandbox.set_last_interaction(user["uid"], oa["oa_id"], hours_ago=49)
    assert cs_text(token, user["user_id"], "paid")["error"] == 0
    zalo_sandbox.set_last_interaction(user["uid"], oa["oa_id"], hours_ago=7 * 24 + 1)
    answer = cs_text(token, user["user_id"], "refused")
    assert answer["error"] == -230
    sink = zalo_sandbox.messages(oa_id=oa["oa_id"])
    assert [(m["text"], m["window"], m["cost"]) for m in sink] == [("free", "free", 0), ("paid", "paid", 55)]
    # a new message from the user opens a free window again
    zalo_sandbox.send_text(user["uid"], oa["oa_id"], "xin chào")
    assert cs_text(token, user["user_id"], "free again")["error"] == 0
    assert zalo_sandbox.messages(oa_id=oa["oa_id"])[-1]["cost"] == 0


def test_paid_cost_is_configurable(zalo_sandbox, settings):
    settings.SANDBOX = {"PAID_CS_COST": 70}
    oa = zalo_sandbox.create_oa("OA")
    user = followed_user(zalo_sandbox, oa)
    zalo_sandbox.set_last_interaction(user["uid"], oa["oa_id"], hours_ago=50)
    cs_text(oa["access_token"], user["user_id"], "paid")
    assert zalo_sandbox.messages(oa_id=oa["oa_id"])[0]["cost"] == 70


def test_non_followers_get_213(zalo_sandbox):
    oa = zalo_sandbox.create_oa("OA")
    user = followed_user(zalo_sandbox, oa)
    zalo_sandbox.unfollow(user["uid"], oa["oa_id"])
    assert cs_text(oa["access_token"], user["user_id"], "x")["error"] == -213
    assert cs_text(oa["access_token"], "1234567890123456789", "x")["error"] == -201
    assert zalo_sandbox.messages(oa_id=oa["oa_id"]) == []


def test_text_length_is_counted_after_nfc(zalo_sandbox):
    oa = zalo_sandbox.create_oa("OA")
    user = followed_user(zalo_sandbox, oa)
    decomposed = unicodedata.normalize("NFD", "ệ" * 1000)  # 3,000 code points, 1,000 after NFC
    assert cs_text(oa["access_token"], user["user_id"], decomposed)["error"] == 0
    assert zalo_sandbox.messages(oa_id=oa["oa_id"])[0]["text"] == "ệ" * 1000
    assert cs_text(oa["access_token"], user["user_id"], "a" * 2001)["error"] == -201


def test_buttons_images_files_and_the_info_form(zalo_sandbox, settings):
    oa = zalo_sandbox.create_oa("OA")
    token = oa["access_token"]
    user = followed_user(zalo_sandbox, oa)
    to = {"user_id": user["user_id"]}
    buttons = [
        {"title": "Tra cứu", "type": "oa.query.hide", "payload": "#TRACUU"},
        {"title": "Cổng", "type": "oa.open.url", "payload": {"url": "https://example.vn"}},
        {"title": "Gọi", "type": "oa.open.phone", "payload": {"phone_code": "84912345678"}},
    ]
    message = {"text": "Chọn", "attachment": {"type": "template", "payload": {"buttons": buttons}}}
    assert openapi("/v3.0/oa/message/cs", token, {"recipient": to, "message": message}).json()["error"] == 0
    bad = {"text": "Chọn", "attachment": {"type": "template", "payload": {"buttons": [{"title": "x", "type": "nope"}]}}}
    assert openapi("/v3.0/oa/message/cs", token, {"recipient": to, "message": bad}).json()["error"] == -201

    image = httpx.post(
        f"{settings.ZALO_OPENAPI_BASE}/v2.0/oa/upload/image",
        headers={"access_token": token},
        files={"file": ("a.png", b"\x89PNG....", "image/png")},
    ).json()
    attachment_id = image["data"]["attachment_id"]
    media = {
        "type": "template",
        "payload": {"template_type": "media", "elements": [{"media_type": "image", "attachment_id": attachment_id}]},
    }
    assert (
        openapi("/v3.0/oa/message/cs", token, {"recipient": to, "message": {"attachment": media}}).json()["error"] == 0
    )

    file_token = httpx.post(
        f"{settings.ZALO_OPENAPI_BASE}/v2.0/oa/upload/file",
        headers={"access_token": token},
        files={"file": ("don.pdf", b"%PDF-1.4", "application/pdf")},
    ).json()["data"]["token"]
    file_message = {"attachment": {"type": "file", "payload": {"token": file_token}}}
    assert openapi("/v3.0/oa/message/cs", token, {"recipient": to, "message": file_message}).json()["error"] == 0
    wrong_type = httpx.post(
        f"{settings.ZALO_OPENAPI_BASE}/v2.0/oa/upload/file",
        headers={"access_token": token},
        files={"file": ("x.exe", b"MZ", "application/octet-stream")},
    ).json()
    assert wrong_type["error"] == -201

    form = {
        "type": "template",
        "payload": {
            "template_type": "request_user_info",
            "elements": [{"title": "Chia sẻ", "subtitle": "SĐT", "image_url": "https://example.vn/a.png"}],
        },
    }
    assert (
        openapi("/v3.0/oa/message/cs", token, {"recipient": to, "message": {"attachment": form}}).json()["error"] == 0
    )
    kinds = [m["payload"]["kind"] for m in zalo_sandbox.messages(oa_id=oa["oa_id"])]
    assert kinds == ["buttons", "image", "file", "request_user_info"]


def test_conversation_history_lists_oa_messages_newest_first(zalo_sandbox):
    oa = zalo_sandbox.create_oa("OA")
    user = followed_user(zalo_sandbox, oa)
    zalo_sandbox.send_text(user["uid"], oa["oa_id"], "hỏi")
    sent = cs_text(oa["access_token"], user["user_id"], "trả lời")["data"]["message_id"]
    history = openapi(
        "/v2.0/oa/conversation", oa["access_token"], get={"user_id": user["user_id"], "offset": 0, "count": 10}
    ).json()
    assert history["error"] == 0
    rows = history["data"]
    assert [(r["src"], r["message"]) for r in rows] == [(0, "trả lời"), (1, "hỏi")]
    assert rows[0]["message_id"] == sent and isinstance(rows[0]["time"], int)
    assert (
        openapi(
            "/v2.0/oa/conversation", oa["access_token"], get={"user_id": user["user_id"], "offset": 0, "count": 11}
        ).json()["error"]
        == -201
    )


def test_followers_detail_tags_and_oa_info(zalo_sandbox):
    oa = zalo_sandbox.create_oa("Phường Đông Hòa")
    token = oa["access_token"]
    a = followed_user(zalo_sandbox, oa, "A")
    b = followed_user(zalo_sandbox, oa, "B")
    zalo_sandbox.unfollow(b["uid"], oa["oa_id"])
    listing = openapi("/v3.0/oa/user/getlist", token, get={"offset": 0, "count": 50}).json()["data"]
    assert listing["total"] == 1 and listing["users"] == [{"user_id": a["user_id"]}]
    assert openapi("/v3.0/oa/user/getlist", token, get={"offset": 0, "count": 51}).json()["error"] == -201

    zalo_sandbox.submit_info(a["uid"], oa["oa_id"], "Nguyễn A", "0912345678", "12 Lê Lợi")
    detail = openapi("/v3.0/oa/user/detail", token, get={"user_id": a["user_id"]}).json()["data"]
    assert detail["display_name"] == "A" and detail["user_is_follower"] is True
    assert detail["shared_info"]["phone"] == "84912345678"

    assert openapi("/v2.0/oa/tag/tagfollower", token, {"user_id": a["user_id"], "tag_name": "vip"}).json()["error"] == 0
    assert openapi("/v2.0/oa/tag/gettagsofoa", token, get={}).json()["data"] == ["vip"]
    assert (
        openapi("/v3.0/oa/user/getlist", token, get={"offset": 0, "count": 50, "tag_name": "vip"}).json()["data"][
            "total"
        ]
        == 1
    )
    assert (
        openapi("/v2.0/oa/tag/rmfollowerfromtag", token, {"user_id": a["user_id"], "tag_name": "vip"}).json()["error"]
        == 0
    )
    assert openapi("/v2.0/oa/tag/rmtag", token, {"tag_name": "vip"}).json()["error"] == 0
    assert openapi("/v2.0/oa/tag/gettagsofoa", token, get={}).json()["data"] == []

    info = openapi("/v2.0/oa/getoa", token, get={}).json()["data"]
    assert info["oaid"] == oa["oa_id"] and info["oa_type"] == 4 and info["num_follower"] == 1


def test_quota_check_reports_the_window(zalo_sandbox):
    oa = zalo_sandbox.create_oa("OA")
    user = followed_user(zalo_sandbox, oa)
    zalo_sandbox.set_last_interaction(user["uid"], oa["oa_id"], hours_ago=60)
    data = openapi("/v3.0/oa/quota/message", oa["access_token"], {"user_id": user["user_id"]}).json()["data"]
    assert data["cs_reply"] == {"window": "paid", "cost": 55}
    assert isinstance(data["last_interaction"], int)
