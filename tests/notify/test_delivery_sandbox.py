"""Notifications over real HTTP end to end: the API on the live server, the outbox's dispatcher sending to the Zalo
sandbox (and the SMS gateway stand-in), the sandbox's receipts coming back through the webhook, statuses and
signed callbacks. A follower inside the OA's window gets the consultation message, one outside it the ZBS
template by phone, a phone with no Zalo account the SMS."""

from datetime import timedelta

import httpx
import pytest

from django.utils import timezone

from ketnoi.contacts.models import ChannelContact
from ketnoi.notify.callbacks import send_due, verify_signature
from ketnoi.notify.models import Callback, Notification
from ketnoi.notify.tracking import track_unfinished
from tests.channels.conftest import run_inbound_queue
from tests.outbox.helpers import drain, wait_for
from tests.sandbox_oa import connect_sandbox_oa

from .conftest import VALUES, make_service
from .receiver import CallbackReceiver

PHONE = "0912111222"


@pytest.fixture(autouse=True)
def fast_retries(settings):
    settings.OUTBOX_RETRY_BASE_SECONDS = 0.05
    settings.OUTBOX_RETRY_MAX_SECONDS = 0.5
    settings.NOTIFY_CALLBACK_RETRY_BASE_SECONDS = 0.01
    settings.NOTIFY_CALLBACK_RETRY_MAX_SECONDS = 0.02


@pytest.fixture
def receiver():
    server = CallbackReceiver()
    yield server
    server.close()


@pytest.fixture
def setup(zalo_sandbox, transactional_world, live_server, gateway, receiver):
    channel, created = connect_sandbox_oa(zalo_sandbox, unit=transactional_world.commune_a,
                                          live_server_url=live_server.url)  # fmt: skip
    service, template, keys = make_service(transactional_world, channels=[channel], gateway_url=gateway.url,
                                           callback_url=receiver.url)  # fmt: skip
    return channel, created, service, template, keys


def follower(zalo_sandbox, channel, oa_id, *, phone=PHONE, name="Trần Văn Nam") -> ChannelContact:
    """A citizen who follows the OA, wrote to it (the window opens) and shared their phone."""
    person = zalo_sandbox.create_user(name, phone=phone)
    zalo_sandbox.follow(person["uid"], oa_id)
    zalo_sandbox.submit_info(person["uid"], oa_id, name=name, phone=phone)
    zalo_sandbox.wait_deliveries(oa_id, "user_submit_info")
    run_inbound_queue()
    return ChannelContact.objects.get(channel=channel, shared_phone="+84" + phone[1:])


def send(live_server, key, template, **recipient) -> dict:
    body = {"template_id": str(template.uuid), "personalisation": VALUES, "reference": "HD-11", **recipient}
    answer = httpx.post(f"{live_server.url}/api/v1/notifications", json=body,
                        headers={"Authorization": f"Bearer {key}"}, timeout=30)  # fmt: skip
    assert answer.status_code == 201, answer.text
    return answer.json()


def settle(notification_id: str, *statuses: str) -> Notification:
    """Send what is queued, read the receipts, bring the statuses up: until the notification reaches one of
    `statuses`."""

    def reached() -> bool:
        drain(settled=lambda: True)
        run_inbound_queue()
        track_unfinished()
        return Notification.objects.get(uuid=notification_id).status in statuses

    wait_for(reached, timeout=60, what=f"status {statuses}")
    return Notification.objects.get(uuid=notification_id)


def test_inside_the_window_the_consultation_message_then_delivered_and_seen_each_told_signed(
    zalo_sandbox, setup, live_server, receiver
):
    channel, created, service, template, keys = setup
    contact = follower(zalo_sandbox, channel, created["oa_id"])
    sent = send(live_server, keys["live"], template, phone=PHONE)
    notification = settle(sent["id"], "delivered", "seen")
    assert (notification.via, notification.channel_id) == ("zalo", channel.pk)
    [message] = [m for m in zalo_sandbox.messages(oa_id=created["oa_id"]) if "hóa đơn" in m["text"]]
    assert message["endpoint"] == "cs"
    assert message["text"] == "Kính gửi Nguyễn Văn An, hóa đơn tiền nước tháng 11/2026 là 125.000 đồng."

    zalo_sandbox.mark_seen(contact.user_id, created["oa_id"], msg_ids=[notification.message.provider_message_id])
    zalo_sandbox.wait_deliveries(created["oa_id"], "user_seen_message")
    notification = settle(sent["id"], "seen")
    assert notification.seen_at is not None

    send_due()
    statuses = [c["data"]["status"] for c in receiver.accepted()]
    assert statuses[-1] == "seen" and "delivered" in statuses
    assert statuses == sorted(statuses, key=["created", "sending", "sent", "delivered", "seen"].index)
    for request in receiver.received:  # every callback verifiable with the service's secret
        headers = request["headers"]
        assert verify_signature(secret=service.callback_secret, body=request["body"],
                                timestamp=headers["X-Ketnoi-Timestamp"], signature=headers["X-Ketnoi-Signature"])  # fmt: skip
        assert not verify_signature(secret="someone else", body=request["body"],
                                    timestamp=headers["X-Ketnoi-Timestamp"], signature=headers["X-Ketnoi-Signature"])  # fmt: skip
    answer = httpx.get(f"{live_server.url}/api/v1/notifications/{sent['id']}",
                       headers={"Authorization": f"Bearer {keys['live']}"}).json()  # fmt: skip
    assert (answer["status"], answer["channel"]) == ("seen", "zalo")


def test_outside_the_window_the_zbs_template_by_phone(zalo_sandbox, setup, live_server):
    channel, created, _service, template, keys = setup
    contact = follower(zalo_sandbox, channel, created["oa_id"])
    zalo_sandbox.set_last_interaction(contact.user_id, created["oa_id"], hours_ago=8 * 24)
    ChannelContact.objects.filter(pk=contact.pk).update(last_interaction_at=timezone.now() - timedelta(days=8))
    sent = send(live_server, keys["live"], template, phone=PHONE)
    notification = settle(sent["id"], "delivered")
    assert notification.via == "zbs"
    arrived = [m for m in zalo_sandbox.messages(phone="84912111222") if m["endpoint"] in ("template", "zbs")]
    assert [(m["payload"]["template_id"], m["payload"]["template_data"]["so_tien"]) for m in arrived] == [
        ("tpl-bill", "125.000")
    ]
    assert not [m for m in zalo_sandbox.messages(oa_id=created["oa_id"]) if "hóa đơn" in m.get("text", "")]


def test_a_phone_with_no_zalo_gets_the_sms_and_a_failing_callback_is_retried_then_dead(
    zalo_sandbox, setup, live_server, gateway, receiver, settings
):
    settings.SANDBOX = {"ZBS_REFUSE_UNKNOWN_PHONES": True}
    settings.NOTIFY_CALLBACK_MAX_ATTEMPTS = 3
    _channel, _created, _service, template, keys = setup
    sent = send(live_server, keys["live"], template, phone="0987650000")
    notification = settle(sent["id"], "sent")
    assert (notification.via, notification.cost) == ("sms", 450)
    assert [r["body"]["text"] for r in gateway.received] == [
        "Kinh gui Nguyễn Văn An: hoa don tien nuoc thang 11/2026 la 125.000 dong."
    ]
    assert gateway.received[0]["body"]["to"] == "+84987650000"

    receiver.fail_first = 100  # the service's endpoint is down: retried with backoff, then a dead letter
    wait_for(lambda: (send_due(), not Callback.objects.exclude(status="dead").exists())[1], timeout=30,
             what="the callbacks to give up")  # fmt: skip
    assert set(Callback.objects.values_list("status", "attempts")) == {("dead", 3)}
    assert len(receiver.received) == 3 * Callback.objects.count()
    assert len({r["headers"]["Idempotency-Key"] for r in receiver.received}) == Callback.objects.count()
