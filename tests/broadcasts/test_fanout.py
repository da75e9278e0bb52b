"""Fan-out: one row per recipient whatever happens to the runner, languages, night rules for promotional kinds."""

import datetime as dt

from django.utils import timezone

from ketnoi.broadcasts import conf
from ketnoi.broadcasts.models import Broadcast
from ketnoi.broadcasts.services import fanout_run, fanout_step
from ketnoi.broadcasts.states import State
from ketnoi.outbox.models import Lane, OutboundMessage

from .conftest import new_follower
from .helpers import approved

HCM = dt.timezone(dt.timedelta(hours=7))


def rows(broadcast):
    return OutboundMessage.objects.filter(source_type="broadcast", source_id=str(broadcast.pk))


def test_each_recipient_gets_one_row_even_when_batches_are_replayed(world, channel_a):
    people = [new_follower(channel_a, f"f{i}", language="en" if i % 5 == 0 else "vi") for i in range(23)]
    broadcast = approved(
        world.editor,
        world.leader_a,
        world.commune_a,
        [channel_a],
        subscribers_only=False,
        text="Xin chào",
        text_en="Hi",
    )
    assert fanout_step(broadcast_id=broadcast.pk, batch=10)
    # a runner that crashed after writing a batch but "before" moving the cursor: the batch is written again
    Broadcast.objects.filter(pk=broadcast.pk).update(fanout_cursor=0)
    fanout_run(broadcast_id=broadcast.pk, batch=7)
    broadcast.refresh_from_db()
    assert broadcast.fanout_finished_at is not None and broadcast.fanout_enqueued == 23
    keys = list(rows(broadcast).values_list("idempotency_key", flat=True))
    assert sorted(keys) == sorted(f"broadcast:{broadcast.pk}:{p.pk}" for p in people)
    english = rows(broadcast).filter(channel_contact__contact__language="en")
    assert english.count() == 5 and {m.payload["text"] for m in english} == {"Hi"}
    assert {m.lane for m in rows(broadcast)} == {Lane.BULK}
    assert not fanout_step(broadcast_id=broadcast.pk)  # finished: nothing more


def test_a_broadcast_is_sent_once_every_message_has_left(world, channel_a):
    new_follower(channel_a, "s1")
    broadcast = approved(world.editor, world.leader_a, world.commune_a, [channel_a], subscribers_only=False)
    fanout_run(broadcast_id=broadcast.pk)
    broadcast.refresh_from_db()
    assert broadcast.state == State.SENDING  # its message is still queued
    rows(broadcast).update(status="delivered")
    from ketnoi.broadcasts.services import broadcast_finish_if_done

    assert broadcast_finish_if_done(broadcast=broadcast)
    broadcast.refresh_from_db()
    assert broadcast.state == State.SENT


def test_night_release_follows_the_configured_hours():
    hours = (22, 6)
    assert conf.night_release(dt.datetime(2026, 11, 24, 21, 59, tzinfo=HCM), hours) is None
    assert conf.night_release(dt.datetime(2026, 11, 24, 22, 0, tzinfo=HCM), hours) == dt.datetime(
        2026, 11, 25, 6, 0, tzinfo=HCM
    )
    assert conf.night_release(dt.datetime(2026, 11, 25, 3, 0, tzinfo=HCM), hours) == dt.datetime(
        2026, 11, 25, 6, 0, tzinfo=HCM
    )
    assert conf.night_release(dt.datetime(2026, 11, 25, 6, 0, tzinfo=HCM), hours) is None
    assert conf.night_release(dt.datetime(2026, 11, 25, 3, 0, tzinfo=HCM), None) is None


def test_promotional_broadcasts_wait_for_morning_and_alerts_do_not(world, channel_a, settings, monkeypatch):
    settings.BROADCAST_NIGHT_HOURS = (22, 6)
    night = dt.datetime(2026, 11, 24, 23, 30, tzinfo=HCM)
    monkeypatch.setattr(timezone, "now", lambda: night)
    new_follower(channel_a, "n1")
    news = approved(world.editor, world.leader_a, world.commune_a, [channel_a], subscribers_only=False)
    alert = approved(
        world.editor,
        world.leader_a,
        world.commune_a,
        [channel_a],
        topic="emergency",
        area=world.commune_a,
        subscribers_only=False,
    )
    fanout_run(broadcast_id=news.pk)
    fanout_run(broadcast_id=alert.pk)
    assert rows(news).get().next_attempt_at == dt.datetime(2026, 11, 25, 6, 0, tzinfo=HCM)
    assert rows(alert).get().next_attempt_at == night
    settings.BROADCAST_NIGHT_HOURS = None  # configurable: no night rule at all
    late = approved(world.editor, world.leader_a, world.commune_a, [channel_a], subscribers_only=False, title="x")
    fanout_run(broadcast_id=late.pk)
    assert rows(late).get().next_attempt_at == night


def test_the_zalo_type_declares_its_night_ban():
    from ketnoi.channels.types import get_channel_type

    assert conf.night_hours(get_channel_type("zalo")) == (22, 6)


def test_rows_queued_in_the_evening_are_held_when_the_night_starts(world, channel_a, settings, monkeypatch):
    from ketnoi.broadcasts.services.fanout import night_hold

    settings.BROADCAST_NIGHT_HOURS = (22, 6)
    evening = dt.datetime(2026, 11, 24, 21, 50, tzinfo=HCM)
    monkeypatch.setattr(timezone, "now", lambda: evening)
    new_follower(channel_a, "e1")
    news = approved(world.editor, world.leader_a, world.commune_a, [channel_a], subscribers_only=False)
    fanout_run(broadcast_id=news.pk)
    assert rows(news).get().next_attempt_at == evening
    assert night_hold() == 0
    monkeypatch.setattr(timezone, "now", lambda: evening + dt.timedelta(minutes=15))
    assert night_hold() == 1
    assert rows(news).get().next_attempt_at == dt.datetime(2026, 11, 25, 6, 0, tzinfo=HCM)


def test_pages_are_counted_in_followers_so_each_costs_the_same_whatever_the_audience(world, channel_a):
    """A page is the next `batch` followers of the broadcast's channels (those outside the audience included), so a
    page never reads more than `batch` rows whatever the area, and its statements are pinned."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ketnoi.broadcasts.models import Subscription

    reached, others = [], []
    for i in range(14):
        person = new_follower(channel_a, f"pg{i}", is_follower=i != 6)
        where = (world.commune_b.path, world.commune_a.path, "")[i % 3]  # elsewhere, here, never said (the OA's)
        if where or i % 2:
            Subscription.objects.create(channel_contact=person, contact=person.contact, area_path=where)
        (reached if where != world.commune_b.path and i != 6 else others).append(person)
    broadcast = approved(
        world.editor, world.leader_a, world.commune_a, [channel_a], subscribers_only=False, area=world.commune_a
    )
    with CaptureQueriesContext(connection) as step:
        assert fanout_step(broadcast_id=broadcast.pk, batch=3)
    broadcast.refresh_from_db()
    followers = sorted(p.pk for p in reached + others if p.is_follower)
    assert broadcast.fanout_cursor == followers[2]  # three followers covered, whichever of them are recipients
    # the broadcast locked, its channel ids, its area, the page's bound, the channels, the page written (one
    # INSERT ... SELECT on PostgreSQL; a read and a bulk INSERT elsewhere), the cursor moved
    statements = [q["sql"] for q in step.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) == (7 if connection.vendor == "postgresql" else 8), statements
    fanout_run(broadcast_id=broadcast.pk, batch=3)
    broadcast.refresh_from_db()
    keys = set(rows(broadcast).values_list("idempotency_key", flat=True))
    assert keys == {f"broadcast:{broadcast.pk}:{p.pk}" for p in reached}
    assert broadcast.fanout_enqueued == len(reached) and broadcast.fanout_finished_at is not None


def test_at_night_each_channel_follows_its_own_providers_rule(world, settings, monkeypatch):
    """News to a Zalo OA (night ban) and a web chat (none) at once: the Zalo followers' rows wait for the morning,
    the web chat's go now (on PostgreSQL one statement dates each row by its channel)."""
    from .conftest import new_channel

    settings.BROADCAST_NIGHT_HOURS = "provider"
    night = dt.datetime(2026, 11, 24, 23, 30, tzinfo=HCM)
    monkeypatch.setattr(timezone, "now", lambda: night)
    zalo, webchat = new_channel(world.commune_a), new_channel(world.commune_a, type_code="webchat")
    on_zalo, on_webchat = new_follower(zalo, "z1"), new_follower(webchat, "w1")
    news = approved(world.editor, world.leader_a, world.commune_a, [zalo, webchat], subscribers_only=False)
    fanout_run(broadcast_id=news.pk)
    released = dict(rows(news).values_list("channel_contact_id", "next_attempt_at"))
    assert released == {on_zalo.pk: dt.datetime(2026, 11, 25, 6, 0, tzinfo=HCM), on_webchat.pk: night}
