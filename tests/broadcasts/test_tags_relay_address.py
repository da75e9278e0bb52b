"""Tags kept in ketnoi and mirrored both ways with Zalo's tag API (through the sandbox); a group leader relays a
broadcast to their group; a shared address places a follower in a commune."""

from django.db import transaction
from django.utils import timezone

from ketnoi.broadcasts.models import AudienceTag, Subscription
from ketnoi.broadcasts.services import fanout_run, group_create, group_member_set, subscription_set, tag_add
from ketnoi.channels.types.base import EventKind, InboundEvent
from ketnoi.outbox.models import OutboundMessage
from ketnoi.pipeline.inbound import handle as handle_event
from tests.channels.conftest import run_inbound_queue
from tests.sandbox_oa import connect_sandbox_oa

from .conftest import new_follower, residential_groups
from .helpers import approved


def event(kind, user_id, **fields):
    return InboundEvent(
        kind=kind,
        provider_event="x",
        dedup_key=f"{kind}-{user_id}-{fields}",
        occurred_at=timezone.now(),
        user_id=user_id,
        **fields,
    )


def test_tags_sync_both_ways_with_the_zalo_tag_api(zalo_sandbox, transactional_world, live_server):
    channel, created = connect_sandbox_oa(
        zalo_sandbox, unit=transactional_world.commune_a, live_server_url=live_server.url
    )
    person = zalo_sandbox.create_user("Chủ hộ kinh doanh")
    zalo_sandbox.follow(person["uid"], created["oa_id"])
    zalo_sandbox.wait_deliveries(created["oa_id"], "follow", count=1)
    run_inbound_queue()
    follower = channel.contacts.get()
    tag_add(actor=transactional_world.editor, channel_contact=follower, name="Business")
    zalo = channel.channel_type
    assert "ketnoi_business" in zalo.fetch_profile(channel, follower.user_id).tags  # pushed after commit
    # tagged in the OA manager (the provider's tag event comes back through the webhook)
    zalo.add_tag(channel, follower.user_id, "ketnoi_group_leader")
    zalo.add_tag(channel, follower.user_id, "VIP")  # the OA's own tag: not ours to mirror
    zalo_sandbox.wait_deliveries(created["oa_id"], "add_user_to_tag", count=3)
    run_inbound_queue()
    assert set(AudienceTag.objects.filter(channel_contact=follower).values_list("name", flat=True)) == {
        "business",
        "group_leader",
    }


def test_a_leader_relays_a_broadcast_to_their_group(world, channel_a):
    group_unit = residential_groups(world.commune_a)[0]
    group = group_create(actor=world.editor, unit=world.commune_a, name="Tổ 1", residential_group=group_unit)
    leader = new_follower(channel_a, "leader")
    members = [new_follower(channel_a, f"m{i}") for i in range(3)]
    group_member_set(actor=world.editor, group=group, channel_contact=leader, role="leader")
    for member in members:
        group_member_set(actor=world.editor, group=group, channel_contact=member)
    broadcast = approved(
        world.editor, world.leader_a, world.commune_a, [channel_a], subscribers_only=False, tags=["group_leader"]
    )
    fanout_run(broadcast_id=broadcast.pk)
    to_leader = OutboundMessage.objects.get(source_id=str(broadcast.pk))
    assert to_leader.channel_contact == leader
    relay = next(b["value"] for b in to_leader.payload["buttons"] if b["value"].startswith("#bc.relay:"))
    for _twice in range(2):
        with transaction.atomic():
            handle_event(channel_a, event(EventKind.MESSAGE, "leader", text=relay))
    rows = OutboundMessage.objects.filter(source_type="broadcast", source_id=str(broadcast.pk))
    assert sorted(rows.values_list("channel_contact__user_id", flat=True)) == ["leader", "m0", "m1", "m2"]
    assert OutboundMessage.objects.filter(source_type="broadcasts").count() == 1  # "relayed to 3", once


def test_a_shared_address_places_a_follower_who_chose_no_area(world, channel_a):
    person = new_follower(channel_a, "addr")
    with transaction.atomic():
        handle_event(
            channel_a, event(EventKind.SUBMIT_INFO, "addr", info={"address": "12 Lê Lợi, Xa Binh An, Binh Son"})
        )
    assert Subscription.objects.get(channel_contact=person).area == world.commune_b
    chose = new_follower(channel_a, "chose")
    subscription_set(channel_contact=chose, topics={"news"}, area=world.commune_a)
    with transaction.atomic():
        handle_event(channel_a, event(EventKind.SUBMIT_INFO, "chose", info={"address": "Xã Bình An"}))
    assert Subscription.objects.get(channel_contact=chose).area == world.commune_a  # their own choice stands
