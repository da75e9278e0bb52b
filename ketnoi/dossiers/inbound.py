"""A citizen linked to a dossier by what they sent: a follow from the receipt QR (the follow link carries the
signed token, which the channel hands over as the event's `source`), or a message that carries the token (the
citizen pasted or forwarded the lookup link). The inbound pipeline calls it after contacts, in the event's
transaction; without a token it costs nothing.

A phone shared through Zalo's info form links nothing here: it is whatever the person typed. The chat offers a
one-time code to it (conversations/flows/mine.py), and only the proven phone links (services/linking.py).
"""

from ketnoi.channels.types.base import EventKind, InboundEvent
from ketnoi.contacts.models import ChannelContact

from .models import Dossier, LinkMethod
from .services.linking import dossier_link
from .tokens import dossier_from_token, find_token


def link_from_event(*, person: ChannelContact, event: InboundEvent) -> Dossier | None:
    """The dossier the event's token linked the person to (new link or not), or None."""
    if event.kind == EventKind.FOLLOW:
        token, method = (event.source or "").strip(), LinkMethod.QR_FOLLOW
    else:
        token, method = find_token(event.text), LinkMethod.QR_MESSAGE
    dossier = dossier_from_token(token) if token else None
    if dossier is None:
        return None
    dossier_link(dossier=dossier, contact=person, method=method, at=event.occurred_at)
    return dossier
