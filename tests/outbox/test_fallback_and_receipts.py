"""The fallback chain reaches a person the channel cannot (template by phone, then SMS); receipts move status."""

from datetime import timedelta

from django.utils import timezone

from ketnoi.channels.types.base import EventKind, InboundEvent
from ketnoi.outbox.models import FallbackStep, OutboundMessage, Status
from ketnoi.pipeline.inbound import handle

from .helpers import drain, enqueue

PHONE = "+84912345678"
FALLBACK = {"template_id": "T-status", "template_data": {"code": "H1"}, "sms_text": "Ho so H1 da co ket qua"}


def test_a_non_follower_is_reached_by_a_template_by_phone(make_channel, make_follower, sink):
    channel = make_channel(cost=300)
    person = make_follower(channel, "u-gone", phone=PHONE, is_follower=False)
    sink.not_followers = {"u-gone"}
    enqueue(channel, "H1-result", user_id="", channel_contact=person, fallback=FALLBACK)
    drain()
    original = OutboundMessage.objects.get(idempotency_key="H1-result")
    assert original.status == Status.UNREACHABLE
    assert "(-213)" in original.error_message and "template" in original.error_message
    step = OutboundMessage.objects.get(fallback_of=original)
    assert (step.fallback_step, step.status, step.kind, step.cost) == (
        FallbackStep.TEMPLATE,
        Status.SENT,
        "template",
        300,
    )
    assert [(m["kind"], m["phone"], m["template_id"]) for m in sink.accepted] == [("template", PHONE, "T-status")]


def test_outside_the_window_the_channel_is_not_even_asked(make_channel, make_follower, sink):
    channel = make_channel()
    person = make_follower(channel, "u-old", phone=PHONE)
    person.last_interaction_at = timezone.now() - timedelta(days=10)
    person.save()
    enqueue(channel, "H2-result", channel_contact=person, fallback=FALLBACK)
    drain()
    assert sink.requests == 1
    assert [m["kind"] for m in sink.accepted] == ["template"]
    assert OutboundMessage.objects.get(idempotency_key="H2-result").error_kind == "unreachable"


def test_when_the_template_fails_sms_of_an_ancestor_unit_takes_over(
    make_channel, make_follower, sink, transactional_world
):
    channel = make_channel()
    make_channel(type_code="sms", unit=transactional_world.province)
    make_channel(type_code="sms", unit=transactional_world.commune_b)  # not an ancestor: never used
    sink.not_followers = {"u-gone"}
    sink.unknown_phones = {PHONE}
    enqueue(channel, "H3-result", user_id="u-gone", recipient_phone=PHONE, fallback=FALLBACK)
    drain()
    chain = list(OutboundMessage.objects.order_by("id").values_list("fallback_step", "status", "channel__unit"))
    assert chain == [
        ("", Status.UNREACHABLE, channel.unit_id),
        (FallbackStep.TEMPLATE, Status.FAILED, channel.unit_id),
        (FallbackStep.SMS, Status.SENT, transactional_world.province.pk),
    ]
    assert [(m["kind"], m["text"]) for m in sink.accepted] == [("sms", FALLBACK["sms_text"])]


def test_without_any_other_way_the_person_is_recorded_unreachable(make_channel, sink):
    channel = make_channel()
    sink.not_followers = {"u-gone"}
    enqueue(channel, "H4-result", user_id="u-gone", fallback={"sms_text": "x"})  # no phone, no template
    drain()
    message = OutboundMessage.objects.get()
    assert message.status == Status.UNREACHABLE
    assert not sink.accepted


def _receipt(channel, kind, **fields):
    event = InboundEvent(kind=kind, provider_event=str(kind), dedup_key="d", occurred_at=timezone.now(), **fields)
    handle(channel, event)


def test_delivered_and_seen_receipts_move_the_status_forward_only(make_channel, sink):
    channel = make_channel()
    enqueue(channel, "r-1")
    drain()
    message = OutboundMessage.objects.get()
    _receipt(channel, EventKind.DELIVERED, message_ids=(message.provider_message_id,))
    message.refresh_from_db()
    assert message.status == Status.DELIVERED and message.delivered_at
    _receipt(channel, EventKind.SEEN, message_ids=(message.provider_message_id,))
    _receipt(channel, EventKind.DELIVERED, message_ids=(message.provider_message_id,))  # late, out of order
    message.refresh_from_db()
    assert message.status == Status.SEEN and message.seen_at


def test_template_receipts_match_by_tracking_id(make_channel, sink):
    channel = make_channel()
    other = make_channel()
    sink.not_followers = {"u-gone"}
    enqueue(channel, "t-1", user_id="u-gone", recipient_phone=PHONE, fallback=FALLBACK)
    drain()
    step = OutboundMessage.objects.get(fallback_step=FallbackStep.TEMPLATE)
    _receipt(other, EventKind.DELIVERED, tracking_id=step.idempotency_key)  # another OA: not ours
    step.refresh_from_db()
    assert step.status == Status.SENT
    _receipt(channel, EventKind.DELIVERED, tracking_id=step.idempotency_key)
    step.refresh_from_db()
    assert step.status == Status.DELIVERED
