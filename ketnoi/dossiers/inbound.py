"""Inbound channel events that link a citizen to a dossier: a follow from the receipt QR (the follow link carries
the signed token, which the channel hands over as the event's `source`), or a message that carries the token
(the citizen pasted or forwarded the lookup link). Runs after contacts (order 10), in the event's transaction.

A phone shared through Zalo's info form links nothing here: it is whatever the person typed. The chat offers a
one-time code to it (conversations/flows/mine.py), and only the proven phone links (services/linking.py).
"""

from ketnoi.channels.models import Channel
from ketnoi.channels.types.base import EventKind, InboundEvent
from ketnoi.contacts.models import ChannelContact

from .models import LinkMethod
from .services.linking import dossier_link
from .tokens import dossier_from_token, find_token

HANDLED_KINDS = {EventKind.FOLLOW, EventKind.MESSAGE}


def link_from_event(channel: Channel, event: InboundEvent) -> None:
    if not event.user_id:
        return
    if event.kind == EventKind.FOLLOW:
        token, method = (event.source or "").strip(), LinkMethod.QR_FOLLOW
    else:
        token, method = find_token(event.text), LinkMethod.QR_MESSAGE
    if not token:
        return
    dossier = dossier_from_token(token)
    if dossier is None:
        return
    channel_contact = ChannelContact.objects.filter(channel=channel, user_id=event.user_id).first()
    if channel_contact is None:
        return
    dossier_link(dossier=dossier, contact=channel_contact, method=method, at=event.occurred_at)
