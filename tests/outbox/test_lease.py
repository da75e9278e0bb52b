"""Claimed rows keep their lease while this process holds them (the heartbeat renews all of them in one statement),
however long their send takes; a row whose lease could not be renewed is not sent from that claim, so the sweeper
may hand it to another dispatcher without a second copy."""

import threading
import time

import pytest

from ketnoi.outbox.dispatcher import Dispatcher
from ketnoi.outbox.models import OutboundMessage, Status
from ketnoi.outbox.sweeper import sweep_stuck

from .helpers import enqueue, wait_for
from .sink import SinkType


@pytest.fixture(autouse=True)
def patient_sink_client(monkeypatch):
    monkeypatch.setattr(SinkType, "timeout", 10.0)  # the sink's slow answers here are slow, not lost


def test_a_slow_send_keeps_its_lease_and_is_sent_once(make_channel, sink, settings):
    settings.OUTBOX_LEASE_SECONDS = 2.0
    channel = make_channel()
    for i in range(5):
        enqueue(channel, f"slow-{i}", user_id=f"u{i}")
    sink.delay = 3.0  # each send takes longer than the lease
    dispatcher = Dispatcher(concurrency=5, batch_size=10)
    try:
        assert dispatcher.dispatch_once(wait=False) == 5
        deadline = time.monotonic() + 2.5
        while time.monotonic() < deadline:
            assert sweep_stuck() == 0  # renewed all along: nothing looks abandoned
            time.sleep(0.1)
        wait_for(lambda: len(sink.accepted) == 5, what="the slow sends")
    finally:
        dispatcher.close()
    assert sink.counts() == {f"slow-{i}": 1 for i in range(5)}
    assert list(OutboundMessage.objects.values_list("status", "attempts").distinct()) == [(Status.SENT, 1)]


def test_rows_whose_lease_could_not_be_renewed_are_not_sent_from_that_claim(make_channel, sink, settings, monkeypatch):
    settings.OUTBOX_LEASE_SECONDS = 4.0
    channel = make_channel()
    enqueue(channel, "first", user_id="u0")
    for i in range(3):
        enqueue(channel, f"late-{i}", user_id=f"u{i + 1}")
    sink.delay = 5.0  # the one slot is busy with "first" for longer than the others' lease
    dispatcher = Dispatcher(concurrency=1, batch_size=10)

    async def database_away(pks):
        raise ConnectionError("the database is away")

    monkeypatch.setattr(dispatcher, "_renew_rows", database_away)  # no lease can be renewed
    try:
        assert dispatcher.dispatch_once(wait=False) == 4
        time.sleep(4.2)
        assert sweep_stuck() == 4  # all four look abandoned; three of them have not left yet
    finally:
        dispatcher.close()  # lets the stale claim finish what it started
    assert sink.counts() == {"first": 1}  # the rows waiting for the slot were not sent from the stale claim
    assert OutboundMessage.objects.get(idempotency_key="first").status == Status.SENT  # its id is a fact
    sink.delay = 0
    second = Dispatcher(concurrency=4, batch_size=10)
    try:
        second.dispatch_once()
    finally:
        second.close()
    assert sink.counts() == {"first": 1, "late-0": 1, "late-1": 1, "late-2": 1}
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {Status.SENT}


def test_closing_waits_for_sent_marks_still_waiting_their_turn_in_the_database_thread(make_channel, sink):
    """A batch of sent-marks handed to the database thread while it is busy (a heartbeat, a sweep) waits its turn
    there; closing the dispatcher then must wait for it, not cancel it (the row would stay in sending, though sent:
    CI saw it when a heartbeat was running at the moment a test closed its dispatcher)."""
    channel = make_channel()
    enqueue(channel, "marked-at-close", user_id="u0")
    dispatcher = Dispatcher(concurrency=1, batch_size=10)
    database_busy = threading.Event()
    try:
        assert dispatcher.dispatch_once(wait=False) == 1
        dispatcher._bookkeeping.submit(database_busy.wait, 30)  # the database thread is busy with something else
        wait_for(lambda: len(sink.accepted) == 1, what="the send")
        time.sleep(0.2)  # the sent-mark is handed to the busy thread meanwhile
    finally:
        closing = threading.Thread(target=dispatcher.close)
        closing.start()
        time.sleep(0.3)  # the close is under way before the database thread frees up
        database_busy.set()
        closing.join(timeout=30)
    assert not closing.is_alive()
    assert sink.counts() == {"marked-at-close": 1}
    assert list(OutboundMessage.objects.values_list("status", flat=True)) == [Status.SENT]
