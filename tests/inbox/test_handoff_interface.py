"""The interface the conversation engine codes against: handoff_open, open_handoff_for, and the inbound pipeline's
step that attaches the citizen's messages to the open hand-off (before the engine)."""

import datetime as dt

from django.utils import timezone

from ketnoi.channels.types.base import EventKind, InboundEvent
from ketnoi.core.models import AuditEntry
from ketnoi.inbox.models import EntryKind, Handoff
from ketnoi.inbox.selectors import open_handoff_for
from ketnoi.inbox.services import handoff_close, handoff_open, handoff_return_to_bot
from ketnoi.pipeline.inbound import handle as attach_to_handoff

from .conftest import citizen_message


def test_open_routes_to_the_channels_unit_once_and_is_audited(world, citizen):
    first = handoff_open(channel_contact=citizen, reason="Hỏi về đất đai", requested_by_citizen=True)
    again = handoff_open(channel_contact=citizen, reason="another reason", requested_by_citizen=False)
    assert again.pk == first.pk and Handoff.objects.count() == 1
    assert first.unit == world.commune_a and first.state == "open" and first.requested_by_citizen
    assert first.reason == "Hỏi về đất đai"
    assert first.first_response_due_at > first.opened_at
    assert AuditEntry.objects.filter(action="handoff.open", target_id=str(first.uuid)).count() == 1
    assert open_handoff_for(citizen) == first


def test_no_open_handoff_after_closing(world, citizen):
    assert open_handoff_for(citizen) is None
    handoff = handoff_open(channel_contact=citizen, reason="", requested_by_citizen=True)
    handoff_close(actor=world.processor_a, handoff=handoff, return_to_bot=True)
    assert open_handoff_for(citizen) is None
    # a new request opens a new hand-off
    assert handoff_open(channel_contact=citizen, reason="", requested_by_citizen=True).pk != handoff.pk


def test_the_citizen_can_give_the_conversation_back_to_the_bot(world, citizen):
    handoff = handoff_open(channel_contact=citizen, reason="", requested_by_citizen=True)
    handoff_return_to_bot(handoff=handoff, by_citizen=True)
    handoff.refresh_from_db()
    assert handoff.state == "closed" and handoff.returned_to_bot
    assert open_handoff_for(citizen) is None
    # a message afterwards goes to the bot: nothing reopens
    citizen_message(citizen, "menu")
    assert open_handoff_for(citizen) is None


def _event(message) -> InboundEvent:
    return InboundEvent(
        kind=EventKind.MESSAGE,
        provider_event="user_send_text",
        dedup_key=message.provider_message_id,
        occurred_at=message.received_at,
        user_id=message.channel_contact.user_id,
        provider_message_id=message.provider_message_id,
        text=message.text,
    )


def test_messages_attach_to_the_open_handoff_once(world, citizen):
    handoff = handoff_open(channel_contact=citizen, reason="", requested_by_citizen=True)
    message = citizen_message(citizen, "Cho tôi hỏi về giấy khai sinh")
    attach_to_handoff(citizen.channel, _event(message))
    attach_to_handoff(citizen.channel, _event(message))  # a provider retry
    entries = handoff.entries.filter(kind=EntryKind.CITIZEN_MESSAGE)
    assert [e.inbound_message_id for e in entries] == [message.pk]
    handoff.refresh_from_db()
    assert handoff.last_citizen_message_at == message.received_at


def test_without_a_handoff_the_handler_leaves_the_message_to_the_bot(world, citizen):
    message = citizen_message(citizen, "xin chao")
    attach_to_handoff(citizen.channel, _event(message))
    assert not Handoff.objects.exists()


def test_a_message_soon_after_closing_reopens_unless_returned_to_the_bot(world, citizen):
    handoff = handoff_open(channel_contact=citizen, reason="", requested_by_citizen=True)
    handoff_close(actor=world.processor_a, handoff=handoff, return_to_bot=False)
    attach_to_handoff(citizen.channel, _event(citizen_message(citizen, "Còn một câu nữa")))
    handoff.refresh_from_db()
    assert handoff.state == "open" and handoff.reopened_count == 1 and open_handoff_for(citizen) == handoff
    assert AuditEntry.objects.filter(action="handoff.reopen", target_id=str(handoff.uuid)).exists()

    # too late: the default reopen period (24 h) has passed, the bot answers
    handoff_close(actor=world.processor_a, handoff=handoff, return_to_bot=False)
    late = timezone.now() + dt.timedelta(hours=25)
    attach_to_handoff(citizen.channel, _event(citizen_message(citizen, "Chào", at=late)))
    assert open_handoff_for(citizen) is None
