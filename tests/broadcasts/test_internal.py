"""The officials' internal channel: notices, with and without a linked internal OA account."""

from django.db import transaction

from ketnoi.broadcasts.models import InternalNotice
from ketnoi.broadcasts.services import official_link_by_code, official_link_code, official_notify
from ketnoi.channels.types.base import Button
from ketnoi.outbox.models import OutboundMessage


def test_notice_without_link_is_only_in_the_console(world):
    notice = official_notify(official=world.processor_a, text="Petition P-1 is due tomorrow", key="petition:1:due")
    assert notice.outbound_message_id is None
    assert InternalNotice.objects.filter(user=world.processor_a).count() == 1
    assert not OutboundMessage.objects.exists()


def test_linked_official_gets_one_message_per_key(world, channel_a, follower):
    person = follower(channel_a, "official-zalo-1")
    code = official_link_code(official=world.processor_a)
    assert official_link_by_code(channel_contact=person, code="000000" if code.code != "000000" else "111111") is None
    link = official_link_by_code(channel_contact=person, code=code.code)
    assert link.user == world.processor_a
    assert official_link_by_code(channel_contact=person, code=code.code) is None  # single use
    buttons = (Button(title="Open", action="query_hide", value="#kn-x"),)
    with transaction.atomic():
        first = official_notify(official=world.processor_a, text="Reminder", key="petition:2:remind:1", buttons=buttons)
    again = official_notify(official=world.processor_a, text="Reminder", key="petition:2:remind:1", buttons=buttons)
    assert again.pk == first.pk
    message = OutboundMessage.objects.get()
    assert message.channel_contact == person
    assert message.idempotency_key == "internal:petition:2:remind:1"
    assert message.payload["buttons"][0]["value"] == "#kn-x"
