import json

from .helpers import followed_user, zbs


def test_tracking_id_makes_a_send_idempotent_and_comes_back_on_delivery(zalo_sandbox, webhook_receiver):
    oa = zalo_sandbox.create_oa("OA", webhook_url=webhook_receiver.url)
    zalo_sandbox.create_user("Lê C", phone="0912345678")
    body = {
        "phone": "84912345678",
        "template_id": "355",
        "template_data": {"ma_ho_so": "H90.1"},
        "tracking_id": "H90.1-done-1",
    }
    first = zbs(oa["access_token"], body)
    second = zbs(oa["access_token"], body)
    assert first["error"] == 0 and first["data"]["msg_id"] == second["data"]["msg_id"]
    assert set(first["data"]["quota"]) == {"dailyQuota", "remainingQuota"}
    sink = zalo_sandbox.messages(oa_id=oa["oa_id"])
    assert len(sink) == 1 and sink[0]["phone"] == "84912345678" and sink[0]["tracking_id"] == "H90.1-done-1"
    assert sink[0]["cost"] > 0

    other = zbs(oa["access_token"], {**body, "tracking_id": "H90.1-done-2"})
    assert other["data"]["msg_id"] != first["data"]["msg_id"]

    delivered = zalo_sandbox.wait_deliveries(oa["oa_id"], "user_received_message", count=2)
    events = sorted((json.loads(d["body"]) for d in delivered), key=lambda e: e["message"]["tracking_id"])
    assert events[0]["recipient"] == {"id": "84912345678"}
    assert events[0]["message"]["msg_id"] == first["data"]["msg_id"]
    assert events[0]["message"]["tracking_id"] == "H90.1-done-1"
    assert events[0]["message"]["delivery_time"].isdigit()


def test_phone_numbers_must_be_in_84_form(zalo_sandbox):
    oa = zalo_sandbox.create_oa("OA")
    assert zbs(oa["access_token"], {"phone": "0912345678", "template_id": "1", "template_data": {}})["error"] == -108
    assert zbs(oa["access_token"], {"phone": "+84912345678", "template_id": "1", "template_data": {}})["error"] == 0
    assert zbs(oa["access_token"], {"phone": "84912345678", "template_data": {}})["error"] == -201


def test_template_by_uid(zalo_sandbox):
    from .helpers import openapi

    oa = zalo_sandbox.create_oa("OA")
    user = followed_user(zalo_sandbox, oa)
    answer = openapi(
        "/v3.0/oa/message/template",
        oa["access_token"],
        {"user_id": user["user_id"], "template_id": "9", "template_data": {"a": "1"}},
    ).json()
    assert answer["error"] == 0 and answer["data"]["message_id"]
    assert zalo_sandbox.messages(oa_id=oa["oa_id"])[0]["endpoint"] == "template"


def test_receipts_only_reach_phones_with_a_zalo_account_unless_configured(zalo_sandbox, webhook_receiver, settings):
    oa = zalo_sandbox.create_oa("OA", webhook_url=webhook_receiver.url)
    zalo_sandbox.create_user("Có Zalo", phone="0912345678")
    base = {"template_id": "1", "template_data": {}}
    zbs(oa["access_token"], {**base, "phone": "84987000111", "tracking_id": "no-account"})
    zbs(oa["access_token"], {**base, "phone": "84912345678", "tracking_id": "has-account"})
    [receipt] = zalo_sandbox.wait_deliveries(oa["oa_id"], "user_received_message")
    assert json.loads(receipt["body"])["message"]["tracking_id"] == "has-account"
    assert len(zalo_sandbox.messages(oa_id=oa["oa_id"])) == 2  # both accepted at the sink

    settings.SANDBOX = {"ZBS_RECEIPT_FOR_UNKNOWN_PHONES": True}
    zbs(oa["access_token"], {**base, "phone": "84987000222", "tracking_id": "any-phone"})
    receipts = zalo_sandbox.wait_deliveries(oa["oa_id"], "user_received_message", count=2)
    assert {json.loads(r["body"])["message"]["tracking_id"] for r in receipts} == {"has-account", "any-phone"}
