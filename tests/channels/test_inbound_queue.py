"""The inbound queue (run_inbound): pending events claimed oldest first, in order per person, once each, nothing lost
when a claimer dies; and the intake's cached channel."""

import threading
import uuid

import pytest

from django.core.management import call_command
from django.db import connection, transaction

from ketnoi.channels import cache
from ketnoi.channels.models import Channel, ChannelEvent
from ketnoi.contacts.models import InboundMessage
from ketnoi.pipeline import claimer as inbound_queue

from . import samples
from .conftest import OA_SECRET_KEY, post_signed, receive_url

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks (SKIP LOCKED) exist on PostgreSQL only"
)


def text(user: str, msg_id: str, ts_offset: int = 0) -> dict:
    event = samples.text(msg_id=msg_id, ts=samples.now_ms(ts_offset))
    event["sender"]["id"] = user
    return event


@pytest.fixture
def recorded(monkeypatch):
    """The pipeline replaced by one that records (msg id) in processing order."""
    seen: list[str] = []

    def record(channel, event):
        seen.append(event.provider_message_id)

    monkeypatch.setattr(inbound_queue, "handle", record)
    return seen


def test_events_are_processed_in_arrival_order(client, zalo_channel, recorded):
    for user, msg_id in (("1001", "a1"), ("1002", "b1"), ("1001", "a2"), ("1001", "a3")):
        assert post_signed(client, zalo_channel, text(user, msg_id)).status_code == 200
    assert inbound_queue.drain() == 4
    assert recorded == ["a1", "b1", "a2", "a3"]
    assert set(ChannelEvent.objects.values_list("status", "attempts")) == {("handled", 1)}


def test_a_failed_event_does_not_hold_back_the_persons_later_events(client, zalo_channel, monkeypatch):
    post_signed(client, zalo_channel, text("1001", "a1"))
    post_signed(client, zalo_channel, text("1001", "a2"))
    seen = []

    def fail_first(channel, event):
        if event.provider_message_id == "a1":
            raise RuntimeError("handler bug")
        seen.append(event.provider_message_id)

    monkeypatch.setattr(inbound_queue, "handle", fail_first)
    assert inbound_queue.drain() == 2
    assert seen == ["a2"]
    assert dict(ChannelEvent.objects.values_list("dedup_key", "status")) == {
        "user_send_text:msg:a1": "failed",
        "user_send_text:msg:a2": "handled",
    }


def test_a_claimer_dying_mid_event_leaves_it_pending_for_the_next(client, zalo_channel, monkeypatch):
    """The handlers and the 'handled' mark share one transaction: a process killed before it commits has changed
    nothing, and the event is claimed again."""
    post_signed(client, zalo_channel, samples.text())
    real_handle = inbound_queue.handle

    def dying(channel, event):
        real_handle(channel, event)
        assert InboundMessage.objects.exists()
        raise SystemExit("killed before the commit")

    monkeypatch.setattr(inbound_queue, "handle", dying)
    with pytest.raises(SystemExit):
        inbound_queue.drain()
    event = ChannelEvent.objects.get()
    assert (event.status, event.attempts, event.handled_at) == ("pending", 0, None)
    assert not InboundMessage.objects.exists()
    monkeypatch.undo()
    assert inbound_queue.drain() == 1
    event.refresh_from_db()
    assert (event.status, event.attempts) == ("handled", 1)
    assert InboundMessage.objects.count() == 1


def test_a_parser_bug_marks_the_event_failed_instead_of_blocking_the_queue(client, zalo_channel, monkeypatch):
    from ketnoi.channels.types.zalo.type import ZaloType

    post_signed(client, zalo_channel, text("1001", "a1"))
    post_signed(client, zalo_channel, text("1002", "b1"))

    def broken_parser(self, channel, body):
        raise KeyError("a bug")

    monkeypatch.setattr(ZaloType, "parse_events", broken_parser)
    assert inbound_queue.drain() == 2
    assert set(ChannelEvent.objects.values_list("status", "attempts")) == {("failed", 1)}
    assert "KeyError" in ChannelEvent.objects.first().error


def test_run_inbound_batch_processes_with_the_real_handlers(client, zalo_channel):
    post_signed(client, zalo_channel, samples.follow(ts=samples.now_ms(-30)))
    post_signed(client, zalo_channel, samples.text())
    post_signed(client, zalo_channel, samples.unknown())  # stored as ignored: never queued
    call_command("run_inbound", batch=True, verbosity=0)
    assert sorted(ChannelEvent.objects.values_list("status", flat=True)) == ["handled", "handled", "ignored"]
    assert InboundMessage.objects.get().text


@pytest.mark.django_db(transaction=True)
def test_the_claimer_loop_picks_up_new_events_until_stopped(client, transactional_world):
    from .conftest import make_zalo_channel

    channel = make_zalo_channel(transactional_world.commune_a)
    stop = threading.Event()

    def claimer():
        try:
            inbound_queue.run(stop)
        finally:
            connection.close()

    thread = threading.Thread(target=claimer)
    thread.start()
    try:
        assert post_signed(client, channel, samples.text()).status_code == 200
        event = ChannelEvent.objects.get()
        for _ in range(200):  # waits for the claimer; not a timing assertion
            event.refresh_from_db()
            if event.status != "pending":
                break
            stop.wait(0.05)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert event.status == "handled"
    assert InboundMessage.objects.count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_claimers_skip_locked_events_and_the_persons_later_events(client, transactional_world, monkeypatch):
    """While one claimer holds a's first event, another takes b's event, not a's second (order per person)."""
    from .conftest import make_zalo_channel

    channel = make_zalo_channel(transactional_world.commune_a)
    for user, msg_id in (("1001", "a1"), ("1001", "a2"), ("1002", "b1")):
        post_signed(client, channel, text(user, msg_id))
    holding, release = threading.Event(), threading.Event()

    def first_claimer():
        try:
            with transaction.atomic():
                ChannelEvent.objects.select_for_update().get(dedup_key="user_send_text:msg:a1")
                holding.set()
                release.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=first_claimer)
    thread.start()
    try:
        assert holding.wait(30)
        seen = []
        monkeypatch.setattr(inbound_queue, "handle", lambda c, e: seen.append(e.dedup_key))
        assert inbound_queue.process_next() == "handled"
        assert inbound_queue.process_next() is None, "a2 waits for a1"
        assert seen == ["user_send_text:msg:b1"]
    finally:
        release.set()
        thread.join(timeout=30)
    assert inbound_queue.drain() == 2
    assert seen[1:] == ["user_send_text:msg:a1", "user_send_text:msg:a2"]


# -- the intake's channel cache ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_known_channel_is_acknowledged_with_one_insert(client, transactional_world, django_assert_num_queries):
    from .conftest import make_zalo_channel

    channel = make_zalo_channel(transactional_world.commune_a)
    assert post_signed(client, channel, samples.text(msg_id="first")).status_code == 200
    with django_assert_num_queries(1):
        assert post_signed(client, channel, samples.text(msg_id="second")).status_code == 200
    assert ChannelEvent.objects.count() == 2


def test_a_rotated_secret_key_is_honoured_at_once(client, zalo_channel):
    """Another process rotates the OA secret key (no signal here): the cached key fails, a fresh read is tried."""
    assert post_signed(client, zalo_channel, samples.text(msg_id="old-key")).status_code == 200
    rotated = Channel.objects.get(pk=zalo_channel.pk)
    rotated.set_secrets({**rotated.secrets, "oa_secret_key": "rotated-key"})
    Channel.objects.filter(pk=zalo_channel.pk).update(secrets_encrypted=rotated.secrets_encrypted)
    assert post_signed(client, zalo_channel, samples.text(msg_id="new-key"), key="rotated-key").status_code == 200
    assert post_signed(client, zalo_channel, samples.text(msg_id="stale"), key=OA_SECRET_KEY).status_code == 403
    assert set(ChannelEvent.objects.values_list("dedup_key", flat=True)) == {
        "user_send_text:msg:old-key",
        "user_send_text:msg:new-key",
    }


def test_a_deactivated_channel_is_forgotten_at_once(client, zalo_channel):
    assert post_signed(client, zalo_channel, samples.text(msg_id="before")).status_code == 200
    zalo_channel.is_active = False
    zalo_channel.save(update_fields=["is_active"])
    assert post_signed(client, zalo_channel, samples.text(msg_id="after")).status_code == 404
    assert ChannelEvent.objects.count() == 1


def test_a_change_by_another_process_shows_within_the_ttl(client, zalo_channel, settings):
    assert post_signed(client, zalo_channel, samples.text(msg_id="before")).status_code == 200
    Channel.objects.filter(pk=zalo_channel.pk).update(is_active=False)  # no signal: as from another process
    settings.CHANNEL_CACHE_SECONDS = 0  # the TTL has passed
    assert post_signed(client, zalo_channel, samples.text(msg_id="after")).status_code == 404


def test_unknown_addresses_are_not_cached(client, zalo_channel):
    unknown = [uuid.uuid4() for _ in range(3)]
    for address in unknown:
        url = receive_url(zalo_channel).replace(str(zalo_channel.uuid), str(address))
        assert client.post(url, data=b"{}", content_type="application/json").status_code == 404
    assert not {key[1] for key in cache._entries} & set(unknown)
