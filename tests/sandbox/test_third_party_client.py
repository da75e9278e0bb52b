"""The sandbox answers like Zalo to a client we did not write: zalo-sdk (PyPI `zalo-sdk`, connext-biz), whose OA and
ZNS clients take an `endpoint_prefix`, pointed at the sandbox over real HTTP. What the sandbox does not implement,
or what Zalo shut down, answers HTTP 200 with Zalo's {"error", "message"}, never an HTML page."""

import time

import httpx
import pytest
from zalo_sdk import ZaloException, ZaloOAException
from zalo_sdk.oa.Client import Client as OAClient
from zalo_sdk.oa.ZaloMessage import ZaloMessageBody, ZaloRecipient
from zalo_sdk.zns.Client import Client as ZNSClient
from zalo_sdk.zns.Client import ZNSTemplateStatus

from django.conf import settings

from .helpers import followed_user, openapi, zbs

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
GIF = b"GIF89a" + b"\x00" * 64


@pytest.fixture
def oa(zalo_sandbox):
    return zalo_sandbox.create_oa("Phường Đông Hòa")


@pytest.fixture
def oa_client(oa):
    return OAClient(
        app_id=oa["app_id"],
        secret_key=oa["app_secret"],
        access_token=oa["access_token"],
        endpoint_prefix=settings.ZALO_OPENAPI_BASE,
    )


@pytest.fixture
def zns_client(oa):
    return ZNSClient(
        app_id=oa["app_id"],
        secret_key=oa["app_secret"],
        access_token=oa["access_token"],
        endpoint_prefix=settings.ZALO_BUSINESS_BASE,
    )


def test_the_oa_client_sends_reads_tags_and_uploads(zalo_sandbox, oa, oa_client):
    user = followed_user(zalo_sandbox, oa, phone="0912000111")
    sent = oa_client.send_message(ZaloRecipient(user_id=user["user_id"]), ZaloMessageBody(text="Xin chào"))
    assert sent["error"] == 0 and sent["data"]["user_id"] == user["user_id"]
    assert [m["text"] for m in zalo_sandbox.messages(oa_id=oa["oa_id"])] == ["Xin chào"]

    detail = oa_client.get_user_detail(user["user_id"])["data"]
    assert detail["user_id"] == user["user_id"] and detail["user_is_follower"] is True
    listed = oa_client.get_list({"offset": 0, "count": 50})["data"]
    assert [u["user_id"] for u in listed["users"]] == [user["user_id"]]

    oa_client.tag_follower(user["user_id"], "phuong-dong-hoa")
    assert oa_client.get_tags_of_oa()["data"] == ["phuong-dong-hoa"]
    oa_client.rm_follower_from_tag(user["user_id"], "phuong-dong-hoa")
    oa_client.rm_tag("phuong-dong-hoa")
    assert oa_client.get_tags_of_oa()["data"] == []

    quota = oa_client.get_zalo_user_quotas(user["user_id"])["data"]
    assert quota["user_id"] == user["user_id"] and quota["cs_reply"]["window"] == "free"

    image = oa_client.upload_file(PNG, file_type="image", file_name="anh.png", mime_type="image/png")
    assert image["data"]["attachment_id"]
    document = oa_client.upload_file(
        b"%PDF-1.4", file_type="file", file_name="to-khai.pdf", mime_type="application/pdf"
    )
    assert document["data"]["token"]


def test_the_oa_client_reads_zalo_errors_from_the_sandbox(zalo_sandbox, oa, oa_client):
    user = followed_user(zalo_sandbox, oa)
    # The v2.0 message endpoint is shut down: -240, the way Zalo says it.
    with pytest.raises(ZaloOAException) as shut:
        oa_client.send_message(ZaloRecipient(user_id=user["user_id"]), ZaloMessageBody(text="x"), category="action")
    assert shut.value._code == -240 and "MessageV2 API has been shut down" in str(shut.value)
    # The v2.0 follower profile is not served (replaced by v3.0 user/detail): a JSON error, not an HTML page.
    with pytest.raises(ZaloOAException) as gone:
        oa_client.get_profile(user["user_id"])
    assert gone.value._code == -209
    with pytest.raises(ZaloOAException) as invalid:
        oa_client.send_message(ZaloRecipient(user_id="1234567890123456789"), ZaloMessageBody(text="x"))
    assert invalid.value._code == -201
    assert zalo_sandbox.messages(oa_id=oa["oa_id"]) == []


def test_the_zns_client_lists_templates_and_sends_by_phone(zalo_sandbox, oa, zns_client):
    for template_id, status in (("231001", "ENABLE"), ("231002", "PENDING_REVIEW")):
        httpx.post(
            f"{zalo_sandbox.base_url}/sandbox/control/oas/{oa['oa_id']}/templates",
            json={
                "template_id": template_id,
                "name": f"Mẫu {template_id}",
                "status": status,
                "params": [{"name": "otp"}],
            },
        ).raise_for_status()
    listed = zns_client.get_template_list(0, 10)
    assert [t["templateId"] for t in listed["data"]] == ["231001", "231002"] and listed["metadata"]["total"] == 2
    enabled = zns_client.get_template_list(0, 10, status=ZNSTemplateStatus.Enabled)
    assert [t["templateId"] for t in enabled["data"]] == ["231001"]
    assert [t["templateId"] for t in zns_client.get_template_list(1, 10)["data"]] == ["231002"]

    zalo_sandbox.create_user("Lê Văn C", phone="0912000222")
    sent = zns_client.send_zns_message("84912000222", "231001", {"otp": "123456"}, tracking_id="otp-1")
    assert sent["error"] == 0 and sent["data"]["msg_id"]
    with pytest.raises(ZaloException) as bad_phone:
        zns_client.send_zns_message("0912000222", "231001", {"otp": "123456"})
    assert bad_phone.value._code == -108


def test_template_info_status_quota_recent_chats_user_update_and_gif(zalo_sandbox, oa, settings):
    token = oa["access_token"]
    business = settings.ZALO_BUSINESS_BASE
    headers = {"access_token": token}
    httpx.post(
        f"{zalo_sandbox.base_url}/sandbox/control/oas/{oa['oa_id']}/templates",
        json={"template_id": "231003", "name": "Hồ sơ", "params": [{"name": "ma_ho_so", "maxLength": 40}]},
    ).raise_for_status()
    info = httpx.get(f"{business}/template/info/v2", params={"template_id": "231003"}, headers=headers).json()
    assert info["error"] == 0 and info["data"]["templateName"] == "Hồ sơ"
    assert info["data"]["listParams"][0]["name"] == "ma_ho_so" and info["data"]["listParams"][0]["maxLength"] == 40
    unknown = httpx.get(f"{business}/template/info/v2", params={"template_id": "404"}, headers=headers).json()
    assert unknown["error"] == -201

    settings.SANDBOX = {"ZBS_DAILY_QUOTA": 10, "RECEIVED_DELAY": 0}
    zalo_sandbox.create_user("Lê Văn D", phone="0912000333")
    sent = zbs(token, {"phone": "84912000333", "template_id": "231003", "template_data": {"ma_ho_so": "X"}})
    quota = httpx.get(f"{business}/message/quota", headers=headers).json()
    assert quota == {"error": 0, "message": "Success", "data": {"dailyQuota": "10", "remainingQuota": "9"}}
    status = _delivered(business, headers, sent["data"]["msg_id"])
    assert status["status"] == 1 and status["delivery_time"]
    assert httpx.get(f"{business}/message/status", params={"message_id": "x"}, headers=headers).json()["error"] == -201

    first, second = followed_user(zalo_sandbox, oa, "An"), followed_user(zalo_sandbox, oa, "Bình")
    zalo_sandbox.send_text(first["uid"], oa["oa_id"], "một")
    zalo_sandbox.send_text(second["uid"], oa["oa_id"], "hai")
    zalo_sandbox.send_text(first["uid"], oa["oa_id"], "ba")
    recent = openapi("/v2.0/oa/listrecentchat", token, get={"offset": 0, "count": 5}).json()
    assert [(r["from_id"], r["message"]) for r in recent["data"]] == [
        (first["user_id"], "ba"),
        (second["user_id"], "hai"),
    ]
    assert openapi("/v2.0/oa/listrecentchat", token, get={"offset": 0, "count": 11}).json()["error"] == -201

    update = {"user_id": first["user_id"], "user_alias": "Chị An tổ 3", "shared_info": {"phone": "84912000444"}}
    assert openapi("/v3.0/oa/user/update", token, update).json() == {"error": 0, "message": "Success"}
    detail = openapi("/v3.0/oa/user/detail", token, get={"user_id": first["user_id"]}).json()["data"]
    assert detail["user_alias"] == "Chị An tổ 3" and detail["shared_info"]["phone"] == "84912000444"
    assert openapi("/v3.0/oa/user/update", token, {"user_id": first["user_id"]}).json()["error"] == -201

    gif = httpx.post(
        f"{settings.ZALO_OPENAPI_BASE}/v2.0/oa/upload/gif",
        headers=headers,
        files={"file": ("vui.gif", GIF, "image/gif")},
    ).json()
    assert gif["error"] == 0 and gif["data"]["attachment_id"]
    element = {"media_type": "gif", "attachment_id": gif["data"]["attachment_id"], "width": 120, "height": 120}
    body = {"recipient": {"user_id": first["user_id"]}, "message": {"attachment": _media(element)}}
    assert openapi("/v3.0/oa/message/cs", token, body).json()["error"] == 0


def _delivered(business: str, headers: dict, msg_id: str) -> dict:
    """The phone receives a template message in the background, RECEIVED_DELAY after it is accepted."""
    deadline = time.monotonic() + 15
    while True:
        data = httpx.get(f"{business}/message/status", params={"message_id": msg_id}, headers=headers).json()["data"]
        assert data["status"] in (0, 1)
        if data["status"] == 1 or time.monotonic() > deadline:
            return data
        time.sleep(0.1)


def _media(element: dict) -> dict:
    return {"type": "template", "payload": {"template_type": "media", "elements": [element]}}


def test_unknown_paths_answer_json_errors_like_zalo(zalo_sandbox, oa):
    token = {"access_token": oa["access_token"]}
    for url in (
        f"{settings.ZALO_OPENAPI_BASE}/v3.0/oa/no/such/thing",
        f"{settings.ZALO_OPENAPI_BASE}/v2.0/oa/getfollowers",
        f"{settings.ZALO_BUSINESS_BASE}/journey/get-token",
    ):
        for response in (httpx.get(url, headers=token), httpx.post(url, headers=token, json={})):
            assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
            assert response.json() == {"error": -209, "message": "Not supported this api"}
    for path in ("/v2.0/oa/message", "/v2.0/oa/message/cs"):
        answer = httpx.post(f"{settings.ZALO_OPENAPI_BASE}{path}", headers=token, json={}).json()
        assert answer == {"error": -240, "message": "MessageV2 API has been shut down"}
