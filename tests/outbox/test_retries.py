"""Provider failures: 5xx and timeouts are retried until delivered, once; -32 slows a channel and loses nothing."""

from django.db import transaction

from ketnoi.outbox.dispatcher import Dispatcher
from ketnoi.outbox.models import OutboundMessage, QuotaBucket, Status

from .helpers import drain, enqueue


def test_5xx_and_timeouts_are_retried_then_delivered_once(make_channel, sink):
    channel = make_channel()
    sink.fail_5xx = 3
    sink.hang = 2
    keys = [f"notice-{i}" for i in range(5)]
    for key in keys:
        enqueue(channel, key)
    drain()
    assert sink.counts() == dict.fromkeys(keys, 1)
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {Status.SENT}
    assert sum(OutboundMessage.objects.values_list("attempts", flat=True)) == 5 + 3 + 2


def test_a_send_whose_answer_was_lost_is_not_sent_twice(make_channel, sink):
    channel = make_channel()
    sink.accept_then_hang = 1  # the provider took it, but the answer never came back
    enqueue(channel, "reply-1")
    drain()
    assert sink.counts() == {"reply-1": 1}
    message = OutboundMessage.objects.get()
    assert message.status == Status.SENT
    assert message.provider_message_id == sink.accepted[0]["id"]


def test_max_attempts_ends_in_failed_with_a_readable_reason(make_channel, sink, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    channel = make_channel()
    sink.fail_5xx = 100
    enqueue(channel, "doomed")
    drain()
    message = OutboundMessage.objects.get()
    assert message.status == Status.FAILED
    assert message.attempts == 3
    assert "Gave up after 3 attempts" in message.error_message
    assert "503" in message.error_message


def test_permanent_errors_fail_at_once(make_channel, sink):
    channel = make_channel()
    sink.unknown_phones = {"+84912345678"}
    from ketnoi.channels.types.base import OutboundPayload
    from ketnoi.outbox.services import outbox_enqueue

    with transaction.atomic():
        outbox_enqueue(
            channel=channel,
            payload=OutboundPayload(kind="template", template_id="T1"),
            idempotency_key="tpl-1",
            recipient_phone="+84912345678",
        )
    drain()
    message = OutboundMessage.objects.get()
    assert (message.status, message.attempts) == (Status.FAILED, 1)
    assert message.error_message == "Rejected (-108): Phone number is invalid"


def test_rate_limited_answers_pause_the_channel_and_lose_nothing(make_channel, sink, settings):
    settings.OUTBOX_RATE_LIMIT_PAUSE_SECONDS = 1.0
    limited = make_channel()
    other = make_channel()
    sink.rate_limited = 1
    for i in range(4):
        enqueue(limited, f"a-{i}")
    dispatcher = Dispatcher(concurrency=1, batch_size=1)
    try:
        dispatcher.dispatch_once()  # a-0: -32
        bucket = QuotaBucket.objects.get(key=limited.quota_key)
        assert bucket.paused_until > 0 and bucket.tokens == 0
        enqueue(other, "b-0")
        dispatcher.dispatch_once()  # the limited channel is paused: the other channel's message goes
        assert sink.counts() == {"b-0": 1}
    finally:
        dispatcher.close()
    drain()
    assert sink.counts() == {"b-0": 1, "a-0": 1, "a-1": 1, "a-2": 1, "a-3": 1}
    rows = OutboundMessage.objects.filter(channel=limited)
    assert set(rows.values_list("status", flat=True)) == {Status.SENT}
    assert max(rows.values_list("attempts", flat=True)) == 1  # -32 is not counted against the message


def test_a_provider_quota_below_ours_slows_down_without_losing_messages(make_channel, sink, settings):
    settings.OUTBOX_RATE_LIMIT_PAUSE_SECONDS = 30.0
    channel = make_channel(quota_per_minute=6000)  # configured too high: the provider allows 5 a minute
    sink.limit_per_minute = 5
    keys = [f"k-{i}" for i in range(12)]
    for key in keys:
        enqueue(channel, key)
    drain(settled=lambda: len(sink.accepted) == 5 and not OutboundMessage.objects.filter(status="sending").exists())
    rows = OutboundMessage.objects.all()
    assert rows.filter(status=Status.SENT).count() == 5
    assert rows.filter(status=Status.QUEUED).count() == 7  # waiting, not failed
    assert not rows.filter(status__in=(Status.FAILED, Status.UNREACHABLE)).exists()
    assert all(count == 1 for count in sink.counts().values())


def test_refused_credentials_flag_the_channel_and_retry_later(make_channel, sink):
    channel = make_channel()
    sink.token_refused = 1
    enqueue(channel, "n-1")
    drain()
    channel.refresh_from_db()
    assert "Channel credentials expired (-216)" in channel.last_error and channel.last_error_at
    message = OutboundMessage.objects.get()
    assert (message.status, message.attempts) == (Status.SENT, 2)
    assert sink.counts() == {"n-1": 1}


def test_a_channel_type_that_is_not_installed_fails_with_the_reason(make_channel, sink):
    channel = make_channel(type_code="gone")
    enqueue(channel, "x")
    drain()
    message = OutboundMessage.objects.get()
    assert message.status == Status.FAILED and message.attempts == 1
    assert "No channel type 'gone'" in message.error_message
