"""Parallel dispatchers never send a row twice; a dispatcher process killed with SIGKILL in the middle of a
batch loses and duplicates nothing once another one is started (counted at the sink per idempotency key)."""

import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from ketnoi.outbox.dispatcher import Dispatcher
from ketnoi.outbox.models import Lane, OutboundMessage, Status
from ketnoi.outbox.sweeper import sweep_stuck

from .helpers import _database_url, enqueue, unsettled, wait_for

ROOT = Path(settings.BASE_DIR)


def test_two_dispatchers_in_parallel_never_send_a_row_twice(make_channel, sink):
    channels = [make_channel(), make_channel()]
    keys = [f"p-{i}" for i in range(120)]
    for i, key in enumerate(keys):
        enqueue(channels[i % 2], key, lane=Lane.BULK if i % 3 else Lane.TRANSACTIONAL)
    sink.delay = 0.005
    stop = threading.Event()
    dispatchers = [Dispatcher(concurrency=4, batch_size=10) for _ in range(2)]
    threads = [threading.Thread(target=d.run, args=(stop,), kwargs={"idle_seconds": 0.02}) for d in dispatchers]
    for thread in threads:
        thread.start()
    try:
        wait_for(lambda: unsettled() == 0, what="the outbox to drain")
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        for d in dispatchers:
            d.close()
    assert sink.counts() == dict.fromkeys(keys, 1)
    assert set(OutboundMessage.objects.values_list("claimed_by", flat=True)) == {""}  # claims released
    assert sink.requests == len(keys)


def start_dispatcher(*extra: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.outbox.sink_settings",
        "DATABASE_URL": _database_url(),
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "manage.py", "run_dispatcher", "--concurrency", "8", "--batch-size", "20", *extra]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # noqa: S603


def test_a_dispatcher_killed_mid_batch_loses_and_duplicates_nothing(make_channel, sink):
    channel = make_channel()
    keys = [f"k-{i}" for i in range(200)]
    for i, key in enumerate(keys):
        enqueue(channel, key, user_id=f"u{i % 20}")  # 20 people, 10 messages each
    sink.delay = 0.03  # sends take a while, so the kill lands with a batch in flight
    first = start_dispatcher("--lease-seconds", "2")
    try:
        wait_for(lambda: len(sink.accepted) >= 40 or first.poll() is not None, what="the first dispatcher to send")
        assert first.poll() is None, first.stdout.read().decode()
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    in_flight = OutboundMessage.objects.filter(status=Status.SENDING).count()
    assert in_flight > 0  # the kill did land in the middle of a batch
    assert len(sink.accepted) < len(keys)

    second = start_dispatcher("--lease-seconds", "2", "--sweep-every", "0.5")
    try:
        wait_for(lambda: unsettled() == 0 or second.poll() is not None, timeout=120, what="the outbox to drain")
        assert second.poll() is None, second.stdout.read().decode()
        second.send_signal(signal.SIGTERM)
        assert second.wait(20) == 0
    finally:
        if second.poll() is None:
            second.kill()
    assert sink.counts() == dict.fromkeys(keys, 1)  # every message once: nothing lost, nothing twice
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {Status.SENT}
    assert OutboundMessage.objects.filter(attempts__gte=2).count() >= in_flight
    by_person = {}
    for message in sink.accepted:
        by_person.setdefault(message["user_id"], []).append(int(message["key"].split("-")[1]))
    assert all(sent == sorted(sent) for sent in by_person.values())  # each person's in the order written


def test_sweeper_requeues_only_rows_past_their_lease(make_channel):
    channel = make_channel()
    enqueue(channel, "a")
    enqueue(channel, "b")
    OutboundMessage.objects.update(status=Status.SENDING, claimed_by="dead:1:x", attempts=1)
    OutboundMessage.objects.filter(idempotency_key="a").update(claimed_at=timezone.now() - timedelta(minutes=10))
    OutboundMessage.objects.filter(idempotency_key="b").update(claimed_at=timezone.now())
    assert sweep_stuck(lease_seconds=60) == 1
    a, b = OutboundMessage.objects.order_by("idempotency_key")
    assert (a.status, a.outcome_unknown, a.claimed_by) == (Status.QUEUED, True, "")
    assert b.status == Status.SENDING


def test_replies_overtake_a_bulk_backlog_that_fills_the_quota(make_channel, sink):
    """Two dispatchers drain a broadcast at the channel's quota; replies enqueued meanwhile go out ahead of it."""
    channel = make_channel(quota_per_minute=600)
    for i in range(200):
        enqueue(channel, f"bulk-{i}", lane=Lane.BULK)
    stop = threading.Event()
    dispatchers = [Dispatcher(concurrency=2, batch_size=10) for _ in range(2)]
    threads = [threading.Thread(target=d.run, args=(stop,), kwargs={"idle_seconds": 0.02}) for d in dispatchers]
    for thread in threads:
        thread.start()
    try:
        wait_for(lambda: len(sink.accepted) >= 15, what="the broadcast to start")
        for i in range(5):
            enqueue(channel, f"reply-{i}", lane=Lane.TRANSACTIONAL)
        wait_for(lambda: OutboundMessage.objects.filter(lane=Lane.TRANSACTIONAL, status=Status.SENT).count() == 5)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        for d in dispatchers:
            d.close()
    assert OutboundMessage.objects.filter(lane=Lane.BULK, status=Status.QUEUED).count() > 100
    assert all(count == 1 for count in sink.counts().values())
