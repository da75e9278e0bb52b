"""Community groups as Zalo group chats (GMF, issue 22) over real HTTP against the sandbox: a residential group's
chat created at the provider, households joining by its invite link on their phones, the OA's posts reaching every
member, a member's message kept with the group for its officials (never in the one-to-one chat or the inbox),
members leaving; and the group webhooks' wire details read from the one place they are kept."""

import pytest

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ketnoi.broadcasts.models import ChatGroupMember, ChatGroupMessage
from ketnoi.broadcasts.selectors import group_reach
from ketnoi.broadcasts.services import (
    broadcast_finish_if_done,
    chat_group_create,
    chat_group_post,
    chat_group_post_upload,
    fanout_run,
    group_for_residential_group,
)
from ketnoi.channels.types.base import EventKind
from ketnoi.channels.types.zalo import parse, tokens
from ketnoi.contacts.models import InboundMessage
from ketnoi.core.models import AuditEntry
from ketnoi.outbox.models import Lane, OutboundMessage, Status
from tests.channels.conftest import run_inbound_queue
from tests.files import jpeg, pdf_bytes
from tests.outbox.helpers import drain
from tests.sandbox_oa import connect_sandbox_oa

from .conftest import residential_groups
from .helpers import approved

HOUSEHOLDS = ("Hoàng Văn Mười", "Nông Thị Hoa", "Lục Văn Sáu")


@pytest.fixture
def oa(zalo_sandbox, transactional_world, live_server, settings):
    settings.OUTBOX_RETRY_BASE_SECONDS = 0.05
    channel, created = connect_sandbox_oa(
        zalo_sandbox, unit=transactional_world.commune_a, live_server_url=live_server.url
    )
    yield channel, created
    tokens.forget(channel.pk)


def households_join(zalo_sandbox, chat, oa_id, names=HOUSEHOLDS):
    people = [zalo_sandbox.create_user(name) for name in names]
    for person in people:
        zalo_sandbox.join_group(person["uid"], chat.invite_link)
    zalo_sandbox.wait_deliveries(oa_id, "user_join_group", count=len(people))
    run_inbound_queue()
    return people


def test_a_residential_group_chat_joined_by_link_posted_to_and_written_in(
    zalo_sandbox, oa, transactional_world, client
):
    channel, created = oa
    world = transactional_world
    group = group_for_residential_group(actor=world.leader_a, residential_group=residential_groups(world.commune_a)[0])

    chat = chat_group_create(actor=world.leader_a, group=group)
    assert chat.channel == channel and chat.invite_link
    (at_zalo,) = zalo_sandbox.groups(oa_id=created["oa_id"])
    assert at_zalo["group_id"] == chat.provider_group_id and at_zalo["name"] == group.name
    assert AuditEntry.objects.filter(action="broadcasts.chat_group_create", actor=world.leader_a).exists()

    people = households_join(zalo_sandbox, chat, created["oa_id"])
    chat.refresh_from_db()
    assert chat.member_count == 3 == ChatGroupMember.objects.filter(chat_group=chat, left_at=None).count()

    chat_group_post(actor=world.leader_a, chat_group=chat, text="Họp tổ dân phố 19h tối nay tại nhà văn hóa.")
    drain()
    (row,) = OutboundMessage.objects.filter(source_type="group_post")
    assert row.status == Status.SENT and row.cost == 0
    for person in people:
        seen = [m["text"] for m in zalo_sandbox.group_messages(chat.provider_group_id, user=person["uid"])]
        assert seen == ["Họp tổ dân phố 19h tối nay tại nhà văn hóa."]

    # a photo and a PDF: uploaded to the OA, then posted as an image and a file
    chat_group_post_upload(
        actor=world.leader_a, chat_group=chat, text="Sơ đồ điểm tập kết", upload=SimpleUploadedFile("so-do.jpg", jpeg())
    )
    chat_group_post_upload(
        actor=world.leader_a, chat_group=chat, text="", upload=SimpleUploadedFile("lich-hop.pdf", pdf_bytes())
    )
    drain()
    kinds = [m["kind"] for m in zalo_sandbox.group_messages(chat.provider_group_id, user=people[0]["uid"])]
    assert kinds == ["text", "image", "file"]

    zalo_sandbox.send_group_text(people[1]["uid"], chat.provider_group_id, "Đèn đường ngõ 5 bị hỏng ạ.")
    zalo_sandbox.wait_deliveries(created["oa_id"], "user_send_group_text")
    run_inbound_queue()
    (said,) = ChatGroupMessage.objects.filter(chat_group=chat, direction=ChatGroupMessage.IN)
    assert said.text == "Đèn đường ngõ 5 bị hỏng ạ."
    # the other members see it on their phones; the OA's chat with that person never does
    assert "Đèn đường ngõ 5 bị hỏng ạ." in [
        m["text"] for m in zalo_sandbox.group_messages(chat.provider_group_id, user=people[0]["uid"])
    ]
    assert not InboundMessage.objects.exists()
    assert OutboundMessage.objects.count() == 3  # the posts: no reply from the assistant, no hand-off notice

    client.cookies["django_language"] = "en"
    client.force_login(world.leader_a)
    page = client.get(reverse("console:broadcast_group", args=[group.uuid])).content.decode()
    assert "Đèn đường ngõ 5 bị hỏng ạ." in page and chat.invite_link in page
    client.force_login(world.desk_b)  # an official of another commune does not see this group
    assert client.get(reverse("console:broadcast_group", args=[group.uuid])).status_code in (403, 404)

    zalo_sandbox.leave_group(people[2]["uid"], chat.provider_group_id)
    zalo_sandbox.wait_deliveries(created["oa_id"], "user_out_group")
    run_inbound_queue()
    chat.refresh_from_db()
    assert chat.member_count == 2


def test_the_group_webhooks_are_read_where_the_assumptions_say(settings):
    """assumptions.GMF_DEFAULTS: the group id in recipient.group_id or a flat group_id; both spellings of leaving;
    a lifecycle event naming several members. A setting renames an event without touching the parser."""
    flat = b'{"event_name":"user_leave_group","group_id":"g1","users":[{"user_id":"u1"},{"user_id":"u2"}],"timestamp":"1764990000000"}'
    (left,) = parse.parse(flat, oa_id="oa1")
    assert (left.kind, left.group_id, left.member_ids) == (EventKind.GROUP_LEFT, "g1", ("u1", "u2"))
    said = b'{"event_name":"user_send_group_text","sender":{"id":"u3"},"recipient":{"id":"oa1","group_id":"g2"},"message":{"msg_id":"m1","text":"Alo"},"timestamp":"1764990000000"}'
    (message,) = parse.parse(said, oa_id="oa1")
    assert (message.kind, message.group_id, message.user_id, message.text) == (
        EventKind.GROUP_MESSAGE,
        "g2",
        "u3",
        "Alo",
    )
    settings.ZALO_GMF = {"join_events": ("member_joined_group",)}
    joined = b'{"event_name":"member_joined_group","sender":{"id":"u4"},"recipient":{"id":"oa1","group_id":"g2"},"timestamp":"1764990000000"}'
    assert parse.parse(joined, oa_id="oa1")[0].kind == EventKind.GROUP_JOINED


def test_an_emergency_alert_for_the_area_is_posted_once_per_group_and_seen_by_every_member(
    zalo_sandbox, oa, transactional_world
):
    channel, created = oa
    world = transactional_world
    first, second = residential_groups(world.commune_a)[:2]
    chats = []
    for unit, names in ((first, HOUSEHOLDS), (second, ("Triệu Văn Bảy", "La Thị Tám"))):
        group = group_for_residential_group(actor=world.leader_a, residential_group=unit)
        chat = chat_group_create(actor=world.leader_a, group=group)
        chats.append((chat, households_join(zalo_sandbox, chat, created["oa_id"], names)))
    # a follower who is in no group is not written to one by one: the alert goes into the groups only
    loner = zalo_sandbox.create_user("Người ngoài nhóm")
    zalo_sandbox.follow(loner["uid"], created["oa_id"])
    zalo_sandbox.wait_deliveries(created["oa_id"], "follow")
    run_inbound_queue()
    text = "KHẨN: Lũ quét có thể xảy ra đêm nay. Các hộ ven suối di chuyển lên nhà văn hóa tổ."

    alert = approved(
        world.editor,
        world.leader_a,
        world.commune_a,
        [channel],
        topic="emergency",
        title="Cảnh báo lũ quét",
        text=text,
        area=world.commune_a,
        to_group_chats=True,
        subscribers_only=False,
    )
    assert alert.recipients_estimate == 5  # the members of the two groups
    fanout_run(broadcast_id=alert.pk)
    posts = OutboundMessage.objects.filter(source_type="broadcast", source_id=str(alert.pk))
    assert posts.count() == 2 and {p.lane for p in posts} == {Lane.EMERGENCY}
    drain()
    assert set(posts.values_list("status", flat=True)) == {Status.SENT}

    for chat, people in chats:
        for person in people:
            seen = [m["text"] for m in zalo_sandbox.group_messages(chat.provider_group_id, user=person["uid"])]
            assert seen == [text]  # once, in the group
    assert text not in [m["text"] for m in zalo_sandbox.messages(oa_id=created["oa_id"], user=loner["uid"])]
    reach = {row["group__name"]: (row["members"], row["reached"]) for row in group_reach(alert)}
    assert sorted(reach.values()) == [(2, 2), (3, 3)]
    assert broadcast_finish_if_done(broadcast=alert)  # the scheduled job's check: every post has left
