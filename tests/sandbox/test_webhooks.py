import json
import threading

from .helpers import cs_text, followed_user, mac


def test_follow_is_signed_with_the_oa_secret_key(zalo_sandbox, webhook_receiver):
    oa = zalo_sandbox.create_oa("OA", webhook_url=webhook_receiver.url)
    person = zalo_sandbox.create_user("An")
    follower = zalo_sandbox.follow(person["uid"], oa["oa_id"])
    [delivery] = zalo_sandbox.wait_deliveries(oa["oa_id"], "follow")
    [received] = webhook_receiver.received
    raw = received.body
    assert raw.decode() == delivery["body"] and b" " not in raw.replace(b"An", b"")
    assert received.headers["x-zevent-signature"] == "mac=" + mac(oa["app_id"], raw, oa["oa_secret_key"])
    assert received.headers["x-zevent-signature"] != "mac=" + mac(oa["app_id"], raw, oa["app_secret"])
    event = json.loads(raw)
    assert list(event) == ["oa_id", "follower", "user_id_by_app", "event_name", "source", "app_id", "timestamp"]
    assert event["follower"] == {"id": follower["user_id"]} and event["source"] == "oa_profile"
    assert event["timestamp"].isdigit() and len(event["timestamp"]) == 13
    assert all(isinstance(v, str) for v in (event["oa_id"], event["app_id"], event["user_id_by_app"]))


def test_follow_with_a_token_puts_it_in_the_configured_field(zalo_sandbox, webhook_receiver, settings):
    oa = zalo_sandbox.create_oa("OA", webhook_url=webhook_receiver.url)
    person = zalo_sandbox.create_user("An")
    zalo_sandbox.follow(person["uid"], oa["oa_id"], token="qr-123")
    settings.SANDBOX = {"FOLLOW_TOKEN_FIELD": "tracking_param"}
    other = zalo_sandbox.create_user("Bình")
    zalo_sandbox.follow(other["uid"], oa["oa_id"], token="qr-456")
    zalo_sandbox.wait_deliveries(oa["oa_id"], "follow", count=2)
    first, second = sorted(webhook_receiver.events("follow"), key=lambda e: e["timestamp"])
    assert first["source"] == "qr-123"
    assert second["tracking_param"] == "qr-456" and second["source"] == "qr_code"


def test_user_events_and_oa_message_events(zalo_sandbox, webhook_receiver):
    oa = zalo_sandbox.create_oa("OA", webhook_url=webhook_receiver.url)
    user = followed_user(zalo_sandbox, oa)
    zalo_sandbox.send_text(user["uid"], oa["oa_id"], "Xin chào")
    zalo_sandbox.send_image(user["uid"], oa["oa_id"])
    zalo_sandbox.send_file(user["uid"], oa["oa_id"], filename="don.pdf")
    zalo_sandbox.send_location(user["uid"], oa["oa_id"], 13.09, 109.32)
    zalo_sandbox.send_sticker(user["uid"], oa["oa_id"])
    zalo_sandbox.tap(user["uid"], oa["oa_id"], "#TRACUU")
    zalo_sandbox.submit_info(user["uid"], oa["oa_id"], "An", "0912345678", "Bình Sơn")
    zalo_sandbox.click_chatnow(user["uid"], oa["oa_id"])
    sent = cs_text(oa["access_token"], user["user_id"], "Chào bạn")["data"]["message_id"]
    zalo_sandbox.wait_deliveries(oa["oa_id"], "user_received_message")
    zalo_sandbox.mark_seen(user["uid"], oa["oa_id"])
    zalo_sandbox.wait_deliveries(oa["oa_id"], "user_seen_message")
    zalo_sandbox.wait_deliveries(oa["oa_id"], None, count=12)
    names = sorted(e["event_name"] for e in webhook_receiver.events())
    assert names == sorted(
        [
            "follow",
            "user_send_text",
            "user_send_image",
            "user_send_file",
            "user_send_location",
            "user_send_sticker",
            "user_send_text",
            "user_submit_info",
            "user_click_chatnow",
            "oa_send_text",
            "user_received_message",
            "user_seen_message",
        ]
    )
    texts = [e["message"]["text"] for e in webhook_receiver.events("user_send_text")]
    assert sorted(texts) == ["#TRACUU", "Xin chào"]
    [image] = webhook_receiver.events("user_send_image")
    assert image["sender"] == {"id": user["user_id"]} and image["recipient"] == {"id": oa["oa_id"]}
    assert (
        image["message"]["attachments"][0]["type"] == "image" and image["message"]["attachments"][0]["payload"]["url"]
    )
    [info] = webhook_receiver.events("user_submit_info")
    assert info["info"]["phone"] == "84912345678"
    [received] = webhook_receiver.events("user_received_message")
    assert received["message"]["msg_id"] == sent
    [seen] = webhook_receiver.events("user_seen_message")
    assert seen["message"]["msg_ids"] == [sent]
    [echo] = webhook_receiver.events("oa_send_text")
    assert echo["sender"] == {"id": oa["oa_id"]} and echo["message"] == {"msg_id": sent, "text": "Chào bạn"}


def test_failed_deliveries_are_retried_with_num_retry(zalo_sandbox, webhook_receiver, settings):
    settings.SANDBOX = {"WEBHOOK_RETRY_DELAYS": [0.1, 0.1, 0.1]}
    webhook_receiver.statuses = [500, 503]
    oa = zalo_sandbox.create_oa("OA", webhook_url=webhook_receiver.url)
    followed_user(zalo_sandbox, oa)
    [delivery] = zalo_sandbox.wait_deliveries(oa["oa_id"], "follow")
    assert [(a["num_retry"], a["status"]) for a in delivery["attempts"]] == [(0, 500), (1, 503), (2, 200)]
    assert [r.headers.get("num_retry") for r in webhook_receiver.received] == [None, "1", "2"]
    assert len({r.body for r in webhook_receiver.received}) == 1  # the same body every time


def test_deliveries_give_up_after_the_ladder(zalo_sandbox, webhook_receiver, settings):
    settings.SANDBOX = {"WEBHOOK_RETRY_DELAYS": [0.1]}
    webhook_receiver.statuses = [500, 500, 500]
    oa = zalo_sandbox.create_oa("OA", webhook_url=webhook_receiver.url)
    followed_user(zalo_sandbox, oa)
    [delivery] = zalo_sandbox.wait_deliveries(oa["oa_id"], "follow", state="failed")
    assert [a["status"] for a in delivery["attempts"]] == [500, 500]


def test_unreachable_webhook_is_recorded(zalo_sandbox, settings):
    settings.SANDBOX = {"WEBHOOK_RETRY_DELAYS": []}
    oa = zalo_sandbox.create_oa("OA", webhook_url="http://127.0.0.1:9/nothing")
    followed_user(zalo_sandbox, oa)
    [delivery] = zalo_sandbox.wait_deliveries(oa["oa_id"], "follow", state="failed")
    assert delivery["attempts"][0]["status"] is None and delivery["attempts"][0]["error"]


def test_dropped_webhooks(zalo_sandbox, webhook_receiver):
    oa = zalo_sandbox.create_oa("OA", webhook_url=webhook_receiver.url)
    zalo_sandbox.set_faults(oa_id=oa["oa_id"], drop_webhooks=True)
    followed_user(zalo_sandbox, oa)
    [delivery] = zalo_sandbox.deliveries(oa["oa_id"], "follow")
    assert delivery["state"] == "dropped" and delivery["attempts"] == []
    zalo_sandbox.set_faults(oa_id=oa["oa_id"], drop_webhooks=False)
    followed_user(zalo_sandbox, oa, "Khác")
    assert len(zalo_sandbox.wait_deliveries(oa["oa_id"], "follow")) == 1
    assert len(webhook_receiver.received) == 1


def test_one_persons_events_arrive_in_order_and_other_people_are_not_held_up(zalo_sandbox, webhook_receiver):
    """Zalo delivers one user's events in the order they happened. The receiver holds An's first message until
    Bình's arrives: An's second must wait behind her first, and Bình's must not wait for An's."""
    oa = zalo_sandbox.create_oa("OA", webhook_url=webhook_receiver.url)
    an, binh = followed_user(zalo_sandbox, oa, "An"), followed_user(zalo_sandbox, oa, "Bình")
    zalo_sandbox.wait_deliveries(oa["oa_id"], "follow", count=2)
    binh_arrived = threading.Event()

    def hold(event):
        if event.get("message", {}).get("text") == "An 1":
            assert binh_arrived.wait(timeout=20), "Bình's message waited behind An's"
        elif event["sender"] == {"id": binh["user_id"]}:
            binh_arrived.set()

    webhook_receiver.hold = hold
    zalo_sandbox.send_text(an["uid"], oa["oa_id"], "An 1")
    zalo_sandbox.send_text(an["uid"], oa["oa_id"], "An 2")
    zalo_sandbox.send_text(binh["uid"], oa["oa_id"], "Bình 1")
    delivered = zalo_sandbox.wait_deliveries(oa["oa_id"], "user_send_text", count=3, timeout=30)
    assert len(delivered) == 3
    arrived = [e["message"]["text"] for e in webhook_receiver.events("user_send_text")]
    assert arrived == ["An 1", "Bình 1", "An 2"]


def test_reset_waits_for_the_deliveries_in_flight(zalo_sandbox, webhook_receiver):
    """Tests empty the database right after the sandbox's reset: nothing it sends in the background may outlive it."""
    oa = zalo_sandbox.create_oa("OA", webhook_url=webhook_receiver.url)
    answered = threading.Event()
    arrived = threading.Event()

    def hold(event):
        arrived.set()
        threading.Event().wait(1.0)
        answered.set()

    webhook_receiver.hold = hold
    followed_user(zalo_sandbox, oa)
    assert arrived.wait(timeout=20)
    zalo_sandbox.reset()
    assert answered.is_set()
