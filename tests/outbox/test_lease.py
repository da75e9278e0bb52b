"""Rows a dispatcher has claimed but not yet sent keep their lease: on a busy machine the sender queue can hold
them longer than the lease, and the sweeper must not hand them to another dispatcher meanwhile."""

import threading
import time

from ketnoi.outbox.dispatcher import Dispatcher
from ketnoi.outbox.models import OutboundMessage, Status
from ketnoi.outbox.sweeper import sweep_stuck

from .helpers import enqueue


def _with_busy_pool(dispatcher: Dispatcher) -> threading.Event:
    release = threading.Event()
    dispatcher.pool.submit(release.wait, 30)  # the only sender thread is busy until released
    return release


def test_waiting_rows_are_renewed_and_sent_once(make_channel, sink):
    channel = make_channel()
    for i in range(5):
        enqueue(channel, f"wait-{i}", user_id=f"u{i}")
    dispatcher = Dispatcher(concurrency=1, batch_size=10)
    try:
        release = _with_busy_pool(dispatcher)
        assert dispatcher.dispatch_once(wait=False) == 5
        time.sleep(0.6)
        assert dispatcher.renew_waiting() == 5
        assert sweep_stuck(lease_seconds=0.5) == 0  # renewed just now: nothing is stuck
        release.set()
        dispatcher.pool.wait()
    finally:
        dispatcher.close()
    assert sink.counts() == {f"wait-{i}": 1 for i in range(5)}
    assert list(OutboundMessage.objects.values_list("status", "attempts").distinct()) == [(Status.SENT, 1)]


def test_without_the_heartbeat_the_sweeper_takes_them_and_the_old_claim_sends_nothing(make_channel, sink):
    channel = make_channel()
    for i in range(3):
        enqueue(channel, f"late-{i}", user_id=f"u{i}")
    dispatcher = Dispatcher(concurrency=1, batch_size=10)
    try:
        release = _with_busy_pool(dispatcher)
        assert dispatcher.dispatch_once(wait=False) == 3
        time.sleep(0.6)
        assert sweep_stuck(lease_seconds=0.5) == 3
        release.set()
        dispatcher.pool.wait()
        assert sink.counts() == {}  # the stale claim is not ours any more: no copy leaves from it
        dispatcher.dispatch_once()
    finally:
        dispatcher.close()
    assert sink.counts() == {f"late-{i}": 1 for i in range(3)}
