"""What the inbox does with a person's message (the inbound pipeline calls it after contacts stored the message,
before the conversation engine): the message joins their active hand-off, or reopens one closed recently. The
engine is then given the hand-off and stays quiet.

Cheap first: only a person whose ChannelContact.handoff_hint is set (by handoff_open) is looked up; when nothing
is active or reopenable any more the hint is cleared, so almost every message costs the inbox no query at all."""

from ketnoi.contacts.models import ChannelContact, InboundMessage
from ketnoi.contacts.services import channel_contact_handoff_hint

from .models import Handoff
from .selectors import open_handoff_for
from .services import handoff_citizen_wrote


def handoff_for_message(*, person: ChannelContact, message: InboundMessage) -> Handoff | None:
    """The hand-off the citizen's message went to (active, or reopened by it), or None: the assistant answers."""
    if not person.handoff_hint:
        return None
    if message.pk is None:  # already stored (a replayed event): the stored row is the one entries point at
        message = InboundMessage.objects.get(channel=person.channel, provider_message_id=message.provider_message_id)
    message.channel_contact = person
    handoff = handoff_citizen_wrote(message=message)
    if handoff is None:
        channel_contact_handoff_hint(channel_contact=person, hint=False)
    return handoff


def handoff_for_person(*, person: ChannelContact) -> Handoff | None:
    """The person's active hand-off for input that is not a message (submitted info), without a query when none."""
    return open_handoff_for(person) if person.handoff_hint else None
