"""The outbox driving the real Zalo adapter against the sandbox over HTTP: faults retried and each message sent
once, -32 slowing the OA down without loss, the fallback chain reaching a non-follower by phone (ZBS template),
receipts from the sandbox's webhooks, and a dispatcher process killed with SIGKILL (counted at the sandbox)."""

import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import timedelta

import pytest

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ketnoi.channels.types.base import OutboundPayload
from ketnoi.contacts.models import ChannelContact
from ketnoi.outbox.models import FallbackStep, OutboundMessage, Status
from ketnoi.outbox.queue import OUTBOX
from ketnoi.outbox.quotas import quota_backend
from ketnoi.outbox.services import outbox_enqueue
from tests.channels.conftest import run_inbound_queue

from .helpers import _database_url, drain, unsettled, wait_for

PHONE = "84912000111"


@pytest.fixture(autouse=True)
def fast_retries(settings):
    settings.OUTBOX_RETRY_BASE_SECONDS = 0.05
    settings.OUTBOX_RETRY_MAX_SECONDS = 0.5


def follow(zalo_sandbox, channel, oa_id, name="Trần Văn Nam", phone=PHONE) -> ChannelContact:
    known = ChannelContact.objects.filter(channel=channel).count()
    person = zalo_sandbox.create_user(name, phone=phone)
    zalo_sandbox.follow(person["uid"], oa_id, source="qr")
    zalo_sandbox.wait_deliveries(oa_id, "follow", count=known + 1)
    run_inbound_queue()
    return ChannelContact.objects.get(channel=channel, contact__name=name)


def send_texts(channel, contact, count, prefix="Thông báo", **kwargs) -> list[str]:
    texts = [f"{prefix}.{i}" for i in range(count)]
    with transaction.atomic():
        for i, text in enumerate(texts):
            outbox_enqueue(
                channel=channel,
                channel_contact=contact,
                payload=OutboundPayload(kind="text", text=text),
                idempotency_key=f"{prefix}-{i}",
                **kwargs,
            )
    return texts


def sent_texts(zalo_sandbox, oa_id, prefix="Thông báo") -> Counter:
    """Our numbered texts as the sandbox received them (a welcome message on follow is not ours to count)."""
    return Counter(m["text"] for m in zalo_sandbox.messages(oa_id=oa_id) if m["text"].startswith(prefix))


def test_5xx_timeouts_and_lost_answers_are_retried_and_each_message_arrives_once(zalo_sandbox, oa, settings):
    channel, created = oa
    settings.OUTBOX_MAX_ATTEMPTS = 40
    settings.ZALO_HTTP_TIMEOUT = 1.0
    people = [
        follow(zalo_sandbox, channel, created["oa_id"], name=f"Người {i}", phone=f"8491200011{i}") for i in range(5)
    ]
    zalo_sandbox.set_faults(
        app_id=created["app_id"], error_rate=0.2, timeout_rate=0.1, lost_response_rate=0.15, timeout_seconds=1.5
    )
    texts = []
    for i, person in enumerate(people):  # a few notices each: find_sent reads one page of each conversation
        texts += send_texts(channel, person, 3, prefix=f"Thông báo {i}")
    drain(until_seconds=120, concurrency=4)
    assert sent_texts(zalo_sandbox, created["oa_id"]) == dict.fromkeys(texts, 1)
    rows = OutboundMessage.objects.filter(idempotency_key__startswith="Thông báo")
    assert set(rows.values_list("status", flat=True)) == {Status.SENT}
    assert sum(rows.values_list("attempts", flat=True)) > len(texts)  # the faults did bite


def test_rate_limited_oa_slows_down_and_loses_nothing(zalo_sandbox, oa):
    channel, created = oa
    contact = follow(zalo_sandbox, channel, created["oa_id"])
    zalo_sandbox.set_rate_limit(created["oa_id"], 6)  # the follow-up calls above count too
    texts = send_texts(channel, contact, 12)
    drain(
        settled=lambda: (
            not OutboundMessage.objects.filter(status=Status.SENDING).exists() and not OUTBOX.heads().exists()
        )
    )
    arrived = sent_texts(zalo_sandbox, created["oa_id"])
    rows = OutboundMessage.objects.filter(idempotency_key__startswith="Thông báo")
    assert 0 < len(arrived) < len(texts)
    waiting = rows.filter(status=Status.QUEUED).order_by("pk")
    assert waiting.count() == len(texts) - len(arrived)  # waiting for the OA's next minute
    assert not rows.filter(status__in=(Status.FAILED, Status.UNREACHABLE)).exists()
    refused, *behind = waiting
    assert refused.next_attempt_at > timezone.now() + timedelta(seconds=30)
    assert refused.error_message.startswith("Rate limited (-32)")
    assert all(m.attempts == 0 for m in behind)  # the person's later messages wait behind it, untried

    # A minute later (simulated): the OA may call again.
    zalo_sandbox.set_rate_limit(created["oa_id"], 0)  # back to Zalo's 4,000 a minute
    quota_backend().reset(channel.quota_key)
    waiting.update(next_attempt_at=timezone.now())
    drain()
    assert sent_texts(zalo_sandbox, created["oa_id"]) == dict.fromkeys(texts, 1)
    assert max(rows.values_list("attempts", flat=True)) == 1


def test_fallback_reaches_a_non_follower_by_phone_with_a_zbs_template(zalo_sandbox, oa):
    channel, created = oa
    contact = follow(zalo_sandbox, channel, created["oa_id"])
    zalo_sandbox.unfollow(contact.user_id, created["oa_id"])
    with transaction.atomic():
        outbox_enqueue(
            channel=channel,
            channel_contact=contact,
            recipient_phone="+" + PHONE,
            payload=OutboundPayload(kind="text", text="Hồ sơ H1 đã có kết quả"),
            idempotency_key="H1-done",
            fallback={"template_id": "tpl-status", "template_data": {"code": "H1"}},
        )
    drain()
    original = OutboundMessage.objects.get(idempotency_key="H1-done")
    step = OutboundMessage.objects.get(fallback_of=original)
    assert original.status == Status.UNREACHABLE
    assert step.fallback_step == FallbackStep.TEMPLATE
    assert step.status in (Status.SENT, Status.DELIVERED)  # the sandbox may already have sent its receipt
    arrived = zalo_sandbox.messages(phone=PHONE)
    assert [m["tracking_id"] for m in arrived if m["endpoint"] in ("template", "zbs")] == [step.idempotency_key]
    assert not [m for m in arrived if m["endpoint"] == "cs"]


def test_seen_receipts_from_the_sandbox_update_the_status(zalo_sandbox, oa):
    channel, created = oa
    contact = follow(zalo_sandbox, channel, created["oa_id"])
    send_texts(channel, contact, 2, prefix="Kết quả")
    drain()
    ours = OutboundMessage.objects.filter(idempotency_key__startswith="Kết quả").order_by("idempotency_key")
    ids = list(ours.values_list("provider_message_id", flat=True))
    zalo_sandbox.mark_seen(contact.user_id, created["oa_id"], msg_ids=ids[:1])
    zalo_sandbox.wait_deliveries(created["oa_id"], "user_seen_message")
    run_inbound_queue()
    seen, other = ours
    assert (seen.status, bool(seen.seen_at)) == (Status.SEEN, True)
    assert other.status in (Status.SENT, Status.DELIVERED)  # not seen


def start_dispatcher(live_server_url: str, *extra: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "ZALO_OAUTH_BASE": f"{live_server_url}/sandbox/zalo/oauth",
        "ZALO_OPENAPI_BASE": f"{live_server_url}/sandbox/zalo/openapi",
        "ZALO_BUSINESS_BASE": f"{live_server_url}/sandbox/zalo/business",
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "manage.py", "run_dispatcher", "--concurrency", "8", "--batch-size", "20", *extra]
    return subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # noqa: S603


def test_a_dispatcher_killed_mid_batch_sends_every_message_once(zalo_sandbox, oa, live_server):
    """Counted at the sandbox per message. Several people, four messages each: the adapter's find_sent reads
    one page (10) of each conversation, so a person with many more messages in flight could be missed."""
    channel, created = oa
    people = [
        follow(zalo_sandbox, channel, created["oa_id"], name=f"Người {i}", phone=f"849120002{i:02d}") for i in range(20)
    ]
    zalo_sandbox.set_faults(app_id=created["app_id"], latency_ms=40)
    texts = []
    for i, person in enumerate(people):
        texts += send_texts(channel, person, 4, prefix=f"Thông báo {i}")
    first = start_dispatcher(live_server.url, "--lease-seconds", "3")
    try:
        wait_for(  # a process starting on a busy machine can take a while before its first send
            lambda: len(sent_texts(zalo_sandbox, created["oa_id"])) >= 20 or first.poll() is not None,
            timeout=180,
            what="the first dispatcher to send",
        )
        assert first.poll() is None, first.stdout.read().decode()
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    assert OutboundMessage.objects.filter(status=Status.SENDING).exists()  # killed mid-batch
    assert len(sent_texts(zalo_sandbox, created["oa_id"])) < len(texts)

    second = start_dispatcher(live_server.url, "--lease-seconds", "3", "--sweep-every", "0.5")
    try:
        wait_for(lambda: unsettled() == 0 or second.poll() is not None, timeout=180, what="the outbox to drain")
        assert second.poll() is None, second.stdout.read().decode()
        second.send_signal(signal.SIGTERM)
        assert second.wait(30) == 0
    finally:
        if second.poll() is None:
            second.kill()
    assert sent_texts(zalo_sandbox, created["oa_id"]) == dict.fromkeys(texts, 1)
    ours = OutboundMessage.objects.filter(idempotency_key__startswith="Thông báo")
    assert set(ours.values_list("status", flat=True)) <= {Status.SENT, Status.DELIVERED, Status.SEEN}
