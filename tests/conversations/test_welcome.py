"""Following a demo OA in the sandbox gets the welcome with the main menu, through the real webhook, worker and
dispatcher; unfollowing sends nothing and stops queued bulk messages."""

from django.db import transaction

from ketnoi.channels.types.base import OutboundPayload
from ketnoi.contacts.models import ChannelContact
from ketnoi.outbox.models import Lane, OutboundMessage, Status
from ketnoi.outbox.services import outbox_enqueue

from .conftest import buttons, texts


def test_a_new_follower_gets_the_welcome_and_menu_once(oa, new_phone):
    phone = new_phone()
    shown = phone.follow()
    assert "Phường Đông Hòa" in shown[0]["text"]
    assert "Main menu" not in texts(shown)  # Vietnamese by default
    assert "1. Tra cứu hồ sơ" in texts(shown) and "Thủ tục hành chính" in texts(shown)
    assert buttons(shown)["Tra cứu hồ sơ"] == "#lookup" and buttons(shown)["Thủ tục hành chính"] == "#procedures"
    assert ChannelContact.objects.get(channel=oa.channel, user_id=phone.user_id).is_follower
    assert OutboundMessage.objects.filter(source_type="follow").count() == len(shown)

    # Unfollowing sends nothing, and a bulk message still queued for the person is cancelled.
    follower = ChannelContact.objects.get(channel=oa.channel, user_id=phone.user_id)
    with transaction.atomic():
        bulk = outbox_enqueue(
            channel=oa.channel,
            channel_contact=follower,
            payload=OutboundPayload(kind="text", text="Bản tin tuần"),
            idempotency_key="bulk-news-1",
            lane=Lane.BULK,
            send_after=None,
        )
        OutboundMessage.objects.filter(pk=bulk.pk).update(next_attempt_at="2100-01-01T00:00:00Z")
    assert phone.unfollow() == []
    assert OutboundMessage.objects.get(pk=bulk.pk).status == Status.CANCELLED


def test_the_welcome_speaks_the_contacts_language(world):
    from ketnoi.channels.services import webchat_channel_create
    from ketnoi.conversations.welcome import welcome_text

    webchat = webchat_channel_create(actor=None, unit=world.province, name="Hỏi đáp")
    assert welcome_text(webchat, "en").startswith("Welcome to Hỏi đáp")
    assert welcome_text(webchat, "vi").startswith("Chào mừng bạn đến với Hỏi đáp")
