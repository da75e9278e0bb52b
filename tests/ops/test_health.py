"""/healthz answers while the process is up; /readyz turns unhealthy when the scheduler stops beating or an
outbox lane's backlog passes its threshold, and healthy again once the scheduler is back or the backlog drained.
The scheduler here is the real `manage.py run_scheduler` process; the backlog drains through a real dispatcher."""

from datetime import timedelta

import pytest

from django.utils import timezone

from ketnoi.channels.models import ChannelEvent
from ketnoi.outbox.models import Lane
from tests.outbox.helpers import drain, enqueue

from .processes import manage, stop, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def ready(client) -> tuple[int, dict]:
    response = client.get("/readyz")
    return response.status_code, response.json()


def test_healthz_answers_without_asking_anything(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"]


def test_readyz_follows_the_scheduler_heartbeat(client, settings):
    settings.READY_SCHEDULER_MAX_AGE_SECONDS = 3
    status, body = ready(client)
    assert status == 503 and not body["checks"]["scheduler"]["ok"]
    assert "no heartbeat" in body["checks"]["scheduler"]["detail"]
    assert body["checks"]["database"]["ok"] and body["checks"]["cache"]["ok"]

    scheduler = manage("run_scheduler", env={"SCHEDULER_HEARTBEAT_SECONDS": "1"})
    try:
        wait_for(lambda: ready(client)[0] == 200, timeout=60, what="the first heartbeat")
        stop(scheduler)
        assert scheduler.returncode is not None
        status, body = wait_for(lambda: (r := ready(client))[0] == 503 and r, timeout=30, what="readyz to notice")
        assert not body["checks"]["scheduler"]["ok"] and "last beat" in body["checks"]["scheduler"]["detail"]
        assert body["ready"] is False
    finally:
        stop(scheduler)

    scheduler = manage("run_scheduler", env={"SCHEDULER_HEARTBEAT_SECONDS": "1"})
    try:
        wait_for(lambda: ready(client)[0] == 200, timeout=60, what="readyz to recover")
    finally:
        stop(scheduler)


@pytest.fixture
def beating(settings):
    """A scheduler that beat just now, so only the check under test can fail."""
    from ketnoi.outbox.scheduler import HEARTBEAT_JOB, heartbeat_job, run_locked

    settings.READY_SCHEDULER_MAX_AGE_SECONDS = 3600
    run_locked(HEARTBEAT_JOB, heartbeat_job)


def test_readyz_turns_unhealthy_past_an_outbox_backlog_and_back_once_drained(client, settings, beating, make_channel):
    settings.READY_OUTBOX_BACKLOG = {"emergency": 2, "transactional": 5, "bulk": 0}
    channel = make_channel()
    for i in range(5):
        enqueue(channel, f"t-{i}")
    for i in range(50):
        enqueue(channel, f"b-{i}", lane=Lane.BULK)  # no threshold on bulk: a broadcast is a backlog on purpose
    assert ready(client)[0] == 200

    enqueue(channel, "t-5")
    status, body = ready(client)
    assert status == 503
    assert body["checks"]["outbox_transactional"] == {"ok": False, "detail": "more than 5 due (limit 5)"}
    assert body["checks"]["outbox_emergency"]["ok"] and "outbox_bulk" not in body["checks"]

    drain()
    status, body = ready(client)
    assert status == 200, body
    assert body["checks"]["outbox_transactional"]["detail"] == "0 due (limit 5)"


def test_readyz_turns_unhealthy_when_webhook_events_wait_too_long(client, settings, beating, make_channel):
    settings.READY_INBOUND_LAG_SECONDS = 60
    channel = make_channel()
    event = ChannelEvent.objects.create(
        channel=channel, dedup_key="e1", raw_body="{}", received_at=timezone.now() - timedelta(minutes=5)
    )
    status, body = ready(client)
    assert status == 503 and "1 pending" in body["checks"]["inbound"]["detail"]
    ChannelEvent.objects.filter(pk=event.pk).update(status=ChannelEvent.Status.HANDLED)
    assert ready(client)[0] == 200
