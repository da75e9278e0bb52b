"""Console: undelivered messages with reasons and a retry (audited), a person's message log in both directions,
channel stats; the scheduler's lock-or-skip."""

import threading
import time

from django.urls import reverse
from django.utils import timezone

from ketnoi.contacts.models import InboundMessage
from ketnoi.core.models import AuditEntry
from ketnoi.outbox import scheduler
from ketnoi.outbox.models import Lane, OutboundMessage, Status
from ketnoi.outbox.selectors import channel_stats

from .helpers import drain, enqueue


def test_dead_letters_show_reasons_and_retry_sends_again(
    make_channel, make_follower, sink, client, transactional_world
):
    channel = make_channel()
    person = make_follower(channel, "u-gone")
    sink.not_followers = {"u-gone"}
    enqueue(channel, "notice-1", channel_contact=person, user_id="")
    drain()
    client.force_login(transactional_world.unit_admin_a)
    page = client.get(reverse("console:outbox_dead_letters")).content.decode()
    assert "Not reachable this way (-213): User has not followed OA" in page

    sink.not_followers = set()  # the person followed again
    message = OutboundMessage.objects.get()
    response = client.post(reverse("console:outbox_retry", kwargs={"uuid": message.uuid}))
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="outbox.retry")
    assert entry.actor == transactional_world.unit_admin_a and entry.before["status"] == Status.UNREACHABLE
    drain()
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert sink.counts() == {"notice-1": 1}
    assert "notice-1" not in client.get(reverse("console:outbox_dead_letters")).content.decode()


def test_viewers_without_manage_cannot_retry(make_channel, sink, client, transactional_world):
    channel = make_channel()
    sink.not_followers = {"u1"}
    enqueue(channel, "n-1")
    drain()
    client.force_login(transactional_world.leader_a)  # channels.view, not channels.manage
    client.cookies["django_language"] = "en"
    page = client.get(reverse("console:outbox_dead_letters")).content.decode()
    assert "(-213)" in page and "Retry" not in page
    message = OutboundMessage.objects.get()
    assert client.post(reverse("console:outbox_retry", kwargs={"uuid": message.uuid})).status_code == 403
    assert OutboundMessage.objects.get().status == Status.UNREACHABLE


def test_contact_log_merges_both_directions_with_delivery_states(
    make_channel, make_follower, sink, client, transactional_world
):
    channel = make_channel()
    person = make_follower(channel, "u-1")
    InboundMessage.objects.create(
        channel=channel, channel_contact=person, provider_message_id="in-1", kind="text", text="Hồ sơ của tôi thế nào?"
    )
    enqueue(channel, "reply-1", channel_contact=person, user_id="", text="Hồ sơ đang được xử lý")
    drain()
    client.force_login(transactional_world.unit_admin_a)
    page = client.get(reverse("console:outbox_contact_log", kwargs={"uuid": person.contact.uuid})).content.decode()
    assert "Hồ sơ của tôi thế nào?" in page and "Hồ sơ đang được xử lý" in page
    assert page.index("Hồ sơ đang được xử lý") < page.index("Hồ sơ của tôi thế nào?")  # newest first
    assert "Sent" in page or "Đã gửi" in page


def test_channel_stats(make_channel, sink, transactional_world):
    channel = make_channel()
    quiet = make_channel(unit=transactional_world.commune_b)
    sink.not_followers = {"gone"}
    enqueue(channel, "a", lane=Lane.BULK)
    enqueue(channel, "b", user_id="gone")
    drain()
    enqueue(channel, "c", lane=Lane.EMERGENCY)
    enqueue(channel, "d", lane=Lane.BULK)
    stats = channel_stats(official=transactional_world.unit_admin_a, channels=[channel, quiet])
    assert set(stats) == {channel.pk}  # commune B's channel is out of scope
    s = stats[channel.pk]
    assert s.queued_by_lane == {"emergency": 1, "transactional": 0, "bulk": 1}
    assert (s.sent_24h, s.failed_24h, s.quota_used_last_minute) == (1, 1, 2)
    assert (s.queued, s.failed) == (2, 1)


def test_the_channels_page_shows_queue_depth_and_failures(make_channel, sink, client, transactional_world):
    channel = make_channel()
    sink.not_followers = {"gone"}
    enqueue(channel, "b", user_id="gone")
    drain()
    for i in range(3):
        enqueue(channel, f"q{i}")
    client.force_login(transactional_world.unit_admin_a)
    url = reverse("console:channel_detail", kwargs={"uuid": channel.uuid})
    client.cookies["django_language"] = "en"
    page = client.get(url).content.decode()
    assert "3 queued, 1 failed" in page


def test_a_job_runs_in_one_scheduler_at_a_time(transactional_db):
    started, release = threading.Event(), threading.Event()
    runs = []

    def slow_job():
        runs.append(timezone.now())
        started.set()
        release.wait(10)

    first = threading.Thread(target=scheduler.run_locked, args=("test.slow", slow_job))
    first.start()
    assert started.wait(10)
    assert scheduler.run_locked("test.slow", slow_job) is False  # a second scheduler skips it
    release.set()
    first.join()
    assert scheduler.run_locked("test.slow", lambda: runs.append(1)) is True  # free again
    assert len(runs) == 2


def test_an_expired_lock_is_taken_over(transactional_db):
    assert scheduler.job_lock_acquire("test.dead", ttl_seconds=0.2, holder="dead-host:1")
    assert not scheduler.job_lock_acquire("test.dead", ttl_seconds=60, holder="other:2")
    time.sleep(0.3)
    assert scheduler.job_lock_acquire("test.dead", ttl_seconds=60, holder="other:2")


def test_scheduler_builds_the_configured_jobs(settings):
    settings.SCHEDULED_JOBS = [
        {"name": "outbox.sweep_stuck", "func": "ketnoi.outbox.scheduler.sweep_job", "seconds": 60},
        {"name": "nightly", "func": "ketnoi.outbox.scheduler.sweep_job", "cron": {"hour": 2}},
        {"name": "absent", "func": "ketnoi.nothing.here.job", "seconds": 5, "optional": True},
    ]
    from apscheduler.schedulers.background import BackgroundScheduler

    built = scheduler.build_scheduler(BackgroundScheduler)
    assert sorted(job.id for job in built.get_jobs()) == ["nightly", "outbox.sweep_stuck"]
