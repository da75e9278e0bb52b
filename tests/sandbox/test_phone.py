"""The simulated phone page, driven over real HTTP as a browser would (forms, cookies, CSRF)."""

import re

import httpx

from .helpers import mac, openapi


def csrf(page: httpx.Response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def test_follow_through_the_link_sends_a_signed_follow_with_the_token(zalo_sandbox, webhook_receiver, live_server):
    oa = zalo_sandbox.create_oa("Phường Đông Hòa", webhook_url=webhook_receiver.url)
    phone = httpx.Client(base_url=live_server.url, follow_redirects=True)
    home = phone.get("/sandbox/?token=qr-7")
    assert home.status_code == 200 and "Phường Đông Hòa" in home.text
    assert f"https://zalo.me/{oa['oa_id']}" in home.text and "<svg" in home.text
    assert f"/sandbox/follow/{oa['oa_id']}?token=qr-7" in home.text

    page = phone.get(f"/sandbox/follow/{oa['oa_id']}?token=qr-7")
    page = phone.post(
        f"/sandbox/follow/{oa['oa_id']}?token=qr-7",
        data={"csrfmiddlewaretoken": csrf(page), "form": "user", "name": "Phạm Dũng", "phone": "0987654321"},
    )
    assert "Phạm Dũng" in page.text
    chat = phone.post(
        f"/sandbox/follow/{oa['oa_id']}?token=qr-7",
        data={"csrfmiddlewaretoken": csrf(page), "token": "qr-7", "action": "follow"},
    )
    assert chat.url.path == f"/sandbox/chat/{oa['oa_id']}"

    assert len(zalo_sandbox.wait_deliveries(oa["oa_id"], "follow")) == 1
    [received] = webhook_receiver.received
    assert received.headers["x-zevent-signature"] == "mac=" + mac(oa["app_id"], received.body, oa["oa_secret_key"])
    [event] = webhook_receiver.events("follow")
    assert event["source"] == "qr-7"


def test_chat_shows_oa_messages_taps_buttons_and_marks_seen(zalo_sandbox, webhook_receiver, live_server):
    oa = zalo_sandbox.create_oa("OA", webhook_url=webhook_receiver.url)
    phone = httpx.Client(base_url=live_server.url, follow_redirects=True)
    home = phone.get("/sandbox/")
    phone.post("/sandbox/", data={"csrfmiddlewaretoken": csrf(home), "form": "user", "name": "Hoa"})
    page = phone.get(f"/sandbox/follow/{oa['oa_id']}")
    phone.post(f"/sandbox/follow/{oa['oa_id']}", data={"csrfmiddlewaretoken": csrf(page), "action": "follow"})
    zalo_sandbox.wait_deliveries(oa["oa_id"], "follow")
    user_id = webhook_receiver.events("follow")[0]["follower"]["id"]

    buttons = [
        {"title": "Tra cứu hồ sơ", "type": "oa.query.show", "payload": "#TRACUU"},
        {"title": "Đường dây nóng", "type": "oa.open.phone", "payload": {"phone_code": "842563822222"}},
    ]
    message = {"text": "Chào Hoa", "attachment": {"type": "template", "payload": {"buttons": buttons}}}
    sent = openapi(
        "/v3.0/oa/message/cs", oa["access_token"], {"recipient": {"user_id": user_id}, "message": message}
    ).json()
    assert sent["error"] == 0

    chat = phone.get(f"/sandbox/chat/{oa['oa_id']}")
    assert "Chào Hoa" in chat.text and "Tra cứu hồ sơ" in chat.text and "842563822222" in chat.text
    [seen] = zalo_sandbox.wait_deliveries(oa["oa_id"], "user_seen_message")
    assert sent["data"]["message_id"] in seen["body"]

    polled = phone.get(f"/sandbox/chat/{oa['oa_id']}/messages?v=stale")
    fingerprint = re.search(r"\?v=([0-9-]+)", polled.text).group(1)
    assert phone.get(f"/sandbox/chat/{oa['oa_id']}/messages?v={fingerprint}").status_code == 204

    phone.post(
        f"/sandbox/chat/{oa['oa_id']}/act",
        data={"csrfmiddlewaretoken": csrf(chat), "action": "tap", "payload": "#TRACUU", "hidden": "0"},
    )
    phone.post(
        f"/sandbox/chat/{oa['oa_id']}/act", data={"csrfmiddlewaretoken": csrf(chat), "action": "text", "text": "Cảm ơn"}
    )
    zalo_sandbox.wait_deliveries(oa["oa_id"], "user_send_text", count=2)
    assert sorted(e["message"]["text"] for e in webhook_receiver.events("user_send_text")) == ["#TRACUU", "Cảm ơn"]


def test_fault_form(zalo_sandbox, live_server):
    oa = zalo_sandbox.create_oa("OA")
    phone = httpx.Client(base_url=live_server.url, follow_redirects=True)
    page = phone.get("/sandbox/faults")
    assert f"oa:{oa['oa_id']}" in page.text
    phone.post(
        "/sandbox/faults", data={"csrfmiddlewaretoken": csrf(page), "scope": f"oa:{oa['oa_id']}", "error_rate": "1"}
    )
    assert openapi("/v2.0/oa/getoa", oa["access_token"], get={}).status_code == 503
    phone.post(
        "/sandbox/faults",
        data={
            "csrfmiddlewaretoken": csrf(page),
            "scope": f"oa:{oa['oa_id']}",
            "error_rate": "0",
            "expire_token": "expire",
        },
    )
    assert openapi("/v2.0/oa/getoa", oa["access_token"], get={}).json()["error"] == -220
