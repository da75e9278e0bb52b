"""The inbox's inbound handler (order 40, after contacts stored the message at 10, before the conversation engine
at 50): a citizen's message joins their active hand-off, or reopens one closed recently. The engine then finds
open_handoff_for(channel_contact) and stays quiet."""

from ketnoi.channels.models import Channel
from ketnoi.channels.types.base import EventKind, InboundEvent
from ketnoi.contacts.models import InboundMessage

from .services import handoff_citizen_wrote

HANDLED_KINDS = {EventKind.MESSAGE}
ORDER = 40


def attach_to_handoff(channel: Channel, event: InboundEvent) -> None:
    if not event.user_id:
        return
    message_id = (event.provider_message_id or event.dedup_key)[:100]
    message = (
        InboundMessage.objects.filter(channel=channel, provider_message_id=message_id)
        .select_related("channel_contact")
        .first()
    )
    if message is None:
        return
    handoff_citizen_wrote(message=message)
