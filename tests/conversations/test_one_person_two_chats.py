"""One person, several channels (#22 item 5): a citizen who follows the ward's Zalo OA and writes to its Facebook
page is one Contact once the same phone is proven on both; a dossier's notice then goes to one chat, the one they
used last, unless they chose one ("notices here" in the subscriptions flow). Over real HTTP: the Zalo sandbox phone
and the Messenger stand-in, the real webhooks, inbound worker and dispatcher."""

import pytest

from ketnoi.contacts.models import ChannelContact, Contact
from ketnoi.dossiers.services import (
    dossier_result_ready,
    dossier_return_result,
    dossier_supplement_received,
    dossier_transition,
)
from ketnoi.outbox.dispatcher import dispatch_once
from ketnoi.outbox.models import OutboundMessage
from tests.messenger_standin import MessengerPhone, MessengerStandIn, choices, connect_sandbox_page, texts

from .conftest import texts as zalo_texts

OWNER_PHONE = "84912345678"  # the dossiers' applicant phone (conftest APPLICANT_PHONE)


def codes_sent_to(oa, phone: str) -> list[str]:
    return [
        m["payload"]["template_data"]["otp"]
        for m in oa.sandbox.messages(oa_id=oa.oa_id, phone=phone)
        if (m.get("payload") or {}).get("template_id") == "tpl-otp"
    ]


@pytest.fixture
def two_chats(oa, dossiers, new_phone):
    """The dossiers' applicant proves her phone on Zalo, then on Messenger from the same sandbox phone."""
    standin = MessengerStandIn(oa.sandbox)
    page_channel, page = connect_sandbox_page(standin, unit=oa.world.commune_a)
    zalo = new_phone("Nguyễn Thị Mai", phone=OWNER_PHONE)
    zalo.follow()
    zalo.say("ho so cua toi")
    zalo.submit_info("Nguyễn Thị Mai", OWNER_PHONE)
    assert dossiers.waiting.receipt_code in zalo_texts(zalo.say(codes_sent_to(oa, OWNER_PHONE)[-1]))

    messenger = MessengerPhone(standin, page["page_id"], zalo.uid)  # the same person, now on Facebook
    messenger.get_started()
    assert "số điện thoại" in texts(messenger.say("ho so cua toi")).lower()
    assert "mã 6 chữ số" in texts(messenger.say("0912 345 678"))
    shown = texts(messenger.say(codes_sent_to(oa, OWNER_PHONE)[-1]))
    assert dossiers.waiting.receipt_code in shown and dossiers.returned.receipt_code in shown
    return zalo, messenger, page_channel


def new_notices(since: int) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(source_type="dossier", pk__gt=since).order_by("pk"))


def last_pk() -> int:
    return OutboundMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_the_phone_proven_on_both_makes_one_contact(two_chats, oa):
    zalo, messenger, page_channel = two_chats
    on_zalo = ChannelContact.objects.get(channel=oa.channel, user_id=zalo.user_id)
    on_messenger = ChannelContact.objects.get(channel=page_channel, user_id=messenger.psid)
    assert on_zalo.contact_id == on_messenger.contact_id
    assert Contact.objects.get(pk=on_zalo.contact_id).phone == "+" + OWNER_PHONE


def test_notices_go_to_the_chat_used_last_unless_one_was_chosen(two_chats, oa, dossiers):
    zalo, messenger, page_channel = two_chats
    world = oa.world
    zalo.new_messages()

    # Messenger was used last: the notice goes there, and only there.
    since = last_pk()
    waiting = dossier_supplement_received(actor=world.desk_a, dossier=dossiers.waiting)
    dispatch_once(rounds=2)
    assert [n.channel for n in new_notices(since)] == [page_channel]
    assert waiting.receipt_code in texts(messenger.new_messages()) and zalo.new_messages() == []

    # Then she writes on Zalo: the next notice follows her there.
    zalo.say("xin chao")
    since = last_pk()
    returned = dossier_return_result(actor=world.desk_a, dossier=dossiers.ready)
    dispatch_once(rounds=2)
    assert [n.channel for n in new_notices(since)] == [oa.channel]
    assert returned.receipt_code in zalo_texts(zalo.new_messages())
    assert messenger.new_messages() == []

    # She chooses Messenger for notices; writing on Zalo afterwards does not move them back.
    shown = messenger.say("dang ky nhan tin")
    assert "kênh bạn dùng gần nhất" in texts(shown)
    assert choices(shown)["Thông báo ở đây"] == "#subs.notices"
    assert "từ nay" in texts(messenger.tap("#subs.notices", title="Thông báo ở đây")).lower()
    zalo.say("xin chao")
    zalo.new_messages()
    since = last_pk()
    waiting = dossier_transition(actor=world.processor_a, dossier=waiting, to_state="processing")
    waiting = dossier_result_ready(actor=world.processor_a, dossier=waiting)
    dispatch_once(rounds=2)
    assert {n.channel for n in new_notices(since)} == {page_channel}
    assert waiting.receipt_code in texts(messenger.new_messages())
    assert zalo.new_messages() == []
