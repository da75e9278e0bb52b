"""Enqueue is transactional and idempotent; lanes are served emergency, then transactional, then bulk."""

import pytest

from django.db import transaction

from ketnoi.channels.types.base import OutboundPayload
from ketnoi.core.errors import ApplicationError
from ketnoi.outbox.dispatcher import dispatch_once
from ketnoi.outbox.models import Lane, OutboundMessage, Status
from ketnoi.outbox.services import OutsideTransaction, outbox_cancel, outbox_enqueue

from .helpers import drain, enqueue


def test_enqueue_is_idempotent_per_key(make_channel, sink):
    channel = make_channel()
    first = enqueue(channel, "dossier-1-received", text="first")
    again = enqueue(channel, "dossier-1-received", text="a different text")
    assert again.pk == first.pk
    assert OutboundMessage.objects.count() == 1
    drain()
    assert sink.counts() == {"dossier-1-received": 1}
    assert [m["text"] for m in sink.accepted] == ["first"]


def test_enqueue_refuses_to_run_outside_a_transaction(make_channel):
    channel = make_channel()
    with pytest.raises(OutsideTransaction):
        outbox_enqueue(channel=channel, payload=OutboundPayload(kind="text", text="x"), idempotency_key="k")
    assert not OutboundMessage.objects.exists()


def test_enqueue_rolls_back_with_its_cause(make_channel):
    channel = make_channel()
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_enqueue(
            channel=channel, payload=OutboundPayload(kind="text", text="x"), idempotency_key="k", recipient_user_id="u"
        )
        raise RuntimeError("the business change failed")
    assert not OutboundMessage.objects.exists()


def test_enqueue_needs_a_recipient_and_a_valid_phone(make_channel):
    channel = make_channel()
    with pytest.raises(ApplicationError), transaction.atomic():
        outbox_enqueue(channel=channel, payload=OutboundPayload(kind="text", text="x"), idempotency_key="k")
    with pytest.raises(ApplicationError), transaction.atomic():
        outbox_enqueue(
            channel=channel, payload=OutboundPayload(kind="text", text="x"), idempotency_key="k", recipient_phone="12"
        )
    message = enqueue(channel, "k2", user_id="", recipient_phone="0912 345 678")
    assert message.recipient_phone == "+84912345678"


def test_lanes_are_served_in_order_of_urgency(make_channel, sink):
    channel = make_channel()
    for i in range(4):
        enqueue(channel, f"bulk-{i}", lane=Lane.BULK)
    for i in range(3):
        enqueue(channel, f"reply-{i}", lane=Lane.TRANSACTIONAL)
    for i in range(2):
        enqueue(channel, f"alert-{i}", lane=Lane.EMERGENCY)

    assert dispatch_once(batch_size=2, concurrency=1) == 2
    assert [m["key"] for m in sink.accepted] == ["alert-0", "alert-1"]
    dispatch_once(batch_size=20, concurrency=1)
    assert [m["key"] for m in sink.accepted] == [
        "alert-0", "alert-1", "reply-0", "reply-1", "reply-2", "bulk-0", "bulk-1", "bulk-2", "bulk-3",
    ]  # fmt: skip
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {Status.SENT}
    assert all(m.provider_message_id for m in OutboundMessage.objects.all())


def test_cancel_stops_what_has_not_left(make_channel, sink):
    channel = make_channel()
    for i in range(3):
        enqueue(channel, f"b-{i}", lane=Lane.BULK, source_type="broadcast", source_id="42")
    enqueue(channel, "other", source_type="dossier", source_id="7")
    assert outbox_cancel(source_type="broadcast", source_id="42", reason="cancelled by the editor") == 3
    drain()
    assert sink.counts() == {"other": 1}
    assert OutboundMessage.objects.filter(status=Status.CANCELLED).count() == 3


def test_broadcast_fan_out_in_bulk_skips_keys_already_queued(make_channel, sink):
    from ketnoi.outbox.payloads import payload_to_json
    from ketnoi.outbox.services import outbox_enqueue_many

    channel = make_channel()
    payload = payload_to_json(OutboundPayload(kind="text", text="Lịch cắt điện"))

    def rows(n):
        return [
            OutboundMessage(
                channel=channel, recipient_user_id=f"u{i}", lane=Lane.BULK, kind="text", payload=payload,
                idempotency_key=f"broadcast-9-u{i}", source_type="broadcast", source_id="9",
            )
            for i in range(n)
        ]  # fmt: skip

    with transaction.atomic():
        assert outbox_enqueue_many(messages=rows(30)) == 30
    with transaction.atomic():
        assert outbox_enqueue_many(messages=rows(40)) == 10  # a resumed fan-out
    drain()
    assert len(sink.accepted) == 40 and all(c == 1 for c in sink.counts().values())


def test_one_persons_messages_arrive_in_the_order_queued(make_channel, make_follower, sink):
    """A chat turn of several messages reads in order, even with many sender threads and several claims."""
    channel = make_channel()
    follower = make_follower(channel, "u-order")
    other = make_follower(channel, "u-other")
    sink.delay = 0.01
    for i in range(12):
        enqueue(channel, f"order-{i}", user_id="u-order", text=f"{i}", channel_contact=follower)
        enqueue(channel, f"other-{i}", user_id="u-other", text=f"{i}", channel_contact=other)
    drain(concurrency=8, batch_size=5)
    arrived = [m["text"] for m in sink.accepted if m["user_id"] == "u-order"]
    assert arrived == [str(i) for i in range(12)]
    assert sink.counts() == {**{f"order-{i}": 1 for i in range(12)}, **{f"other-{i}": 1 for i in range(12)}}
