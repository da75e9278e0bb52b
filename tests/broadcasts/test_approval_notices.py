"""Leaders are told what waits for their approval: the nearest leaders who may approve (never the author), in "My
notices" and on the internal OA; an emergency alert at once on the emergency lane, anything else held until the
morning when submitted at night."""

import datetime as dt
import zoneinfo

import time_machine

from django.contrib.auth import get_user_model
from django.utils import timezone

from ketnoi.broadcasts.models import InternalNotice
from ketnoi.broadcasts.selectors import awaiting_approval
from ketnoi.broadcasts.services import (
    broadcast_submit,
    official_link_by_code,
    official_link_code,
    template_pre_approve,
    template_save,
)
from ketnoi.orgs.models import Membership
from ketnoi.orgs.roles import Role
from ketnoi.orgs.selectors import nearest_holders
from ketnoi.outbox.models import Lane, OutboundMessage

from .conftest import new_follower, residential_groups
from .helpers import draft

HANOI = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def province_leader(world):
    user = get_user_model().objects.create_user("lanhdao.tinh", password="x", first_name="Tỉnh")
    Membership.objects.create(user=user, unit=world.province, role=Role.LEADER)
    return user


def link(official, channel, user_id):
    person = new_follower(channel, user_id)
    official_link_by_code(channel_contact=person, code=official_link_code(official=official).code)
    return person


def test_the_nearest_leaders_are_asked_never_the_author(world):
    above = province_leader(world)
    assert nearest_holders(capability="broadcasts.approve", unit=world.commune_a) == [world.leader_a]
    assert nearest_holders(capability="broadcasts.approve", unit=world.commune_a, exclude=[world.leader_a.pk]) == [
        above
    ]  # the ward's only leader wrote it: the province's leader is next
    assert nearest_holders(capability="broadcasts.approve", unit=world.province) == [above]


def test_an_emergency_alert_reaches_the_leader_at_once_on_the_emergency_lane(world, channel_a):
    province_leader(world)
    linked = link(world.leader_a, channel_a, "leader-a-zalo")
    area = residential_groups(world.commune_a)[0]
    alert = draft(world.editor, world.commune_a, [channel_a], title="Lũ", topic="emergency", area=area)
    broadcast_submit(actor=world.editor, broadcast=alert)
    notice = InternalNotice.objects.get()
    assert notice.user == world.leader_a and notice.url == f"/console/broadcasts/{alert.uuid}/"
    assert "Lũ" in notice.text and "Tổ dân phố 1, Phường Đông Hòa" in notice.text
    message = OutboundMessage.objects.get(channel_contact=linked)
    assert message.lane == Lane.EMERGENCY and message.next_attempt_at <= timezone.now()
    assert message.payload["buttons"][0]["value"].endswith(notice.url)
    assert list(awaiting_approval(official=world.leader_a)) == [alert]
    assert list(awaiting_approval(official=world.editor)) == []  # an editor does not approve


def test_news_submitted_at_night_waits_for_the_morning_on_the_internal_oa(world, channel_a, settings):
    settings.BROADCAST_NIGHT_HOURS = (22, 6)
    linked = link(world.leader_a, channel_a, "leader-a-zalo")
    news = draft(world.editor, world.commune_a, [channel_a], title="Lịch tiêm chủng")
    with time_machine.travel(dt.datetime(2026, 12, 7, 23, 30, tzinfo=HANOI), tick=False):
        broadcast_submit(actor=world.editor, broadcast=news)
    assert InternalNotice.objects.get().user == world.leader_a  # in the console at once
    message = OutboundMessage.objects.get(channel_contact=linked)
    assert message.lane == Lane.TRANSACTIONAL
    assert message.next_attempt_at == dt.datetime(2026, 12, 8, 6, 0, tzinfo=HANOI)


def test_the_author_leader_is_not_asked_and_the_fast_path_asks_no_one(world, channel_a):
    above = province_leader(world)
    own = draft(world.leader_a, world.commune_a, [channel_a], title="Thông báo họp tổ")
    broadcast_submit(actor=world.leader_a, broadcast=own)
    assert [n.user for n in InternalNotice.objects.all()] == [above]
    assert list(awaiting_approval(official=world.leader_a)) == []
    InternalNotice.objects.all().delete()
    template = template_save(
        actor=world.editor, unit=world.commune_a, name="Bão", topic="emergency", text="Bão sắp vào, ở trong nhà."
    )
    template_pre_approve(actor=world.leader_a, template=template)
    alert = draft(
        world.editor,
        world.commune_a,
        [channel_a],
        title="Bão",
        topic="emergency",
        text=template.text,
        template=template,
        area=world.commune_a,
    )
    assert broadcast_submit(actor=world.editor, broadcast=alert).state == "sending"
    assert not InternalNotice.objects.exists()


def test_resubmitting_asks_again(world, channel_a):
    from ketnoi.broadcasts.services import broadcast_withdraw

    news = draft(world.editor, world.commune_a, [channel_a], title="Tin")
    broadcast_submit(actor=world.editor, broadcast=news)
    broadcast_withdraw(actor=world.editor, broadcast=news)
    broadcast_submit(actor=world.editor, broadcast=news)
    assert InternalNotice.objects.filter(user=world.leader_a).count() == 2
