"""The officials' inbox as the engine sees it (ketnoi.inbox): is a hand-off open for this person, open one, hand the
conversation back to the bot when the citizen asks for it, and show the officials what the assistant answered while
it was open (a tapped button still works). Otherwise, while one is open, the engine stays silent; the inbox's own
handler (order 40) has already attached the message to the hand-off."""

from ketnoi.channels.types.base import InboundEvent
from ketnoi.contacts.models import ChannelContact, InboundMessage
from ketnoi.inbox.selectors import open_handoff_for
from ketnoi.inbox.services import (
    handoff_assistant_answered,
    handoff_citizen_wrote,
    handoff_open,
    handoff_return_to_bot,
)
from ketnoi.outbox.models import OutboundMessage


def is_open(channel_contact: ChannelContact) -> bool:
    return open_handoff_for(channel_contact) is not None


def request(*, channel_contact: ChannelContact, event: InboundEvent, reason: str):
    """The citizen asked for an official: open the hand-off and put the message that asked into it."""
    handoff = handoff_open(channel_contact=channel_contact, reason=reason, requested_by_citizen=True)
    message_id = (event.provider_message_id or event.dedup_key)[:100]
    message = InboundMessage.objects.filter(channel=channel_contact.channel, provider_message_id=message_id).first()
    if message is not None:
        handoff_citizen_wrote(message=message)
    return handoff


def leave(turn) -> None:
    """An escape word during a hand-off: the conversation goes back to the bot (closed as returned by the citizen)."""
    handoff = open_handoff_for(turn.channel_contact)
    if handoff is not None:
        handoff_return_to_bot(handoff=handoff, by_citizen=True)


def record_assistant_turn(turn, messages: list[OutboundMessage]) -> None:
    """During a hand-off the assistant answered the citizen itself (a button they tapped, the flow it started): the
    officials' thread gets what the button meant and what the citizen was told, after the citizen's own message."""
    from .engine import button_meaning

    handoff_assistant_answered(channel_contact=turn.channel_contact, meaning=button_meaning(turn), messages=messages)
