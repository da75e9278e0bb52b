"""Reading people: which of a person's chats a notice goes to.

One person may follow the ward's Zalo OA and write to its Facebook page; once the same phone is proven on both they
are one Contact (services.link_verified_phone). A notice about their dossier then goes to one chat, not to every
one: the chat they chose ("notices here" in the subscriptions flow), else the one they used last.
"""

from collections.abc import Iterable

from .models import ChannelContact


def _last_used(identity: ChannelContact) -> tuple:
    last = identity.last_interaction_at
    return (last is not None, last.timestamp() if last else 0.0, -identity.pk)


def notice_identities(identities: Iterable[ChannelContact]) -> list[ChannelContact]:
    """Of the identities a notice would reach, one per person: the person's chosen chat if it is among them, else the
    one with the latest interaction. Identities need `contact` (with notice_channel_contact_id) and
    last_interaction_at loaded; order is kept by the first identity of each person."""
    by_person: dict[int, list[ChannelContact]] = {}
    for identity in identities:
        by_person.setdefault(identity.contact_id, []).append(identity)
    chosen = []
    for group in by_person.values():
        wanted = group[0].contact.notice_channel_contact_id
        chosen.append(next((i for i in group if i.pk == wanted), None) or max(group, key=_last_used))
    return chosen


def notice_identity_for(channel_contact: ChannelContact) -> ChannelContact:
    """Where a notice to the person behind `channel_contact` goes, among their chats on active channels (one query)."""
    identities = list(
        ChannelContact.objects.filter(contact_id=channel_contact.contact_id, channel__is_active=True)
        .select_related("channel", "contact")
        .order_by("pk")
    )
    if not identities:
        return channel_contact
    return notice_identities(identities)[0]
