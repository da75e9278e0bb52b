"""Demo inbox: a few conversations handed to the officials, so `make run` shows the inbox at once. Commune A gets
a web chat of its own (the Zalo OAs are connected later by sandbox_setup_demo, and conversations from the sandbox
phone join the same inbox), canned replies for the commune and the province. Fictional people. Idempotent: each
demo citizen is made once, keyed on its web chat id."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from ketnoi.channels.models import Channel
from ketnoi.channels.services import webchat_channel_create
from ketnoi.contacts.models import ChannelContact, Contact, InboundMessage
from ketnoi.orgs.models import AdministrativeUnit

from .models import CannedReply
from .services import (
    canned_reply_save,
    handoff_citizen_wrote,
    handoff_open,
    handoff_reply,
    handoff_take,
    handoff_transfer,
)

COMMUNE_WEBCHAT = "Hỏi đáp Phường Đông Hòa"

CANNED = {
    "90001": [
        (
            "Giờ làm việc",
            "Bộ phận một cửa phường Đông Hòa làm việc từ thứ Hai đến thứ Sáu, sáng 7h30-11h30, chiều 13h30-17h00.",
        ),
        ("Mang giấy tờ", "Anh/chị vui lòng mang theo căn cước công dân bản chính khi đến nộp hồ sơ."),
    ],
    "90": [
        ("Đường dây nóng", "Anh/chị có thể gọi đường dây nóng của Trung tâm Phục vụ hành chính công tỉnh: 1022."),
    ],
}

# (unit code, web chat id, name, reason, what they wrote (minutes ago, text), official who took it, their reply)
CONVERSATIONS = [
    (
        "90001",
        "demo-inbox-hoa",
        "Nguyễn Thị Hoa",
        "Hỏi về đăng ký khai sinh cho con",
        [(50, "Cho tôi hỏi làm khai sinh cho con cần giấy tờ gì ạ?"), (48, "Tôi muốn nói chuyện với cán bộ")],
        None,
        "",
    ),
    (
        "90001",
        "demo-inbox-tuan",
        "Lê Minh Tuấn",
        "Trợ lý ảo không tìm được thủ tục",
        [(180, "chung thuc ban sao so ho khau o dau"), (175, "gap can bo")],
        "xuly.donghoa",
        "Chào anh Tuấn, chứng thực bản sao làm tại bộ phận một cửa phường, anh mang bản chính đến nhé.",
    ),
    (
        "90001",
        "demo-inbox-khoa",
        "Đinh Văn Khoa",
        "Hỏi nơi nộp hồ sơ cấp phiếu lý lịch tư pháp số 2",
        [(90, "Phiếu lý lịch tư pháp số 2 thì tôi nộp ở phường hay ở tỉnh ạ?")],
        None,
        "",
    ),
    (
        "90",
        "demo-inbox-lan",
        "Trần Thị Lan",
        "Hỏi tiến độ hồ sơ đất đai",
        [(20, "Hồ sơ đất đai của tôi nộp ở tỉnh đã hơn một tháng, nhờ cán bộ xem giúp.")],
        None,
        "",
    ),
]


# Conversations the ward passes up to the province's centre, with the note for the officials there.
PASSED_UP = {"demo-inbox-khoa": "Phiếu lý lịch tư pháp do Sở Tư pháp cấp, nhờ Trung tâm tỉnh trả lời giúp."}


def _webchat(unit: AdministrativeUnit) -> Channel:
    channel = Channel.objects.filter(type_code="webchat", unit=unit, is_active=True).first()
    return channel or webchat_channel_create(actor=None, unit=unit, name=COMMUNE_WEBCHAT)


def _citizen(channel: Channel, user_id: str, name: str, at: dt.datetime) -> tuple[ChannelContact, bool]:
    found = ChannelContact.objects.filter(channel=channel, user_id=user_id).first()
    if found is not None:
        return found, False
    contact = Contact.objects.create(name=name)
    return (
        ChannelContact.objects.create(
            channel=channel, contact=contact, user_id=user_id, display_name=name, last_interaction_at=at
        ),
        True,
    )


@transaction.atomic
def seed(stdout=None) -> None:
    units = {u.code: u for u in AdministrativeUnit.objects.filter(code__in=["90", "90001"], valid_to__isnull=True)}
    if len(units) < 2:
        return
    for code, items in CANNED.items():
        for title, text in items:
            if not CannedReply.objects.filter(unit=units[code], title=title).exists():
                canned_reply_save(actor=None, unit=units[code], title=title, text=text)
    now = timezone.now()
    User = get_user_model()
    made = 0
    for code, user_id, name, reason, said, official, reply in CONVERSATIONS:
        channel = _webchat(units[code])
        last_at = now - dt.timedelta(minutes=min(minutes for minutes, _ in said))
        citizen, created = _citizen(channel, user_id, name, last_at)
        if not created:
            continue
        first, *rest = said
        _message(citizen, f"{user_id}-0", first[1], now - dt.timedelta(minutes=first[0]))
        handoff = handoff_open(channel_contact=citizen, reason=reason, requested_by_citizen=True)
        for n, (minutes, text) in enumerate(rest, start=1):
            handoff_citizen_wrote(
                message=_message(citizen, f"{user_id}-{n}", text, now - dt.timedelta(minutes=minutes))
            )
        if official:
            user = User.objects.get(username=official)
            handoff_take(actor=user, handoff=handoff)
            handoff_reply(actor=user, handoff=handoff, text=reply, token=f"demo-{user_id}")
        if user_id in PASSED_UP:  # the ward hands it to the province's service centre (issue 15.13)
            handoff_transfer(
                actor=User.objects.get(username="xuly.donghoa"),
                handoff=handoff,
                to_unit=units["90"],
                note=PASSED_UP[user_id],
            )
        made += 1
    if stdout is not None and made:
        stdout.write(f"  inbox: {made} demo conversations handed to officials")


def _message(citizen: ChannelContact, provider_id: str, text: str, at: dt.datetime) -> InboundMessage:
    return InboundMessage.objects.create(
        channel=citizen.channel,
        channel_contact=citizen,
        provider_message_id=provider_id,
        kind="text",
        text=text,
        received_at=at,
    )
