"""Demo for `make run`: followers over the demo communes and residential groups (on the province's web chat, so
no real OA is needed), community groups with leaders, a pre-approved storm template, past broadcasts with their
statistics (news, a policy, an alert: also the portal's /tin-tuc/ archive), one waiting for approval, and a meeting
tomorrow. Fictional people. Idempotent (markers: the titles of the past broadcasts)."""

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from ketnoi.channels.models import Channel
from ketnoi.contacts.models import ChannelContact, Contact
from ketnoi.orgs.models import AdministrativeUnit, UnitKind
from ketnoi.outbox.models import OutboundMessage, Status

from .models import Broadcast, GroupRole, Household, household_key
from .services import (
    BroadcastContent,
    broadcast_approve,
    broadcast_create,
    broadcast_finish_if_done,
    broadcast_submit,
    fanout_run,
    group_create,
    group_member_set,
    subscription_set,
    tag_add,
    template_pre_approve,
    template_save,
)
from .services.groups import household_save
from .services.meetings import meeting_schedule

PAST_TITLE = "Lịch cắt nước tuần này"
# more past broadcasts, each seeded once (also into a database seeded before they existed)
MORE_PAST = [
    {
        "title": "Chính sách hỗ trợ tiền điện cho hộ nghèo",
        "topic": "policies",
        "text": "Từ tháng này, hộ nghèo và hộ cận nghèo được hỗ trợ tiền điện hằng tháng. Mang sổ hộ nghèo đến "
        "UBND phường để đăng ký.",
        "text_en": "Poor and near-poor households now get a monthly electricity allowance. Bring your household "
        "certificate to the ward office to register.",
        "days_ago": 6,
    },
    {
        "title": "Cảnh báo triều cường khu vực ven sông",
        "topic": "emergency",
        "text": "Triều cường dâng cao chiều nay ở khu vực ven sông. Người dân kê cao đồ đạc, không đi qua các đoạn "
        "đường ngập sâu.",
        "text_en": "High tide this afternoon along the river. Raise your belongings and avoid deeply flooded roads.",
        "days_ago": 3,
    },
]
NAMES = ["An", "Bình", "Cúc", "Dũng", "Giang", "Hà", "Hải", "Hoa", "Hùng", "Lan", "Linh", "Mai", "Nam", "Phúc"]
FEMALE = {"Cúc", "Hà", "Hoa", "Lan", "Linh", "Mai"}
FAMILY_NAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi", "Đỗ", "Huỳnh", "Ngô"]


def _full_name(given: str, index: int) -> str:
    """A Vietnamese full name (a citizen joining a group is told its leader's): family, middle and given name."""
    return f"{FAMILY_NAMES[index % len(FAMILY_NAMES)]} {'Thị' if given in FEMALE else 'Văn'} {given}"


def _groups(commune):
    return list(
        AdministrativeUnit.objects.filter(
            parent=commune, kind__in=[UnitKind.RESIDENTIAL_GROUP, UnitKind.VILLAGE], valid_to__isnull=True
        ).order_by("name")[:4]
    )


def seed(stdout=None) -> None:
    units = {u.code: u for u in AdministrativeUnit.objects.filter(code__in=["90", "90001", "90007"], valid_to=None)}
    channel = Channel.objects.filter(type_code="webchat", unit=units.get("90")).first()
    users = {
        u.username: u
        for u in get_user_model().objects.filter(
            username__in=["bientap.tinh", "lanhdao.donghoa", "xuly.donghoa", "tiepnhan.donghoa"]
        )
    }
    if channel is None or len(units) < 3 or len(users) < 4:
        return
    if not Broadcast.objects.filter(title=PAST_TITLE).exists():
        with transaction.atomic():
            _seed(channel, units, users)
        if stdout:
            stdout.write("broadcasts: followers, groups, a past broadcast and a meeting\n")
    for fields in MORE_PAST:
        if not Broadcast.objects.filter(title=fields["title"]).exists():
            with transaction.atomic():
                _past_broadcast(channel, units, users, **fields)
            if stdout:
                stdout.write(f"broadcasts: past {fields['topic']} broadcast\n")


def _report_back(broadcast, rng, *, sent_at) -> None:
    """What the provider reported back (the demo has no real phones), then the broadcast is sent."""
    for message in OutboundMessage.objects.filter(source_type="broadcast", source_id=str(broadcast.pk)):
        roll = rng.random()
        status = (
            Status.SEEN
            if roll < 0.55
            else Status.DELIVERED
            if roll < 0.85
            else Status.SENT
            if roll < 0.95
            else Status.UNREACHABLE
        )
        OutboundMessage.objects.filter(pk=message.pk).update(status=status, sent_at=sent_at, attempts=1)
    broadcast_finish_if_done(broadcast=broadcast)


def _past_broadcast(channel, units, users, *, title, topic, text, text_en, days_ago) -> None:
    editor, leader = users["bientap.tinh"], users["lanhdao.donghoa"]
    rng = random.Random(title)  # noqa: S311 (fictional demo data)
    broadcast = broadcast_create(
        actor=editor,
        unit=units["90001"],
        content=BroadcastContent(
            title=title,
            text=text,
            text_en=text_en,
            topic=topic,
            channels=[channel],
            area=units["90001"],
            subscribers_only=topic != "emergency",
        ),
    )
    broadcast_submit(actor=editor, broadcast=broadcast)
    broadcast_approve(actor=leader, broadcast=broadcast)
    fanout_run(broadcast_id=broadcast.pk)
    when = timezone.now() - dt.timedelta(days=days_ago)
    _report_back(broadcast, rng, sent_at=when)
    # it went out days ago: date it so (the archive orders by when a broadcast was sent)
    Broadcast.objects.filter(pk=broadcast.pk).update(approved_at=when, finished_at=when, created_at=when)


def _seed(channel, units, users) -> None:
    rng = random.Random(7)  # noqa: S311 (fictional demo data)
    editor, leader = users["bientap.tinh"], users["lanhdao.donghoa"]
    people = []
    for commune in (units["90001"], units["90007"]):
        for group_unit in _groups(commune):
            community = group_create(
                actor=None, unit=commune, name=f"Cộng đồng {group_unit.name}", residential_group=group_unit
            )
            for n in range(6):
                name = _full_name(rng.choice(NAMES), len(people))
                contact = Contact.objects.create(name=name, language="en" if n == 5 else "vi")
                person = ChannelContact.objects.create(
                    channel=channel,
                    contact=contact,
                    user_id=f"demo-bc-{commune.code}-{group_unit.pk}-{n}",
                    display_name=name,
                    is_follower=True,
                    followed_at=timezone.now() - dt.timedelta(days=rng.randint(1, 90)),
                    last_interaction_at=timezone.now() - dt.timedelta(hours=rng.randint(1, 300)),
                )
                topics = {"emergency"} | {t for t in ("news", "policies") if rng.random() < 0.7}
                subscription_set(channel_contact=person, topics=topics, group=group_unit)
                label = f"Số {rng.randint(1, 120)}"
                household = Household.objects.filter(group=community, label_key=household_key(label)).first()
                household = household or household_save(actor=None, group=community, label=label, head_name=name)
                group_member_set(
                    actor=None,
                    group=community,
                    channel_contact=person,
                    role=GroupRole.LEADER if n == 0 else GroupRole.MEMBER,
                    household=household,
                )
                if rng.random() < 0.2:
                    tag_add(actor=None, channel_contact=person, name="business", mirror=False)
                people.append(person)
    storm = template_save(
        actor=editor,
        unit=units["90001"],
        name="Cảnh báo bão",
        topic="emergency",
        text="Cảnh báo: bão đang tiến vào địa bàn. Người dân hạn chế ra ngoài, gia cố nhà cửa, theo dõi thông báo.",
        text_en="Warning: a storm is approaching. Stay indoors, secure your house and follow announcements.",
    )
    template_pre_approve(actor=leader, template=storm)
    past = broadcast_create(
        actor=editor,
        unit=units["90001"],
        content=BroadcastContent(
            title=PAST_TITLE,
            text="Phường Đông Hòa thông báo: cắt nước từ 8h đến 11h thứ Bảy để sửa đường ống.",
            text_en="Dong Hoa ward: water is cut from 8 to 11 am on Saturday for pipe repairs.",
            channels=[channel],
            area=units["90001"],
            link_url="https://example.org/cat-nuoc",
            link_title="Chi tiết",
        ),
    )
    broadcast_submit(actor=editor, broadcast=past)
    broadcast_approve(actor=leader, broadcast=past)
    fanout_run(broadcast_id=past.pk)
    _report_back(past, rng, sent_at=timezone.now())
    waiting = broadcast_create(
        actor=editor,
        unit=units["90001"],
        content=BroadcastContent(
            title="Tiêm chủng mở rộng tháng này",
            text="Trạm y tế phường tiêm chủng cho trẻ dưới 5 tuổi vào sáng thứ Tư. Mang theo sổ tiêm chủng.",
            topic="policies",
            channels=[channel],
            area=units["90001"],
        ),
    )
    broadcast_submit(actor=editor, broadcast=waiting)
    tomorrow = timezone.localtime() + dt.timedelta(days=1)
    meeting_schedule(
        actor=leader,
        unit=units["90001"],
        title="Giao ban công tác cải cách hành chính",
        starts_at=tomorrow.replace(hour=9, minute=0, second=0, microsecond=0),
        place="Phòng họp tầng 2, UBND phường",
        participants=[leader, users["xuly.donghoa"], users["tiepnhan.donghoa"]],
    )
