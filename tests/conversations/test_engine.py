"""The engine itself over the sandbox: hand-off to an official and back, subscriptions, timeouts, the language
switch, inputs the bot cannot use (location, sticker), and a reprocessed event that must not answer twice."""

import datetime as dt

from django.utils import timezone

from ketnoi.broadcasts.models import Subscription
from ketnoi.channels.models import ChannelEvent
from ketnoi.contacts.models import Contact
from ketnoi.conversations.models import ConversationSession, ConversationStep
from ketnoi.inbox.models import Handoff
from ketnoi.outbox.models import OutboundMessage
from ketnoi.pipeline.tasks import process_channel_event

from .conftest import buttons, texts


def test_talk_to_an_official_then_back_to_the_bot(oa, new_phone):
    phone = new_phone()
    phone.follow()
    assert "Hãy viết câu hỏi" in texts(phone.say("cho toi gap can bo"))
    shown = texts(phone.say("Toi muon hoi ve thu tuc tach thua dat"))
    assert "Phường Đông Hòa" in shown and "menu" in shown
    handoff = Handoff.objects.get(channel_contact__user_id=phone.user_id)
    assert handoff.requested_by_citizen and "tach thua" in handoff.reason

    # While the officials have it, the bot is silent, and the inbox keeps the message.
    assert phone.say("Khi nao co tra loi a?") == []
    assert handoff.entries.filter(text="Khi nao co tra loi a?").exists()

    shown = texts(phone.say("menu"))
    assert "trợ lý tự động" in shown and "Tra cứu hồ sơ" in shown
    handoff.refresh_from_db()
    assert handoff.returned_to_bot and not handoff.is_active


def test_subscriptions_topics_and_area(oa, new_phone):
    phone = new_phone()
    phone.follow()
    shown = phone.say("dang ky nhan tin")
    toggles = buttons(shown)
    assert toggles["Tin tức"] == "#subs.toggle:news"
    shown = phone.tap("#subs.toggle:news")
    assert "✓ Tin tức" in buttons(shown)
    assert "xã hoặc phường" in texts(phone.tap("#subs.area"))
    shown = phone.say("dong hoaa")  # without diacritics, with a typo
    assert "Phường Đông Hòa" in texts(shown)
    group = next(p for t, p in buttons(shown).items() if t == "Tổ dân phố 2")
    phone.tap(group)
    phone.tap("#subs.area")
    assert "Hãy viết câu hỏi" in texts(phone.say("gap can bo"))  # not a place: the flow that claims it answers
    phone.say("0")
    subscription = Subscription.objects.get(channel_contact__user_id=phone.user_id)
    assert subscription.news and not subscription.policies
    assert subscription.area.name == "Phường Đông Hòa" and subscription.group.name == "Tổ dân phố 2"

    # Unfollowing keeps emergency alerts only.
    phone.tap("#subs.toggle:emergency")
    phone.unfollow()
    subscription.refresh_from_db()
    assert subscription.topics == {"emergency"}


def test_timeout_language_and_inputs_the_bot_cannot_use(oa, new_phone):
    phone = new_phone()
    phone.follow()
    phone.say("tra cuu ho so")
    # a dossier code is expected, but the citizen asks about procedures: that flow answers
    assert "Bạn hỏi thủ tục nào" in texts(phone.say("hoi thu tuc"))
    phone.say("tra cuu ho so")
    ConversationSession.objects.filter(channel_contact__user_id=phone.user_id).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    shown = texts(phone.say("abc"))
    assert "hết thời gian chờ" in shown and "Danh mục chính" in shown

    assert "Danh mục chính" in texts(phone.send_location(13.0955, 109.3209))
    assert "Main menu" in texts(phone.say("tieng anh"))
    assert Contact.objects.get(channel_contacts__user_id=phone.user_id).language == "en"
    shown = texts(phone.send_image())
    assert "no dossier is waiting for documents" in shown
    assert "cannot read this kind of message" in texts(phone.send_sticker())

    # A reprocessed event (a worker retry) does not answer again.
    last = ChannelEvent.objects.filter(channel=oa.channel).order_by("-id").first()
    before = OutboundMessage.objects.count()
    ChannelEvent.objects.filter(pk=last.pk).update(handled_at=None)
    process_channel_event.call(last.pk)
    assert OutboundMessage.objects.count() == before
    assert ConversationStep.objects.filter(event_key__startswith="user_send_sticker").count() == 1


def test_an_officials_link_code_is_answered_once_by_the_internal_channel_not_the_bot(
    oa, new_phone, transactional_world
):
    from ketnoi.broadcasts.models import OfficialLink
    from ketnoi.broadcasts.services import official_link_code

    phone = new_phone()
    phone.follow()
    code = official_link_code(official=transactional_world.processor_a)
    answers = phone.say(f"#lienket {code.code}")
    assert len(answers) == 1  # the internal channel's confirmation only: no menu, no "not understood"
    assert OfficialLink.objects.get(channel_contact__user_id=phone.user_id).user == transactional_world.processor_a
