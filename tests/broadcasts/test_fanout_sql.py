"""PostgreSQL's fan-out (one INSERT ... SELECT per page, ketnoi.outbox.bulk) writes exactly the rows the Python path
(bulk_create) writes, with the same keys, and stays exactly-once when a page is replayed after a crash."""

import pytest

from django.db import connection

from ketnoi.broadcasts.models import Broadcast
from ketnoi.broadcasts.services import fanout_run, fanout_step
from ketnoi.broadcasts.services.fanout import uses_sql
from ketnoi.outbox.models import OutboundMessage

from .conftest import new_channel, new_follower
from .helpers import approved

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL fan-out is PostgreSQL's")

COMPARED_OUT = {"id", "uuid", "idempotency_key", "source_id", "created_at", "next_attempt_at"}


def rows_by_person(broadcast) -> dict[int, dict]:
    found = {}
    for message in OutboundMessage.objects.filter(source_type="broadcast", source_id=str(broadcast.pk)):
        row = {f.attname: getattr(message, f.attname) for f in OutboundMessage._meta.concrete_fields}
        assert row["idempotency_key"] == f"broadcast:{broadcast.pk}:{message.channel_contact_id}"
        assert row["source_id"] == str(broadcast.pk) and message.uuid
        # released at once, or at the end of the night (the same instant on both paths)
        row["released"] = "now" if message.next_attempt_at == message.created_at else message.next_attempt_at
        found[message.channel_contact_id] = {k: v for k, v in row.items() if k not in COMPARED_OUT}
    return found


@pytest.mark.parametrize(("topic", "text_en"), [("news", "Hello"), ("emergency", "Hello"), ("news", "")])
def test_sql_and_python_fanouts_write_identical_rows(world, settings, topic, text_en):
    zalo, webchat = new_channel(world.commune_a), new_channel(world.commune_a, type_code="webchat")
    for i in range(25):
        new_follower(zalo if i % 3 else webchat, f"p{i}", language="en" if i % 4 == 0 else "vi")
    new_follower(zalo, "gone", is_follower=False)
    fields = {"topic": topic, "subscribers_only": False, "text": "Xin chào", "text_en": text_en}
    fields["link_url"], fields["link_title"] = "https://example.org/a", "Chi tiết"
    if topic == "emergency":
        fields["area"] = world.commune_a
    by_path = {}
    for use_sql in (False, True):
        settings.BROADCAST_FANOUT_SQL = use_sql
        broadcast = approved(world.editor, world.leader_a, world.commune_a, [zalo, webchat], **fields)
        assert uses_sql(broadcast) is use_sql
        fanout_run(broadcast_id=broadcast.pk, batch=7)
        broadcast.refresh_from_db()
        assert broadcast.fanout_enqueued == 25 and broadcast.fanout_finished_at is not None
        by_path[use_sql] = rows_by_person(broadcast)
    assert len(by_path[True]) == 25 and by_path[True] == by_path[False]


def test_a_replayed_sql_page_adds_nothing(world, settings):
    settings.BROADCAST_FANOUT_SQL = True
    channel = new_channel(world.commune_a)
    people = [new_follower(channel, f"r{i}") for i in range(12)]
    broadcast = approved(world.editor, world.leader_a, world.commune_a, [channel], subscribers_only=False)
    assert fanout_step(broadcast_id=broadcast.pk, batch=5)
    broadcast.refresh_from_db()
    assert broadcast.fanout_cursor == people[4].pk and broadcast.fanout_enqueued == 5
    Broadcast.objects.filter(pk=broadcast.pk).update(fanout_cursor=0)  # a crash "before" the cursor moved
    fanout_run(broadcast_id=broadcast.pk, batch=5)
    broadcast.refresh_from_db()
    keys = OutboundMessage.objects.filter(source_type="broadcast", source_id=str(broadcast.pk))
    assert keys.count() == 12 and broadcast.fanout_enqueued == 12
