"""The officials' inbox as the engine sees it (ketnoi.inbox): is a hand-off open for this person, open one, and hand
the conversation back to the bot when the citizen asks for it. While one is open the engine stays silent; the
inbox's own handler (order 40) has already attached the message to the hand-off."""

from ketnoi.channels.types.base import InboundEvent
from ketnoi.contacts.models import ChannelContact, InboundMessage
from ketnoi.inbox.selectors import open_handoff_for
from ketnoi.inbox.services import handoff_citizen_wrote, handoff_open, handoff_return_to_bot


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
